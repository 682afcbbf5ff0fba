"""Approval of submitted requisitions: steps from the rules (as data), decided in order, never by
the requester; the budget is checked again at each approval."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from core.errors import Conflict, DomainError, PermissionDenied
from core.models import Role
from core.queue import enqueue_on_commit
from core.services import transition_locked

from .. import budget as budget_math
from .. import selectors
from ..models import (
    ApprovalStep,
    ApproverKind,
    Budget,
    Requisition,
    RequisitionApprovalRule,
    RequisitionState,
)
from ._common import auto_convert_username, budget_policy, lock, require_state


def _rules(requisition: Requisition, total: Decimal, *, over_budget: bool):
    qs = RequisitionApprovalRule.objects.filter(
        Q(legal_entity__isnull=True) | Q(legal_entity_id=requisition.legal_entity_id), min_amount__lte=total
    )
    return list(qs.filter(over_budget_only=over_budget).order_by("min_amount", "pk"))


def _step_for(requisition: Requisition, kind: str, min_amount=None) -> dict:
    """Who decides one step. The budget owner is a person; when the cost centre has none, or
    the requester is its budget owner, finance decides instead (never the requester)."""
    spec = {"kind": kind, "min_amount": min_amount or None, "approver_id": None, "role": ""}
    if kind == ApproverKind.BUDGET_OWNER:
        owner_id = requisition.cost_centre.budget_owner_id
        if owner_id and owner_id != requisition.requester_id:
            spec["approver_id"] = owner_id
        else:
            spec["role"] = Role.FINANCE
    else:
        spec["role"] = kind
    return spec


def _add_steps(requisition: Requisition, specs: list[dict], *, escalation: bool) -> None:
    existing = {(s.approver_id, s.role) for s in requisition.steps.all()}
    next_no = (requisition.steps.order_by("-step_no").values_list("step_no", flat=True).first() or 0) + 1
    for spec in specs:
        key = (spec["approver_id"], spec["role"])
        if key in existing:
            continue
        existing.add(key)
        ApprovalStep.objects.create(requisition=requisition, step_no=next_no, escalation=escalation, **spec)
        next_no += 1


def build_steps(requisition: Requisition, *, total: Decimal) -> None:
    """Fix the approval steps of a requisition being submitted (and its escalation, if over budget)."""
    specs = [
        _step_for(requisition, r.approver, r.min_amount)
        for r in _rules(requisition, total, over_budget=False)
    ]
    if not specs:
        specs = [_step_for(requisition, ApproverKind.BUDGET_OWNER)]
    _add_steps(requisition, specs, escalation=False)
    if requisition.over_budget:
        _escalate(requisition, total)


def _escalate(requisition: Requisition, total: Decimal) -> None:
    rules = _rules(requisition, total, over_budget=True)
    specs = [_step_for(requisition, r.approver, r.min_amount) for r in rules] or [
        _step_for(requisition, ApproverKind.FINANCE)
    ]
    _add_steps(requisition, specs, escalation=True)


def _current_step(requisition: Requisition) -> ApprovalStep | None:
    return (
        requisition.steps.select_for_update(of=("self",))
        .filter(approved_at__isnull=True)
        .order_by("step_no")
        .first()
    )


def _require_decider(requisition: Requisition, actor, what: str) -> ApprovalStep:
    if actor.pk == requisition.requester_id:
        raise PermissionDenied(
            _("You requested %(number)s; someone else must decide on it.") % {"number": requisition.number},
            code="own_requisition_approval",
        )
    step = _current_step(requisition)
    if step is None:  # pragma: no cover - a submitted requisition always has an open step
        raise Conflict(
            gettext("%(number)s has no approval waiting.") % {"number": requisition.number},
            code="nothing_to_approve",
        )
    step.requisition = requisition
    if not step.can_decide(actor):
        who = step.approver.get_username() if step.approver_id else step.get_role_display()
        raise PermissionDenied(
            gettext("Requisition %(number)s waits for approval by %(who)s (%(label)s).")
            % {"number": requisition.number, "who": who, "label": step.label},
            code="not_your_approval",
        )
    return step


def requisition_approve(*, requisition: Requisition, actor, reason: str = "") -> Requisition:
    """Approve the current step. The last step approves the requisition, after checking the
    budget again (refused, or escalated to an extra step, per REQUISITION_BUDGET_OVERRUN; an
    escalation approver accepts the overrun)."""
    from ..tasks import auto_convert

    with transaction.atomic():
        requisition = lock(requisition)
        if actor.pk == requisition.requester_id:
            raise PermissionDenied(
                _("You requested %(number)s; someone else must approve it.") % {"number": requisition.number},
                code="own_requisition_approval",
            )
        require_state(requisition, [RequisitionState.SUBMITTED], gettext("approve"))
        step = _require_decider(requisition, actor, gettext("approve"))
        if requisition.steps.filter(approved_by=actor).exists():
            raise Conflict(
                gettext(
                    "You have already approved a step of %(number)s; another person must approve this one."
                )
                % {"number": requisition.number},
                code="already_approved",
            )
        total = requisition.total
        if not step.escalation:
            _check_budget_on_approval(requisition, total)
        step.approved_by, step.approved_at = actor, timezone.now()
        step.save(update_fields=["approved_by", "approved_at"])
        remaining = requisition.steps.filter(approved_at__isnull=True).count()
        if remaining:
            return requisition
        transition_locked(requisition, "approve", actor=actor, reason=reason.strip())
        if auto_convert_username():
            enqueue_on_commit(auto_convert, requisition.pk)
        return requisition


def _check_budget_on_approval(requisition: Requisition, total: Decimal) -> None:
    if requisition.steps.filter(escalation=True).exists():
        return  # already escalated: the escalation step decides on the overrun
    budget = Budget.objects.select_for_update().filter(pk=requisition.budget_id).first()
    available = (
        selectors.budget_position(budget, exclude_requisition_id=requisition.pk).available_for_approval
        if budget is not None
        else Decimal("0.00")
    )
    verdict = budget_math.check(requested=total, available=available, policy=budget_policy())
    if verdict.action == budget_math.REFUSE:
        centre = requisition.cost_centre
        raise DomainError(
            gettext(
                "Approving %(number)s would overrun the budget of cost centre %(code)s: %(available)s %(currency)s left, %(requested)s needed (over by %(over_by)s)."
            )
            % {
                "number": requisition.number,
                "code": centre.code,
                "available": verdict.available,
                "currency": requisition.currency,
                "requested": verdict.requested,
                "over_by": verdict.over_by,
            },
            code="budget_exceeded" if budget is not None else "no_budget",
            details={
                "available": str(verdict.available),
                "requested": str(verdict.requested),
                "over_by": str(verdict.over_by),
            },
        )
    if verdict.action == budget_math.ESCALATE:
        Requisition.objects.filter(pk=requisition.pk).update(over_budget=True)
        requisition.over_budget = True
        _escalate(requisition, total)


def requisition_reject(*, requisition: Requisition, actor, reason: str) -> Requisition:
    if not (reason or "").strip():
        raise DomainError(gettext("A reason is required to reject a requisition."), code="reason_required")
    with transaction.atomic():
        requisition = lock(requisition)
        require_state(requisition, [RequisitionState.SUBMITTED], gettext("reject"))
        _require_decider(requisition, actor, gettext("reject"))
        transition_locked(requisition, "reject", actor=actor, reason=reason.strip())
        return requisition
