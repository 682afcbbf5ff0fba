"""Reads of payment runs (finance only: a run spans suppliers; anyone else gets a 404) and of
a supplier's account (its invoices, credit notes, payments and balance)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext

from core.errors import NotFound

from ..models import PaymentRun


def _finance(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and (user.is_finance or user.is_superuser))


def payment_run_list(user) -> QuerySet[PaymentRun]:
    qs = PaymentRun.objects.select_related("legal_entity", "proposed_by")
    return qs if _finance(user) else qs.none()


def payment_run_get(user, run_id: int) -> PaymentRun:
    run = payment_run_list(user).filter(pk=run_id).first()
    if run is None:
        raise NotFound(gettext("Payment run %(run_id)s not found.") % {"run_id": run_id})
    return run
