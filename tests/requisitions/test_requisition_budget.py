"""Budgets per cost centre and period: submitting or approving beyond the budget is refused or
escalated (REQUISITION_BUDGET_OVERRUN); pending, committed and spent amounts are visible."""

from datetime import timedelta
from decimal import Decimal as D

import pytest

from core.errors import DomainError
from core.models import TransitionLog
from core.selectors import transition_log_for
from procurement.services import (
    goods_receipt_create,
    purchase_order_acknowledge,
    purchase_order_approve,
    purchase_order_send,
    purchase_order_submit,
)
from requisitions import selectors, services
from requisitions.models import ApprovalStep, Budget, Requisition, RequisitionApprovalRule, RequisitionLine
from tests.factories import UserFactory


def _snapshot():
    return (
        list(Requisition.objects.order_by("pk").values_list("pk", "state", "budget", "over_budget")),
        list(RequisitionLine.objects.order_by("pk").values_list("pk", "quantity", "unit_price")),
        list(ApprovalStep.objects.order_by("pk").values_list("pk", "approved_by")),
        TransitionLog.objects.count(),
    )


@pytest.fixture
def small_budget(budget):
    Budget.objects.filter(pk=budget.pk).update(amount="500")
    budget.refresh_from_db()
    return budget


def test_submitting_beyond_the_budget_is_refused_and_changes_nothing(world, paper, small_budget, today):
    user = world["requester"]
    services.cart_add(actor=user, price_line=paper, quantity="21")  # 525.00 > 500
    before = _snapshot()
    with pytest.raises(DomainError) as exc:
        services.requisition_submit(actor=user, needed_by=today + timedelta(days=5))
    assert exc.value.code == "budget_exceeded"
    assert exc.value.details == {"available": "500.00", "requested": "525.00", "over_by": "25.00"}
    assert _snapshot() == before


def test_pending_requisitions_reserve_the_budget_for_new_submissions(
    world, submit, paper, small_budget, today
):
    user = world["requester"]
    submit(user, [(paper, 12)])  # 300 pending
    services.cart_add(actor=user, price_line=paper, quantity="9")  # 225 > 200 left
    with pytest.raises(DomainError) as exc:
        services.requisition_submit(actor=user, needed_by=today + timedelta(days=5))
    assert exc.value.code == "budget_exceeded"
    assert selectors.budget_position(small_budget).pending == D("300.00")


def test_approving_beyond_the_budget_is_refused_and_changes_nothing(
    world, submit, paper, manager, small_budget
):
    user = world["requester"]
    first = submit(user, [(paper, 12)])  # 300
    Budget.objects.filter(pk=small_budget.pk).update(amount="800")
    second = submit(user, [(paper, 12)])  # 300 more; 800 - 300 pending = 500 left: fits
    services.requisition_approve(requisition=first, actor=manager)  # 300 committed
    Budget.objects.filter(pk=small_budget.pk).update(amount="500")  # finance cuts the budget
    before = _snapshot()
    with pytest.raises(DomainError) as exc:
        services.requisition_approve(requisition=second, actor=manager)
    assert exc.value.code == "budget_exceeded"
    assert _snapshot() == before
    second.refresh_from_db()
    assert second.state == "submitted"


def test_a_cost_centre_without_a_budget_for_the_period_is_refused(world, paper, budget, today):
    Budget.objects.filter(pk=budget.pk).update(
        starts_on=today + timedelta(days=400), ends_on=today + timedelta(days=500)
    )
    services.cart_add(actor=world["requester"], price_line=paper, quantity="1")
    with pytest.raises(DomainError) as exc:
        services.requisition_submit(actor=world["requester"], needed_by=today + timedelta(days=5))
    assert exc.value.code == "no_budget"


def test_escalate_policy_submits_over_budget_with_an_extra_finance_approval(
    world, paper, small_budget, today, manager, finance, settings
):
    settings.REQUISITION_BUDGET_OVERRUN = "escalate"
    user = world["requester"]
    services.cart_add(actor=user, price_line=paper, quantity="30")  # 750 > 500
    requisition = services.requisition_submit(actor=user, needed_by=today + timedelta(days=5))
    assert requisition.over_budget
    steps = list(requisition.steps.order_by("step_no").values_list("approver", "role", "escalation"))
    assert steps == [(manager.pk, "", False), (None, "finance", True)]
    assert "over budget by 250.00" in transition_log_for(requisition).get(transition="submit").reason
    services.requisition_approve(requisition=requisition, actor=manager)
    requisition.refresh_from_db()
    assert requisition.state == "submitted"
    services.requisition_approve(requisition=requisition, actor=finance, reason="year-end exception")
    requisition.refresh_from_db()
    assert requisition.state == "approved"


