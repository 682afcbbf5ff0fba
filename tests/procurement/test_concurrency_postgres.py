"""Two buyers acting on the same PO at the same moment produce exactly one effect (row locks).
Real threads with their own connections: PostgreSQL only."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from core.errors import DomainError
from core.models import TransitionLog
from procurement import services
from procurement.models import (
    ApprovalRule,
    GoodsReceipt,
    PurchaseOrder,
    PurchaseOrderApproval,
    QuoteVersion,
)
from tests.concurrency import race
from tests.factories import SupplierFactory, UserFactory, make_purchase_order, make_rfq, make_supplier_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


_race = race


def test_two_buyers_approving_the_same_po_at_once_approve_it_exactly_once():
    requester = UserFactory(username="req", role="buyer")
    a, b = UserFactory(username="appr-a", role="buyer"), UserFactory(username="appr-b", role="buyer")
    po = make_purchase_order(
        requester=requester, supplier=SupplierFactory(state="approved"), state="pending_approval"
    )
    results = _race(
        lambda: services.purchase_order_approve(po=po, actor=a),
        lambda: services.purchase_order_approve(po=po, actor=b),
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], DomainError) and errors[0].status == 409, results
    assert PurchaseOrder.objects.get(pk=po.pk).state == "approved"
    assert PurchaseOrderApproval.objects.filter(po=po).count() == 1
    assert TransitionLog.objects.filter(object_id=str(po.pk), transition="approve").count() == 1


def test_two_buyers_receiving_the_full_quantity_at_once_receive_it_exactly_once():
    buyer_a, buyer_b = (
        UserFactory(username="recv-a", role="buyer"),
        UserFactory(username="recv-b", role="buyer"),
    )
    po = make_purchase_order(
        requester=buyer_a,
        supplier=SupplierFactory(state="approved"),
        lines=((10, "1"),),
        state="acknowledged",
    )
    line = po.lines.get()
    body = [{"po_line_id": line.pk, "accepted_qty": "10"}]
    results = _race(
        lambda: services.goods_receipt_create(po=po, actor=buyer_a, lines=body),
        lambda: services.goods_receipt_create(po=po, actor=buyer_b, lines=body),
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and getattr(errors[0], "code", None) == "over_receipt_tolerance", results
    line.refresh_from_db()
    assert line.received_qty == 10
    assert GoodsReceipt.objects.filter(po=po).count() == 1
    assert PurchaseOrder.objects.get(pk=po.pk).state == "received"


def test_two_partial_receipts_at_once_both_count_and_none_is_lost():
    buyer_a, buyer_b = (
        UserFactory(username="part-a", role="buyer"),
        UserFactory(username="part-b", role="buyer"),
    )
    po = make_purchase_order(
        requester=buyer_a,
        supplier=SupplierFactory(state="approved"),
        lines=((10, "1"),),
        state="acknowledged",
    )
    line = po.lines.get()
    results = _race(
        lambda: services.goods_receipt_create(
            po=po, actor=buyer_a, lines=[{"po_line_id": line.pk, "accepted_qty": "3"}]
        ),
        lambda: services.goods_receipt_create(
            po=po, actor=buyer_b, lines=[{"po_line_id": line.pk, "accepted_qty": "4"}]
        ),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    line.refresh_from_db()
    assert line.received_qty == 7 and GoodsReceipt.objects.filter(po=po).count() == 2
    assert PurchaseOrder.objects.get(pk=po.pk).state == "partially_received"
    assert TransitionLog.objects.filter(object_id=str(po.pk), transition="receive_partially").count() == 1


def test_the_same_approver_clicking_twice_at_once_records_one_approval():
    requester, approver = (
        UserFactory(username="req2", role="buyer"),
        UserFactory(username="twice", role="finance"),
    )
    po = make_purchase_order(
        requester=requester, supplier=SupplierFactory(state="approved"), state="pending_approval"
    )
    ApprovalRule.objects.create(
        legal_entity=po.legal_entity, min_amount=0, role="finance", approvers_required=2
    )
    results = _race(
        lambda: services.purchase_order_approve(po=po, actor=approver),
        lambda: services.purchase_order_approve(po=po, actor=approver),
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and getattr(errors[0], "code", None) == "already_approved", results
    assert PurchaseOrderApproval.objects.filter(po=po).count() == 1
    assert PurchaseOrder.objects.get(pk=po.pk).state == "pending_approval"


def test_two_different_approvers_at_once_on_a_two_approver_rule_approve_exactly_once():
    requester = UserFactory(username="req3", role="buyer")
    a, b = UserFactory(username="fin-a", role="finance"), UserFactory(username="fin-b", role="finance")
    po = make_purchase_order(
        requester=requester, supplier=SupplierFactory(state="approved"), state="pending_approval"
    )
    ApprovalRule.objects.create(
        legal_entity=po.legal_entity, min_amount=0, role="finance", approvers_required=2
    )
    results = _race(
        lambda: services.purchase_order_approve(po=po, actor=a),
        lambda: services.purchase_order_approve(po=po, actor=b),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert PurchaseOrderApproval.objects.filter(po=po).count() == 2
    assert PurchaseOrder.objects.get(pk=po.pk).state == "approved"
    assert TransitionLog.objects.filter(object_id=str(po.pk), transition="approve").count() == 1


def test_a_receipt_and_a_cancel_at_once_never_leave_goods_on_a_cancelled_po():
    buyer_a, buyer_b = UserFactory(username="gr", role="buyer"), UserFactory(username="cx", role="buyer")
    po = make_purchase_order(
        requester=buyer_a,
        supplier=SupplierFactory(state="approved"),
        lines=((10, "1"),),
        state="acknowledged",
    )
    line = po.lines.get()
    results = _race(
        lambda: services.goods_receipt_create(
            po=po, actor=buyer_a, lines=[{"po_line_id": line.pk, "accepted_qty": "2"}]
        ),
        lambda: services.purchase_order_cancel(po=po, actor=buyer_b, reason="not needed"),
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], DomainError) and errors[0].status == 409, results
    state = PurchaseOrder.objects.get(pk=po.pk).state
    receipts = GoodsReceipt.objects.filter(po=po).count()
    assert (state, receipts) in {("partially_received", 1), ("cancelled", 0)}


def test_a_quote_racing_the_close_is_either_in_and_verified_or_refused():
    buyer = UserFactory(username="rfq-buyer", role="buyer")
    supplier = SupplierFactory(state="approved")
    user = make_supplier_user(supplier, "racer")
    rfq = make_rfq(buyer=buyer, suppliers=[supplier], lines=((5,),))
    line_id = rfq.lines.get().pk
    results = _race(
        lambda: services.quote_submit(
            rfq=rfq,
            actor=user,
            prices={line_id: "3"},
            lead_time_days=2,
            valid_until=timezone.localdate() + timedelta(days=5),
        ),
        lambda: services.rfq_close(rfq=rfq, actor=buyer, reason="closed early for the test"),
    )
    assert not isinstance(results[1], Exception), results
    versions = QuoteVersion.objects.filter(quote__rfq=rfq)
    if isinstance(results[0], Exception):
        assert getattr(results[0], "code", None) == "deadline_passed" and not versions.exists()
    else:
        assert versions.get().integrity == "ok"  # submitted before the close, checked at opening
