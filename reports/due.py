"""Figures by due date (buyer-organisation staff only, like every report): aging of what is
approved and not yet paid, payments due per week (the cash forecast) and days payable
outstanding. One currency at a time (CNY unless asked); a fixed number of queries each.

What counts as open: an approved invoice not on a statement yet (``approved``) at its gross
amount, and a statement not yet paid and not cancelled at what is still open on it (its total
less partial payments). An invoice on a statement is counted with the statement, never twice.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.money import q2
from invoicing.models import Invoice, InvoiceState
from settlement.models import PaymentInvoice, Statement, StatementState

from .selectors import _check, months_back

AGE_BUCKETS = (
    (None, 0, _("not yet due")),
    (1, 30, _("1–30 days overdue")),
    (31, 60, _("31–60 days overdue")),
    (61, 90, _("61–90 days overdue")),
    (91, None, _("over 90 days overdue")),
)
OPEN_STATEMENT_STATES = [
    StatementState.DRAFT,
    StatementState.SENT,
    StatementState.CONFIRMED,
    StatementState.DISPUTED,
    StatementState.INVOICED,
    StatementState.APPROVED,
]


def _bucket(days_overdue: int) -> int:
    for n, (low, high, _label) in enumerate(AGE_BUCKETS):
        if (low is None or days_overdue >= low) and (high is None or days_overdue <= high):
            return n
    return len(AGE_BUCKETS) - 1


def open_invoices(currency: str):
    return (
        Invoice.objects.filter(state=InvoiceState.APPROVED, due__isnull=False)
        .exclude(document_type="credit_note")
        .filter(currency__in=[currency, ""])
        .values("pk", "invoice_number", "supplier__name", "gross_amount", "due__due_date")
    )


def open_statements(currency: str):
    return (
        Statement.objects.filter(state__in=OPEN_STATEMENT_STATES, currency=currency, due_date__isnull=False)
        .annotate(open=F("gross_total") - F("paid_amount"))
        .values("pk", "number", "supplier__name", "open", "due_date")
    )


def aging_by_due_date(user, *, currency: str = "CNY", today: date | None = None) -> dict:
    """Open invoices and statements by how long past their due date they are."""
    _check(user)
    today = today or timezone.localdate()
    rows = [
        {
            "label": str(label),
            "invoices": Decimal("0.00"),
            "invoice_count": 0,
            "statements": Decimal("0.00"),
            "statement_count": 0,
        }
        for *_, label in AGE_BUCKETS
    ]
    for inv in open_invoices(currency):
        row = rows[_bucket((today - inv["due__due_date"]).days)]
        row["invoices"] += inv["gross_amount"] or Decimal("0")
        row["invoice_count"] += 1
    for st in open_statements(currency):
        row = rows[_bucket((today - st["due_date"]).days)]
        row["statements"] += st["open"] or Decimal("0")
        row["statement_count"] += 1
    for row in rows:
        row["invoices"], row["statements"] = q2(row["invoices"]), q2(row["statements"])
    return {"rows": rows, "currency": currency, "today": today}


def payments_due_per_week(user, *, currency: str = "CNY", weeks: int = 12, today: date | None = None) -> dict:
    """What falls due per week (Monday to Sunday) from this week on; anything overdue is in
    this week's column (it is owed now)."""
    _check(user)
    today = today or timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    starts = [monday + timedelta(weeks=n) for n in range(weeks)]
    invoices = [Decimal("0.00")] * weeks
    statements = [Decimal("0.00")] * weeks

    def slot(day: date) -> int | None:
        n = max((day - monday).days // 7, 0)
        return n if n < weeks else None

    for inv in open_invoices(currency):
        n = slot(inv["due__due_date"])
        if n is not None:
            invoices[n] += inv["gross_amount"] or Decimal("0")
    for st in open_statements(currency):
        n = slot(st["due_date"])
        if n is not None:
            statements[n] += st["open"] or Decimal("0")
    rows = [
        {"week": start, "invoices": q2(i), "statements": q2(s), "total": q2(i + s)}
        for start, i, s in zip(starts, invoices, statements, strict=True)
    ]
    return {"rows": rows, "currency": currency}


def days_payable_outstanding(
    user, *, currency: str = "CNY", days: int = 90, months: int = 6, today: date | None = None
) -> dict:
    """DPO = what is open now ÷ the approved invoices issued in the last ``days`` days × days;
    and per month the amount-weighted days from invoice date to payment of what was paid."""
    _check(user)
    today = today or timezone.localdate()
    open_total = sum((i["gross_amount"] or Decimal("0") for i in open_invoices(currency)), Decimal("0"))
    open_total += sum((s["open"] or Decimal("0") for s in open_statements(currency)), Decimal("0"))
    since = today - timedelta(days=days)
    approved = sum(
        (
            g or Decimal("0")
            for g in Invoice.objects.filter(due__base_date__gte=since, currency__in=[currency, ""])
            .exclude(document_type="credit_note")
            .exclude(state__in=[InvoiceState.CANCELLED, InvoiceState.REJECTED])
            .values_list("gross_amount", flat=True)
        ),
        Decimal("0"),
    )
    dpo = q2(open_total / approved * days) if approved else None
    axis = months_back(today, months)
    per_month = {m: [Decimal("0"), Decimal("0"), 0] for m in axis}  # amount×days, amount, count
    paid = PaymentInvoice.objects.filter(
        payment__paid_on__gte=axis[0], payment__currency=currency, invoice__issue_date__isnull=False
    ).values_list("payment__paid_on", "invoice__issue_date", "amount")
    for paid_on, issued, amount in paid:
        month = paid_on.replace(day=1)
        if month in per_month and amount > 0:
            per_month[month][0] += amount * (paid_on - issued).days
            per_month[month][1] += amount
            per_month[month][2] += 1
    rows = [
        {
            "month": m.strftime("%Y-%m"),
            "days": q2(v[0] / v[1]) if v[1] else None,
            "paid": q2(v[1]),
            "count": v[2],
        }
        for m, v in per_month.items()
    ]
    return {
        "dpo": dpo,
        "open_total": q2(open_total),
        "approved": q2(approved),
        "window_days": days,
        "rows": rows,
        "currency": currency,
    }
