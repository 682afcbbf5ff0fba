"""Approval as data: steps from the rules (budget owner, amount thresholds), decided in order by
distinct people, never by the requester; each decision leaves a transition-log row."""

from decimal import Decimal as D

import pytest
from django.utils import translation

from core.errors import DomainError
from core.selectors import transition_log_for
from requisitions import selectors, services
from requisitions.models import ApprovalStep, CostCentre, RequisitionApprovalRule
from tests.factories import UserFactory


def _state(requisition):
    requisition.refresh_from_db()
    return requisition.state


def test_without_rules_the_budget_owner_approves(world, submit, paper, manager):
    requisition = submit(world["requester"], [(paper, 2)])
    assert selectors.requisitions_to_approve(manager) == [requisition]
    services.requisition_approve(requisition=requisition, actor=manager, reason="ok")
    assert _state(requisition) == "approved"
    log = transition_log_for(requisition).get(transition="approve")
    assert (log.source, log.target, log.actor, log.reason) == ("submitted", "approved", manager, "ok")


def test_amount_thresholds_add_steps_in_order(world, submit, paper, manager, finance, entity):
    RequisitionApprovalRule.objects.create(min_amount=0, approver="budget_owner")
    RequisitionApprovalRule.objects.create(legal_entity=entity, min_amount=1000, approver="finance")
    RequisitionApprovalRule.objects.create(min_amount=5000, approver="buyer")  # not reached
    small = submit(world["requester"], [(paper, 2)])  # 50.00
    assert list(small.steps.values_list("approver", "role")) == [(manager.pk, "")]
    services.requisition_approve(requisition=small, actor=manager)
    big = submit(world["requester"], [(paper, 40)])  # 1000.00
    assert list(big.steps.order_by("step_no").values_list("kind", "min_amount", "approver", "role")) == [
        ("budget_owner", None, manager.pk, ""),
        ("finance", D("1000"), None, "finance"),
    ]
    services.requisition_approve(requisition=big, actor=manager)
    assert _state(big) == "submitted" and selectors.requisitions_to_approve(finance) == [big]
    services.requisition_approve(requisition=big, actor=finance)
    assert _state(big) == "approved"
    assert transition_log_for(big).filter(transition="approve").count() == 1


def test_steps_are_decided_in_order(world, submit, paper, manager, finance):
    RequisitionApprovalRule.objects.create(min_amount=0, approver="budget_owner")
    RequisitionApprovalRule.objects.create(min_amount=0, approver="finance")
    requisition = submit(world["requester"], [(paper, 2)])
    with pytest.raises(DomainError) as exc:
        services.requisition_approve(requisition=requisition, actor=finance)
    assert exc.value.code == "not_your_approval" and exc.value.status == 403
    assert not ApprovalStep.objects.filter(approved_at__isnull=False).exists()


def test_a_requester_never_approves_their_own_requisition_even_as_budget_owner(
    world, submit, paper, manager, finance
):
    requisition = submit(manager, [(paper, 2)])
    step = requisition.steps.get()
    assert (step.kind, step.approver, step.role) == ("budget_owner", None, "finance")  # owner = requester
    with translation.override("en"):
        assert step.label == "Budget owner of the cost centre → Finance"
    with pytest.raises(DomainError) as exc:
        services.requisition_approve(requisition=requisition, actor=manager)
    assert exc.value.code == "own_requisition_approval" and exc.value.status == 403
    with pytest.raises(DomainError) as exc:
        services.requisition_reject(requisition=requisition, actor=manager, reason="no")
    assert exc.value.code == "own_requisition_approval"
    assert _state(requisition) == "submitted"
    assert step.__class__.objects.get(pk=step.pk).approved_at is None
    assert not transition_log_for(requisition).filter(transition__in=["approve", "reject"]).exists()
    services.requisition_approve(requisition=requisition, actor=finance)
    assert _state(requisition) == "approved"


def test_a_superuser_who_requested_cannot_approve_either(world, submit, paper, centre, staff):
    boss = UserFactory(username="boss", role="requester", is_superuser=True)
    services.requester_assign(user=boss, cost_centre=centre, actor=staff)
    CostCentre.objects.filter(pk=centre.pk).update(budget_owner=boss)
    requisition = submit(boss, [(paper, 1)])
    with pytest.raises(DomainError) as exc:
        services.requisition_approve(requisition=requisition, actor=boss)
    assert exc.value.code == "own_requisition_approval"


def test_one_person_cannot_fill_two_steps(world, submit, paper, manager, entity):
    RequisitionApprovalRule.objects.create(min_amount=0, approver="finance")
    RequisitionApprovalRule.objects.create(min_amount=10, approver="buyer")
    boss = UserFactory(username="cfo", role="finance", is_superuser=True)
    requisition = submit(world["requester"], [(paper, 2)])
    services.requisition_approve(requisition=requisition, actor=boss)
    with pytest.raises(DomainError) as exc:
        services.requisition_approve(requisition=requisition, actor=boss)
    assert exc.value.code == "already_approved"
    assert _state(requisition) == "submitted"


def test_someone_else_than_the_approver_is_refused(world, submit, paper, buyer, supplier_user_a):
    requisition = submit(world["requester"], [(paper, 2)])
    for actor in (buyer, supplier_user_a):
        with pytest.raises(DomainError) as exc:
            services.requisition_approve(requisition=requisition, actor=actor)
        assert exc.value.code == "not_your_approval"
    assert _state(requisition) == "submitted"


def test_rejecting_needs_a_reason_and_is_logged(world, submit, paper, manager):
    requisition = submit(world["requester"], [(paper, 2)])
    with pytest.raises(DomainError) as exc:
        services.requisition_reject(requisition=requisition, actor=manager, reason=" ")
    assert exc.value.code == "reason_required"
    services.requisition_reject(requisition=requisition, actor=manager, reason="买太多了")
    assert _state(requisition) == "rejected"
    log = transition_log_for(requisition).get(transition="reject")
    assert (log.actor, log.reason) == (manager, "买太多了")
    with pytest.raises(DomainError) as exc:
        services.requisition_approve(requisition=requisition, actor=manager)
    assert exc.value.status == 409


def test_approving_a_draft_is_an_illegal_transition(world, paper, manager):
    services.cart_add(actor=world["requester"], price_line=paper, quantity="1")
    cart = selectors.cart_get(world["requester"])
    with pytest.raises(DomainError) as exc:
        services.requisition_approve(requisition=cart, actor=manager)
    assert exc.value.code == "illegal_transition"


def test_the_requester_may_cancel_before_ordering_with_a_reason(world, submit, paper):
    user = world["requester"]
    requisition = submit(user, [(paper, 2)])
    with pytest.raises(DomainError) as exc:
        services.requisition_cancel(requisition=requisition, actor=user)
    assert exc.value.code == "reason_required"
    services.requisition_cancel(requisition=requisition, actor=user, reason="not needed any more")
    assert _state(requisition) == "cancelled"
    assert transition_log_for(requisition).filter(transition="cancel", actor=user).exists()


def test_approval_total_uses_net_amounts(world, submit, paper, pen):
    requisition = submit(world["requester"], [(paper, 3), (pen, 3)])
    assert requisition.total == D("85.50")