def test_escalation_approvers_come_from_over_budget_rules(world, paper, small_budget, today, buyer, settings):
    settings.REQUISITION_BUDGET_OVERRUN = "escalate"
    RequisitionApprovalRule.objects.create(min_amount=0, approver="buyer", over_budget_only=True)
    services.cart_add(actor=world["requester"], price_line=paper, quantity="30")
    requisition = services.requisition_submit(actor=world["requester"], needed_by=today + timedelta(days=5))
    assert list(requisition.steps.filter(escalation=True).values_list("role", flat=True)) == ["buyer"]


def test_escalate_policy_on_approval_adds_the_escalation_step(
    world, submit, paper, manager, finance, small_budget, settings
):
    settings.REQUISITION_BUDGET_OVERRUN = "escalate"
    user = world["requester"]
    requisition = submit(user, [(paper, 12)])  # 300: fits
    Budget.objects.filter(pk=small_budget.pk).update(amount="100")
    services.requisition_approve(requisition=requisition, actor=manager)
    requisition.refresh_from_db()
    assert requisition.state == "submitted" and requisition.over_budget
    assert requisition.steps.filter(escalation=True, role="finance", approved_at__isnull=True).exists()
    services.requisition_approve(requisition=requisition, actor=finance)
    requisition.refresh_from_db()
    assert requisition.state == "approved"


def test_committed_and_spent_follow_the_order_and_the_receipts(
    world, approved, paper, pen, buyer, supplier_user_a
):
    requisition = approved(world["requester"], [(paper, 10), (pen, 10)])  # 250 + 35
    position = selectors.budget_position(world["budget"])
    assert (position.pending, position.committed, position.spent) == (D("0.00"), D("285.00"), D("0.00"))

    [po] = services.requisitions_convert(actor=buyer, requisition_ids=[requisition.pk])
    approver = UserFactory(username="po-approver", role="buyer")
    purchase_order_submit(po=po, actor=buyer)
    purchase_order_approve(po=po, actor=approver)
    purchase_order_send(po=po, actor=buyer)
    lines = list(po.lines.order_by("line_no"))
    purchase_order_acknowledge(
        po=po, actor=supplier_user_a, promised_dates={line.pk: line.required_date for line in lines}
    )
    goods_receipt_create(po=po, actor=buyer, lines=[{"po_line_id": lines[0].pk, "accepted_qty": "4"}])
    position = selectors.budget_position(world["budget"])
    assert (position.committed, position.spent) == (D("185.00"), D("100.00"))
    assert position.available == D("9715.00")
    overview = selectors.budget_overview(world["requester"])
    assert [(row.budget, row.position.spent) for row in overview] == [(world["budget"], D("100.00"))]


def test_budgets_are_visible_to_their_cost_centre_and_internal_users_only(
    world, budget, buyer, supplier_user_a, staff
):
    from requisitions.services import cost_centre_create

    other = cost_centre_create(
        legal_entity=budget.cost_centre.legal_entity, code="CC-HR", name="HR", actor=staff
    )
    stranger = UserFactory(username="hr-person", role="requester")
    services.requester_assign(user=stranger, cost_centre=other, actor=staff)
    assert list(selectors.budget_list(world["requester"])) == [budget]
    assert list(selectors.budget_list(stranger)) == []
    assert list(selectors.budget_list(buyer)) == [budget]
    assert list(selectors.budget_list(supplier_user_a)) == []


def test_budget_periods_of_a_cost_centre_never_overlap(budget, staff, today):
    with pytest.raises(DomainError) as exc:
        services.budget_set(
            cost_centre=budget.cost_centre,
            starts_on=budget.ends_on - timedelta(days=1),
            ends_on=budget.ends_on + timedelta(days=30),
            amount="1",
            actor=staff,
        )
    assert exc.value.code == "budget_period_overlap"
