"""What produces a notification: RFQ invitations, POs to acknowledge, rejected invoices,
match exceptions and expiring documents reach the right people's inboxes."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from contracts.services import contract_expiry_check
from invoicing.services import invoice_upload
from notifications.models import Notification
from procurement.services import purchase_order_send, rfq_invite
from suppliers.services import qualification_expiry_check
from tests.factories import (
    SupplierFactory,
    UserFactory,
    make_active_contract,
    make_document,
    make_purchase_order,
    make_rfq,
    make_supplier_user,
)
from tests.invoicing.cn_xml_builder import build_cn_xml

pytestmark = pytest.mark.django_db


def _inbox(user):
    return list(Notification.objects.filter(user=user).values_list("kind", "url"))


def test_publishing_an_rfq_invites_the_users_of_each_invited_supplier_only(
    buyer, supplier_a, supplier_b, supplier_user_a, supplier_user_b
):
    bystander = make_supplier_user(SupplierFactory(state="approved"), "carol")
    rfq = make_rfq(buyer=buyer, suppliers=[supplier_a, supplier_b])
    assert _inbox(supplier_user_a) == [("rfq_invitation", f"/procurement/rfqs/{rfq.pk}/")]
    assert _inbox(supplier_user_b) == [("rfq_invitation", f"/procurement/rfqs/{rfq.pk}/")]
    assert _inbox(bystander) == []
    assert rfq.number in Notification.objects.filter(user=supplier_user_a).get().subject


def test_a_supplier_invited_after_publishing_hears_at_once_and_drafts_tell_nobody(
    buyer, supplier_a, supplier_b
):
    bob = make_supplier_user(supplier_b, "bob")
    alice = make_supplier_user(supplier_a, "alice")
    rfq = make_rfq(buyer=buyer, suppliers=[supplier_a])
    rfq_invite(rfq=rfq, supplier=supplier_b, actor=buyer)
    assert [k for k, _ in _inbox(bob)] == ["rfq_invitation"]
    draft = make_rfq(buyer=buyer, suppliers=[supplier_a], publish=False)
    assert len(_inbox(alice)) == 1 and draft.state == "draft"


def test_sending_a_po_asks_the_suppliers_users_to_acknowledge(
    buyer, supplier_a, supplier_user_a, django_capture_on_commit_callbacks
):
    supplier_user_a.email = "alice@a.example.cn"
    supplier_user_a.save()
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="approved")
    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_send(po=po, actor=buyer)
    assert _inbox(supplier_user_a) == [("po_to_acknowledge", f"/procurement/pos/{po.pk}/")]
    assert any(m.to == ["alice@a.example.cn"] and po.number in m.subject for m in mail.outbox)


def test_a_rejected_invoice_tells_the_supplier_why(
    supplier_a, supplier_user_a, django_capture_on_commit_callbacks
):
    # built with another seller's tax id: validation refuses it for this supplier
    with django_capture_on_commit_callbacks(execute=True):
        invoice, _ = invoice_upload(
            supplier=supplier_a, data=build_cn_xml(), filename="wrong-seller.xml", actor=supplier_user_a
        )
    invoice.refresh_from_db()
    assert invoice.state == "rejected"
    note = Notification.objects.get(user=supplier_user_a, kind="invoice_rejected")
    assert note.url == f"/invoices/{invoice.pk}/"
    assert invoice.invoice_number in note.subject
    assert "seller" in note.body.lower()


def test_a_match_exception_reaches_every_finance_user(finance, supplier_a, supplier_user_a):
    from core.services import run_transition
    from invoicing.models import Invoice, StoredFile

    other_finance = UserFactory(username="finance2", role="finance")
    stored = StoredFile.objects.create(sha256="e" * 64, size=1, path="x/e")
    invoice = Invoice.objects.create(
        supplier=supplier_a, file=stored, invoice_number="F-77", state="validated"
    )
    run_transition(invoice, "raise_exception", actor=None, reason="price 12.00 above PO price 10.00")
    for user in (finance, other_finance):
        assert _inbox(user) == [("match_exception", f"/invoices/{invoice.pk}/")]
    assert "12.00" in Notification.objects.filter(user=finance).get().body
    assert _inbox(supplier_user_a) == []


def test_an_expiring_qualification_document_and_contract_notify_once(buyer, supplier_a, supplier_user_a):
    today = timezone.localdate()
    make_document(supplier_a, supplier_user_a, expires_on=today + timedelta(days=10))
    qualification_expiry_check(today=today)
    qualification_expiry_check(today=today)
    assert [k for k, _ in _inbox(supplier_user_a)] == ["document_expiring"]

    contract = make_active_contract(
        supplier_a, author=buyer, valid_from=date(2026, 1, 1), valid_to=today + timedelta(days=5)
    )
    contract_expiry_check(today=today)
    contract_expiry_check(today=today)
    assert ("document_expiring", f"/contracts/{contract.pk}/") in _inbox(buyer)
    # the qualification reached the buyer too: nobody works with the supplier yet, so every buyer
    assert sorted(_inbox(buyer)) == sorted(
        [
            ("document_expiring", f"/contracts/{contract.pk}/"),
            ("document_expiring", f"/suppliers/{supplier_a.pk}/"),
        ]
    )
    assert [k for k, _ in _inbox(supplier_user_a)].count("document_expiring") == 2


def test_a_statement_sent_for_confirmation_reaches_the_suppliers_users(finance, supplier_a, supplier_user_a):
    from settlement.services.statements import statement_create, statement_send
    from tests.factories import LegalEntityFactory
    from tests.settlement.statement_builders import PERIOD, make_invoice

    entity = LegalEntityFactory()
    make_invoice(supplier_a, entity)
    statement = statement_create(
        kind="invoice_first",
        supplier=supplier_a,
        legal_entity=entity,
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        actor=finance,
    )
    assert _inbox(supplier_user_a) == []  # a draft is finance's business
    statement_send(statement=statement, actor=finance)
    assert _inbox(supplier_user_a) == [("statement_to_confirm", f"/settlement/statements/{statement.pk}/")]
    note = Notification.objects.get(user=supplier_user_a)
    assert statement.number in note.subject and "1,130.00" in note.body
