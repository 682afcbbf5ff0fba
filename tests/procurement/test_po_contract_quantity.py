"""A PO line holds part of its price agreement's quantity: a revised PO approved again takes only
the difference, and cancelling gives back exactly what the lines hold."""

from datetime import date
from decimal import Decimal

import pytest

from contracts.models import PriceLine
from core.errors import DomainError
from procurement import services
from procurement.models import PurchaseOrder
from tests.factories import ItemFactory, LegalEntityFactory, make_active_contract

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


def _ordered(price_line) -> Decimal:
    return PriceLine.objects.get(pk=price_line.pk).quantity_ordered


def _approved_po(buyer, approver, supplier_a, quantity):
    po = services.purchase_order_create(
        legal_entity=LegalEntityFactory(),
        supplier=supplier_a,
        actor=buyer,
        lines=[{"item": ItemFactory(code="IT-CAP"), "quantity": quantity}],
    )
    assert po.lines.get().contract_line_ref  # priced from the contract
    po = services.purchase_order_submit(po=po, actor=buyer)
    return services.purchase_order_approve(po=po, actor=approver)


def _revise_and_approve(po, buyer, approver, quantity):
    line = po.lines.get()
    po = services.purchase_order_revise(
        po=po, actor=buyer, reason="quantity changed", changes=[{"line_id": line.pk, "quantity": quantity}]
    )
    return services.purchase_order_approve(po=po, actor=approver)  # never the requester or the reviser


def test_reapproving_a_revised_po_takes_only_the_difference(price_line, buyer, approver, supplier_a):
    po = _approved_po(buyer, approver, supplier_a, "10")
    assert po.state == "approved" and _ordered(price_line) == Decimal("10")
    po = _revise_and_approve(po, buyer, approver, "12")
    assert po.state == "approved" and po.revision == 2
    assert _ordered(price_line) == Decimal("12")  # not 22
    po = _revise_and_approve(po, buyer, approver, "7")
    assert _ordered(price_line) == Decimal("7")  # a smaller revision gives back
    assert po.lines.get().contract_consumed_qty == Decimal("7")


def test_cancelling_a_revised_po_awaiting_approval_gives_back_what_it_holds(
    price_line, buyer, approver, supplier_a
):
    po = _approved_po(buyer, approver, supplier_a, "10")
    line = po.lines.get()
    po = services.purchase_order_revise(
        po=po, actor=buyer, reason="more", changes=[{"line_id": line.pk, "quantity": "15"}]
    )
    assert po.state == "pending_approval" and _ordered(price_line) == Decimal("10")
    po = services.purchase_order_cancel(po=po, actor=buyer, reason="not needed")
    assert po.state == "cancelled"
    assert _ordered(price_line) == Decimal("0")
    assert po.lines.get().contract_consumed_qty == Decimal("0")


def test_a_revision_beyond_the_cap_is_refused_and_changes_nothing(price_line, buyer, approver, supplier_a):
    po = _approved_po(buyer, approver, supplier_a, "90")
    line = po.lines.get()
    po = services.purchase_order_revise(
        po=po, actor=buyer, reason="more", changes=[{"line_id": line.pk, "quantity": "101"}]
    )
    with pytest.raises(DomainError) as exc:
        services.purchase_order_approve(po=po, actor=approver)
    assert exc.value.code == "contract_quantity_exceeded"
    assert PurchaseOrder.objects.get(pk=po.pk).state == "pending_approval"
    assert _ordered(price_line) == Decimal("90")
    assert po.lines.get().contract_consumed_qty == Decimal("90")
