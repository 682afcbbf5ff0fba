from decimal import Decimal

import pytest

from core.errors import DomainError, IllegalTransition
from core.models import TransitionLog
from procurement import selectors, services
from procurement.models import GoodsReceipt, PurchaseOrder
from tests.factories import LegalEntityFactory, make_purchase_order


@pytest.fixture
def po(buyer, supplier_a):
    return make_purchase_order(
        requester=buyer,
        supplier=supplier_a,
        legal_entity=LegalEntityFactory(over_receipt_tolerance=Decimal("0.05")),
        lines=((100, "2"), (10, "3")),
        state="acknowledged",
    )


def _lines(po):
    return list(po.lines.order_by("line_no"))


def test_partial_receipt_moves_the_po_to_partially_received_then_full_receipt_to_received(buyer, po):
    first, second = _lines(po)
    services.goods_receipt_create(
        po=po, actor=buyer, lines=[{"po_line_id": first.pk, "accepted_qty": "60", "rejected_qty": "5"}]
    )
    assert PurchaseOrder.objects.get(pk=po.pk).state == "partially_received"
    services.goods_receipt_create(
        po=po,
        actor=buyer,
        lines=[
            {"po_line_id": first.pk, "accepted_qty": "40"},
            {"po_line_id": second.pk, "accepted_qty": "10"},
        ],
    )
    assert PurchaseOrder.objects.get(pk=po.pk).state == "received"
    first.refresh_from_db()
    assert first.received_qty == Decimal("100")
    assert list(
        TransitionLog.objects.filter(object_id=str(po.pk), content_type__model="purchaseorder").values_list(
            "transition", flat=True
        )
    ) == ["receive_partially", "receive_fully"]
    lines = selectors.receipt_lines_for_po(po)
    assert [(rl.accepted_qty, rl.rejected_qty) for rl in lines][0] == (Decimal("60"), Decimal("5"))


def test_receipt_within_tolerance_is_accepted_and_beyond_it_refused_with_nothing_changed(buyer, po):
    first, _ = _lines(po)
    services.goods_receipt_create(po=po, actor=buyer, lines=[{"po_line_id": first.pk, "accepted_qty": "104"}])
    with pytest.raises(DomainError) as exc:
        services.goods_receipt_create(
            po=po, actor=buyer, lines=[{"po_line_id": first.pk, "accepted_qty": "1.5"}]
        )
    assert exc.value.code == "over_receipt_tolerance"
    first.refresh_from_db()
    assert first.received_qty == Decimal("104")
    assert GoodsReceipt.objects.count() == 1


@pytest.mark.parametrize(
    "qty,code",
    [("0", "invalid_quantity"), ("-3", "validation_error")],  # nothing received; out of range
)
def test_zero_or_negative_receipt_quantities_are_refused(buyer, po, qty, code):
    first, _ = _lines(po)
    with pytest.raises(DomainError) as exc:
        services.goods_receipt_create(
            po=po, actor=buyer, lines=[{"po_line_id": first.pk, "accepted_qty": qty}]
        )
    assert exc.value.code == code
    assert not GoodsReceipt.objects.exists()


def test_receipt_against_a_po_not_yet_acknowledged_is_refused(buyer, supplier_a):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="approved")
    with pytest.raises(IllegalTransition) as exc:
        services.goods_receipt_create(
            po=po, actor=buyer, lines=[{"po_line_id": po.lines.get().pk, "accepted_qty": "1"}]
        )
    assert exc.value.code == "po_not_receivable"


def test_supplier_user_cannot_post_a_receipt(supplier_user_a, po):
    with pytest.raises(DomainError) as exc:
        services.goods_receipt_create(
            po=po, actor=supplier_user_a, lines=[{"po_line_id": _lines(po)[0].pk, "accepted_qty": "1"}]
        )
    assert exc.value.status == 403


def test_a_return_lowers_the_received_quantity_and_reopens_a_received_po(buyer, po):
    first, second = _lines(po)
    services.goods_receipt_create(
        po=po,
        actor=buyer,
        lines=[
            {"po_line_id": first.pk, "accepted_qty": "100"},
            {"po_line_id": second.pk, "accepted_qty": "10"},
        ],
    )
    with pytest.raises(DomainError) as exc:
        services.goods_return_create(
            po=po, actor=buyer, lines=[{"po_line_id": second.pk, "quantity": "11", "reason": "x"}]
        )
    assert exc.value.code == "return_exceeds_received"
    ret = services.goods_return_create(
        po=po, actor=buyer, lines=[{"po_line_id": second.pk, "quantity": "2", "reason": "damaged"}]
    )
    assert ret.kind == "return" and ret.number.startswith("RT-")
    second.refresh_from_db()
    assert second.received_qty == Decimal("8")
    assert PurchaseOrder.objects.get(pk=po.pk).state == "partially_received"


def test_received_po_can_be_closed(buyer, po):
    first, second = _lines(po)
    services.goods_receipt_create(
        po=po,
        actor=buyer,
        lines=[
            {"po_line_id": first.pk, "accepted_qty": "100"},
            {"po_line_id": second.pk, "accepted_qty": "10"},
        ],
    )
    assert services.purchase_order_close(po=po, actor=buyer).state == "closed"
