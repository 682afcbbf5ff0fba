"""The requester sees the PO, the receipt and the delivery status of what they asked for; a
requisition closes by itself once everything ordered is received (or closed / cancelled)."""

from datetime import timedelta

import pytest

from core.errors import DomainError
from core.selectors import transition_log_for
from procurement.services import (
    goods_receipt_create,
    purchase_order_acknowledge,
    purchase_order_approve,
    purchase_order_cancel,
    purchase_order_send,
    purchase_order_submit,
    shipping_notice_create,
)
from requisitions import selectors, services
from tests.factories import UserFactory


@pytest.fixture
def ordered(world, approved, paper, pen, buyer):
    requisition = approved(world["requester"], [(paper, 10), (pen, 5)])
    [po] = services.requisitions_convert(actor=buyer, requisition_ids=[requisition.pk])
    return requisition, po


def _send_and_acknowledge(po, buyer, supplier_user, today):
    purchase_order_submit(po=po, actor=buyer)
    purchase_order_approve(po=po, actor=UserFactory(username="po-approver", role="buyer"))
    purchase_order_send(po=po, actor=buyer)
    purchase_order_acknowledge(
        po=po,
        actor=supplier_user,
        promised_dates={line.pk: today + timedelta(days=5) for line in po.lines.all()},
    )


def _status(requisition):
    return {st.line.item.code: st for st in selectors.line_statuses(requisition)}


def test_the_requester_follows_each_line_from_po_to_receipt(ordered, buyer, supplier_user_a, today):
    requisition, po = ordered
    status = _status(requisition)
    assert status["PAPER-A4"].po_number == po.number and status["PAPER-A4"].po_state == "draft"
    _send_and_acknowledge(po, buyer, supplier_user_a, today)
    assert _status(requisition)["PAPER-A4"].promised_date == today + timedelta(days=5)
    paper_po_line = po.lines.get(item__code="PAPER-A4")
    shipping_notice_create(
        po=po,
        actor=supplier_user_a,
        expected_on=today + timedelta(days=3),
        carrier="顺丰",
        tracking_no="SF123",
        lines=[{"po_line_id": paper_po_line.pk, "quantity": "10"}],
    )
    paper = _status(requisition)["PAPER-A4"]
    assert (paper.carrier, paper.tracking_no, paper.expected_on) == (
        "顺丰",
        "SF123",
        today + timedelta(days=3),
    )
    assert paper.progress == "shipped" and str(today + timedelta(days=3)) in paper.status
    receipt = goods_receipt_create(
        po=po, actor=buyer, lines=[{"po_line_id": paper_po_line.pk, "accepted_qty": "4"}]
    )
    paper = _status(requisition)["PAPER-A4"]
    assert paper.received_qty == 4 and paper.receipts[0]["number"] == receipt.number
    assert paper.progress == "partly_received"


def test_a_requisition_closes_itself_when_everything_is_received(ordered, buyer, supplier_user_a, today):
    requisition, po = ordered
    _send_and_acknowledge(po, buyer, supplier_user_a, today)
    goods_receipt_create(
        po=po,
        actor=buyer,
        lines=[{"po_line_id": line.pk, "accepted_qty": str(line.quantity)} for line in po.lines.all()],
    )
    requisition.refresh_from_db()
    assert requisition.state == "closed"
    log = transition_log_for(requisition).get(transition="close")
    assert log.actor is None and "received" in log.reason
    assert {st.progress for st in selectors.line_statuses(requisition)} == {"received"}


def test_a_cancelled_po_shows_as_cancelled_and_closes_the_requisition(ordered, buyer):
    requisition, po = ordered
    purchase_order_cancel(po=po, actor=buyer, reason="supplier cannot deliver")
    requisition.refresh_from_db()
    assert requisition.state == "closed"
    assert {st.progress for st in selectors.line_statuses(requisition)} == {"po_cancelled"}


def test_a_partly_ordered_requisition_is_closed_by_hand_with_a_reason(world, approved, paper, buyer):
    requisition = approved(world["requester"], [(paper, 1)], free_text=[("椅子", 1, "100")])
    services.requisitions_convert(actor=buyer, requisition_ids=[requisition.pk])
    with pytest.raises(DomainError) as exc:
        services.requisition_close(requisition=requisition, actor=world["requester"])
    assert exc.value.code == "reason_required"
    services.requisition_close(requisition=requisition, actor=world["requester"], reason="椅子不要了")
    requisition.refresh_from_db()
    assert requisition.state == "closed"
    assert [st.progress for st in selectors.line_statuses(requisition)] == ["ordered", "not_ordered"]
