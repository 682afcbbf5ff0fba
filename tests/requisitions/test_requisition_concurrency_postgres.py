"""Two buyers converting the same requisition at the same moment produce one set of purchase
orders (row locks). Real threads with their own connections: PostgreSQL only."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from core.errors import DomainError
from core.selectors import transition_log_for
from procurement.models import PurchaseOrder, PurchaseOrderLine
from requisitions import services
from requisitions.models import RequisitionLine
from tests.concurrency import race
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


_race = race


def test_two_buyers_converting_the_same_requisition_at_once_create_one_set_of_pos(
    world, manager, paper, pen, cable_b
):
    user = world["requester"]
    for line, qty in ((paper, 5), (pen, 5), (cable_b, 1)):
        services.cart_add(actor=user, price_line=line, quantity=qty)
    requisition = services.requisition_submit(
        actor=user, needed_by=timezone.localdate() + timedelta(days=7), delivery_address="Room 1"
    )
    services.requisition_approve(requisition=requisition, actor=manager)
    a, b = UserFactory(username="conv-a", role="buyer"), UserFactory(username="conv-b", role="buyer")

    results = _race(
        lambda: services.requisitions_convert(actor=a, requisition_ids=[requisition.pk]),
        lambda: services.requisitions_convert(actor=b, requisition_ids=[requisition.pk]),
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], DomainError), results
    assert errors[0].code == "already_ordered" and errors[0].status == 409
    assert PurchaseOrder.objects.count() == 2  # supplier A and supplier B, once
    assert PurchaseOrderLine.objects.count() == 3
    assert RequisitionLine.objects.filter(po_line__isnull=False).count() == 3
    requisition.refresh_from_db()
    assert requisition.state == "ordered"
    assert transition_log_for(requisition).filter(transition="order").count() == 1


def test_two_carts_cannot_be_opened_at_once_for_one_requester(world):
    user = world["requester"]
    results = _race(
        lambda: services.cart_get_or_create(actor=user),
        lambda: services.cart_get_or_create(actor=user),
    )
    assert not any(isinstance(r, Exception) for r in results), results
    assert results[0].pk == results[1].pk


def test_two_requesters_submitting_at_once_cannot_both_overrun_the_budget(world, paper, centre, staff):
    from requisitions.models import Budget, Requisition

    Budget.objects.filter(pk=world["budget"].pk).update(amount="500")
    other = UserFactory(username="second-requester", role="requester")
    services.requester_assign(user=other, cost_centre=centre, actor=staff)
    for user in (world["requester"], other):
        services.cart_add(actor=user, price_line=paper, quantity="12")  # 300 each, 600 > 500
    needed_by = timezone.localdate() + timedelta(days=7)
    results = _race(
        lambda: services.requisition_submit(
            actor=world["requester"], needed_by=needed_by, delivery_address="A"
        ),
        lambda: services.requisition_submit(actor=other, needed_by=needed_by, delivery_address="B"),
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and getattr(errors[0], "code", None) == "budget_exceeded", results
    assert Requisition.objects.filter(state="submitted").count() == 1
