"""Two buyers acting on the same PO at the same moment produce exactly one effect (row locks).
Real threads with their own connections: PostgreSQL only."""

import threading

import pytest
from django.db import connection, connections

from core.errors import DomainError
from core.models import TransitionLog
from procurement import services
from procurement.models import GoodsReceipt, PurchaseOrder, PurchaseOrderApproval
from tests.factories import SupplierFactory, UserFactory, make_purchase_order

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def _race(*calls):
    """Run the calls in threads released together; returns each call's result or exception."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - collected for the assertions
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


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
