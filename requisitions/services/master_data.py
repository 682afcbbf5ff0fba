"""Cost centres, requesters and budgets (finance or staff; also editable in the Django admin)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext

from core import bounds
from core.errors import DomainError, PermissionDenied
from core.models import Role

from ..models import Budget, CostCentre, RequesterProfile
from ._common import to_price


def _require_finance_or_staff(actor, what: str) -> None:
    if not (actor and actor.is_active and (actor.is_finance or actor.is_staff or actor.is_superuser)):
        raise PermissionDenied(gettext("Only finance or staff may %(what)s.") % {"what": what})


def cost_centre_create(
    *, legal_entity, code: str, name: str, actor, budget_owner=None, delivery_address: str = ""
) -> CostCentre:
    _require_finance_or_staff(actor, gettext("create cost centres"))
    code = (code or "").strip()
    if not code or not (name or "").strip():
        raise DomainError(gettext("A cost centre needs a code and a name."), code="invalid_cost_centre")
    if budget_owner is not None and budget_owner.is_supplier_user:
        raise DomainError(gettext("A supplier user cannot own a budget."), code="invalid_budget_owner")
    with transaction.atomic():
        centre, _ = CostCentre.objects.get_or_create(
            code=code[:30],
            defaults={
                "legal_entity": legal_entity,
                "name": name.strip()[:200],
                "budget_owner": budget_owner,
                "delivery_address": delivery_address.strip()[:300],
            },
        )
        return centre


def requester_assign(*, user, cost_centre: CostCentre, actor, delivery_address: str = "") -> RequesterProfile:
    """Make ``user`` a requester of ``cost_centre`` (gives them the requester role unless they
    already have an internal one)."""
    _require_finance_or_staff(actor, gettext("assign requesters"))
    if user.is_supplier_user:
        raise DomainError(gettext("A supplier user cannot be a requester."), code="invalid_requester")
    with transaction.atomic():
        profile, _ = RequesterProfile.objects.update_or_create(
            user=user,
            defaults={"cost_centre": cost_centre, "delivery_address": delivery_address.strip()[:300]},
        )
        if not user.is_internal and user.role != Role.REQUESTER:
            user.role = Role.REQUESTER
            user.save(update_fields=["role"])
        return profile


def budget_set(*, cost_centre: CostCentre, starts_on: date, ends_on: date, amount, actor) -> Budget:
    """Create or change the budget of one period; periods of a cost centre never overlap."""
    _require_finance_or_staff(actor, gettext("set budgets"))
    amount = bounds.amount(to_price(amount, field="budget amount"), field="budget_amount")
    bounds.date_sane(starts_on, field="starts_on")
    bounds.date_sane(ends_on, field="ends_on")
    if ends_on < starts_on:
        raise DomainError(gettext("A budget period must end on or after its start."), code="invalid_period")
    with transaction.atomic():
        CostCentre.objects.select_for_update().get(pk=cost_centre.pk)
        overlap = (
            Budget.objects.filter(cost_centre=cost_centre, starts_on__lte=ends_on, ends_on__gte=starts_on)
            .exclude(starts_on=starts_on)
            .first()
        )
        if overlap is not None:
            raise DomainError(
                gettext("Cost centre %(code)s already has a budget for %(starts_on)s–%(ends_on)s.")
                % {
                    "code": cost_centre.code,
                    "starts_on": format(overlap.starts_on, "%Y-%m-%d"),
                    "ends_on": format(overlap.ends_on, "%Y-%m-%d"),
                },
                code="budget_period_overlap",
            )
        budget, _ = Budget.objects.update_or_create(
            cost_centre=cost_centre,
            starts_on=starts_on,
            defaults={
                "ends_on": ends_on,
                "amount": amount.quantize(amount.__class__("0.01")),
                "currency": cost_centre.legal_entity.default_currency or "CNY",
            },
        )
        return budget
