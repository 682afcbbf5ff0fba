import itertools

import factory

from core.models import Role, User
from procurement.models import Item, LegalEntity
from suppliers.models import Supplier, SupplierMembership
from suppliers.taxid import uscc_check_character

_serial = itertools.count(1)


def make_uscc(prefix: str = "91310000MA") -> str:
    """A valid unified social credit code, different every call."""
    body = f"{prefix}{next(_serial):07d}"[:17]
    return body + uscc_check_character(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.BUYER
    password = factory.django.Password("correct-horse-battery")


class SupplierFactory(factory.django.DjangoModelFactory):
    """Creates a supplier directly in ``state`` (test setup only; services move states)."""

    class Meta:
        model = Supplier

    name = factory.Sequence(lambda n: f"Supplier {n}")
    tax_id = factory.LazyFunction(lambda: make_uscc("91440300MA"))

    @classmethod
    def _create(cls, model_class, *args, state="draft", **kwargs):
        obj = model_class(*args, **kwargs)
        obj.save()
        if state != "draft":
            model_class.objects.filter(pk=obj.pk).update(state=state)
            obj.refresh_from_db()
        return obj


class LegalEntityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LegalEntity

    name = factory.Sequence(lambda n: f"Buyer Entity {n}")
    tax_id = factory.LazyFunction(lambda: make_uscc("91310000MA"))


class ItemFactory(factory.django.DjangoModelFactory):
    """An item of the item master; a code that exists already is updated with the given fields
    (contract price lines need their item in the master, so make_active_contract adds it)."""

    class Meta:
        model = Item

    code = factory.Sequence(lambda n: f"IT-{n:04d}")
    name = factory.Sequence(lambda n: f"Item {n}")

    @classmethod
    def _create(cls, model_class, *args, code, **kwargs):
        item, _ = model_class.objects.update_or_create(code=code, defaults=kwargs)
        return item


def ensure_items(lines) -> None:
    """Put the item codes of contract price-line kwargs in the item master (when missing)."""
    for line in lines:
        defaults = {"name": line.get("item_name") or line["item_code"], "unit": line.get("unit") or "EA"}
        Item.objects.get_or_create(code=line["item_code"], defaults=defaults)


def make_supplier_user(supplier: Supplier, username: str) -> User:
    user = UserFactory(username=username, role=Role.SUPPLIER)
    SupplierMembership.objects.create(user=user, supplier=supplier)
    return user


# --- suppliers: qualification documents, bank accounts; contracts (appended) -----------------

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_document(supplier, user, *, doc_type="business_licence", expires_on=None):
    """A stored qualification document (bypasses the upload checks: test setup only)."""
    from datetime import date

    from django.core.files.base import ContentFile

    from suppliers.models import QualificationDocument

    doc = QualificationDocument(
        supplier=supplier,
        doc_type=doc_type,
        original_name="licence.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
        sha256="0" * 64,
        expires_on=expires_on or date(2099, 12, 31),
        uploaded_by=user,
    )
    doc.file.save("licence.pdf", ContentFile(PDF_BYTES), save=False)
    doc.save()
    return doc


def make_approved_bank_account(supplier, *, number="6222020200112233", entered_by=None, approved_by=None):
    from suppliers.services import bank_account_add, bank_account_approve

    entered_by = entered_by or UserFactory(username=f"entry{next(_serial)}", role=Role.BUYER)
    approved_by = approved_by or UserFactory(username=f"fin{next(_serial)}", role=Role.FINANCE)
    account = bank_account_add(
        supplier=supplier,
        bank_name="ICBC",
        account_name=supplier.name,
        account_number=number,
        actor=entered_by,
    )
    return bank_account_approve(account=account, actor=approved_by)


# --- procurement (purchase orders, RFQs) -------------------------------------------------------


def make_purchase_order(*, requester, supplier, legal_entity=None, lines=((10, "5.00"),), state="draft"):
    """A PO built through the services (buyer ``requester``); ``state`` moves it on in the DB
    directly for test setup (services move states in the tests themselves)."""
    from procurement.models import PurchaseOrder
    from procurement.services import purchase_order_create

    legal_entity = legal_entity or LegalEntityFactory()
    po = purchase_order_create(
        legal_entity=legal_entity,
        supplier=supplier,
        actor=requester,
        lines=[{"item": ItemFactory(), "quantity": qty, "unit_price": price} for qty, price in lines],
    )
    if state != "draft":
        PurchaseOrder.objects.filter(pk=po.pk).update(state=state)
        po.refresh_from_db()
    return po


def make_rfq(
    *, buyer, suppliers, lines=((10,),), legal_entity=None, title="RFQ", publish=True, deadline=None
):
    """An RFQ with ``lines`` (quantity,), the ``suppliers`` invited and (by default) published."""
    from datetime import timedelta

    from django.utils import timezone

    from procurement.services import rfq_create, rfq_invite, rfq_publish

    rfq = rfq_create(
        legal_entity=legal_entity or LegalEntityFactory(),
        title=title,
        actor=buyer,
        lines=[{"item": ItemFactory(), "quantity": line[0]} for line in lines],
    )
    for supplier in suppliers:
        rfq_invite(rfq=rfq, supplier=supplier, actor=buyer)
    if publish:
        rfq = rfq_publish(rfq=rfq, actor=buyer, deadline=deadline or timezone.now() + timedelta(days=3))
    return rfq


def make_active_contract(
    supplier, *, author=None, approver=None, lines=(), valid_from=None, valid_to=None, title="框架合同"
):
    """A contract taken through the real services to active; ``lines`` are price_line_add kwargs."""
    from datetime import date

    from contracts.services import contract_create, contract_transition, price_line_add

    author = author or UserFactory(username=f"author{next(_serial)}", role=Role.BUYER)
    approver = approver or UserFactory(username=f"approver{next(_serial)}", role=Role.BUYER)
    contract = contract_create(
        supplier=supplier,
        title=title,
        valid_from=valid_from or date(2026, 1, 1),
        valid_to=valid_to or date(date.today().year + 1, 12, 31),  # never ends under a test
        actor=author,
    )
    lines = lines or ({"item_code": "IT-1", "item_name": "螺丝", "unit_price": "1.25", "tax_rate": "0.13"},)
    ensure_items(lines)
    for kwargs in lines:
        price_line_add(contract=contract, actor=author, **kwargs)
    contract_transition(contract=contract, name="submit", actor=author)
    return contract_transition(contract=contract, name="approve", actor=approver)
