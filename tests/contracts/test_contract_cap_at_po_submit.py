"""Issue 14: the buyer sees, on a purchase order against a contract, how much of the contract's
quantity cap is used, what this PO adds and whether it breaches; a breach is refused when the PO
is submitted (not only at the last approval), and nothing changes."""

from datetime import date

import pytest

from contracts.models import PriceLine
from core.models import TransitionLog
from procurement import services
from procurement.models import PurchaseOrder
from tests.factories import ItemFactory, LegalEntityFactory, UserFactory, make_active_contract

LINE = {"item_code": "IT-CAP", "item_name": "螺丝 M6", "unit_price": "1.25", "tax_rate": "0.13"}


@pytest.fixture
def price_line(supplier_a):
    make_active_contract(
        supplier_a,
        lines=({**LINE, "quantity_cap": "100"},),
        valid_from=date(2026, 1, 1),
        valid_to=date(2099, 12, 31),
    )
    return PriceLine.objects.get(item_code="IT-CAP")


@pytest.fixture
def approver(db):
    return UserFactory(username="approver9", role="buyer")


@pytest.fixture
def entity(db):
    return LegalEntityFactory()


def _po(buyer, supplier, entity, quantity):
    return services.purchase_order_create(
        legal_entity=entity,
        supplier=supplier,
        actor=buyer,
        lines=[{"item": ItemFactory(code="IT-CAP"), "quantity": quantity}],
    )


def test_the_po_page_shows_the_cap_what_is_used_and_what_this_po_adds(
    price_line, buyer, approver, supplier_a, entity, client_as
):
    first = services.purchase_order_submit(po=_po(buyer, supplier_a, entity, 60), actor=buyer)
    services.purchase_order_approve(po=first, actor=approver)
    waiting = services.purchase_order_submit(po=_po(buyer, supplier_a, entity, 15), actor=buyer)
    draft = _po(buyer, supplier_a, entity, 20)
    page = client_as(buyer).get(f"/procurement/pos/{draft.pk}/").content.decode()
    assert "Contract quantity caps" in page
    # cap 100, 60 on approved POs, 15 waiting on another, this PO adds 20 → 95 of 100
    row = page[page.index("Contract quantity caps") :]
    for text in ("100", "60", "15", "20", "95 / 100 (95%)"):
        assert text in row, text
    assert "over the cap" not in row
    assert waiting.state == "pending_approval"


def test_submitting_a_po_beyond_the_contract_cap_is_refused_on_the_page_before_any_approval(
    price_line, buyer, approver, supplier_a, entity, client_as
):
    first = services.purchase_order_submit(po=_po(buyer, supplier_a, entity, 70), actor=buyer)
    services.purchase_order_approve(po=first, actor=approver)
    over = _po(buyer, supplier_a, entity, 40)
    client = client_as(buyer)
    detail = client.get(f"/procurement/pos/{over.pk}/").content.decode()
    assert "over the cap by 10" in detail  # warned before submitting
    response = client.post(
        f"/procurement/pos/{over.pk}/do/submit/", HTTP_REFERER=f"/procurement/pos/{over.pk}/", follow=True
    )
    page = response.content.decode()
    assert "the cap is 100" in page and "this order adds 40" in page and "over the cap by 10" in page
    assert PurchaseOrder.objects.get(pk=over.pk).state == "draft"
    assert not TransitionLog.objects.filter(object_id=str(over.pk), transition="submit").exists()
    assert PriceLine.objects.get(pk=price_line.pk).quantity_ordered == 70


def test_other_pos_waiting_for_approval_count_against_the_cap_at_submit(
    price_line, buyer, supplier_a, entity
):
    services.purchase_order_submit(po=_po(buyer, supplier_a, entity, 90), actor=buyer)
    second = _po(buyer, supplier_a, entity, 20)
    from core.errors import DomainError

    with pytest.raises(DomainError) as exc:
        services.purchase_order_submit(po=second, actor=buyer)
    assert exc.value.code == "contract_quantity_exceeded"
    assert exc.value.details["pending"] == "90.000000" and exc.value.details["over_by"] == "10.000000"
    assert PurchaseOrder.objects.get(pk=second.pk).state == "draft"


def test_a_po_within_the_cap_is_submitted_as_before(price_line, buyer, supplier_a, entity):
    po = services.purchase_order_submit(po=_po(buyer, supplier_a, entity, 100), actor=buyer)
    assert po.state == "pending_approval"


def test_supplier_users_never_see_the_cap_panel(
    price_line, buyer, supplier_a, entity, supplier_user_a, client_as
):
    po = _po(buyer, supplier_a, entity, 10)
    PurchaseOrder.objects.filter(pk=po.pk).update(state="sent")
    page = client_as(supplier_user_a).get(f"/procurement/pos/{po.pk}/").content.decode()
    assert "Contract quantity caps" not in page
