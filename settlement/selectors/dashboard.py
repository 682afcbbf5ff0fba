"""The money figures of the home dashboards, each one aggregate query over the user's scoped
documents (a supplier user's sums cover only their own supplier's invoices and payments)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from invoicing.models import InvoiceState
from invoicing.selectors import invoice_list
from procurement.models import POState
from procurement.selectors import purchase_order_list

from .statements import payment_list, statement_list

PAID_WINDOW_DAYS = 30
# On its way to payment: checked and not refused, not yet paid or cancelled.
OPEN_INVOICE_STATES = (
    InvoiceState.VALIDATED,
    InvoiceState.MATCHED,
    InvoiceState.EXCEPTION,
    InvoiceState.APPROVED,
    InvoiceState.SCHEDULED,
)
OPEN_PO_STATES = (POState.APPROVED, POState.SENT, POState.ACKNOWLEDGED, POState.PARTIALLY_RECEIVED)


def _sums(qs, field: str) -> list[tuple[str, Decimal]]:
    """``(currency, total)`` per currency, largest first (one query)."""
    rows = qs.order_by().values("currency").annotate(total=Sum(field))
    return sorted(((r["currency"], r["total"] or Decimal("0")) for r in rows), key=lambda r: -r[1])


def invoices_open(user) -> list[tuple[str, Decimal]]:
    return _sums(invoice_list(user).filter(state__in=OPEN_INVOICE_STATES), "gross_amount")


def invoices_approved_unsettled(user) -> list[tuple[str, Decimal]]:
    return _sums(invoice_list(user).filter(state=InvoiceState.APPROVED), "gross_amount")


def statements_approved_to_pay(user) -> list[tuple[str, Decimal]]:
    return _sums(statement_list(user).filter(state="approved"), "gross_total")


def paid_recently(user, *, days: int = PAID_WINDOW_DAYS) -> list[tuple[str, Decimal]]:
    since = timezone.localdate() - timedelta(days=days)
    return _sums(payment_list(user).filter(paid_on__gte=since), "amount")


def open_purchase_orders(user) -> int:
    return purchase_order_list(user).filter(state__in=OPEN_PO_STATES).count()


def invoices_in_exception(user) -> int:
    return invoice_list(user).filter(state=InvoiceState.EXCEPTION).count()
