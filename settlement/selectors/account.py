"""A supplier's statement of account (供应商往来对账): what we owe it and what we paid, as a
ledger. Scoped: a supplier user reads only its own supplier (another id is a 404 through
``suppliers.selectors.supplier_get``); internal users any supplier.

Rows, oldest first, with a running balance (positive: we owe the supplier):
- an invoice once approved for payment (approved, on a statement, paid): + its gross amount;
- a credit note once approved: − its amount;
- a finance deduction on a statement the supplier confirmed: − its amount;
- a payment: − its amount, with what it settled (the statement, its invoices; a part payment
  names the statement only) and the bank reference and account (masked).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from core import formatting
from invoicing.models import Invoice, InvoiceState
from suppliers.models import Supplier

from ..models import Payment, PaymentInvoice, StatementLine, StatementLineKind, StatementState

LEDGER_INVOICE_STATES = [InvoiceState.APPROVED, InvoiceState.SCHEDULED, InvoiceState.PAID]
CONFIRMED_STATEMENT_STATES = [
    StatementState.CONFIRMED,
    StatementState.INVOICED,
    StatementState.APPROVED,
    StatementState.PAID,
]


@dataclass
class Row:
    day: date
    kind: str  # invoice | credit_note | deduction | payment
    reference: str
    amount: Decimal  # signed: + we owe, − paid or credited
    currency: str
    due_date: date | None = None
    status: str = ""
    detail: str = ""
    link: tuple[str, int] | None = None  # (url name, pk)
    balance: Decimal = Decimal("0.00")
    remittance: list[str] = field(default_factory=list)


def invoice_payment_status(invoice: Invoice, today: date | None = None) -> str:
    """How far an invoice is from being paid, in the reader's language."""
    today = today or timezone.localdate()
    due = _due(invoice)
    if invoice.state == InvoiceState.PAID:
        link = PaymentInvoice.objects.filter(invoice=invoice).select_related("payment").first()
        if link is not None:
            return _("paid on %(date)s (bank reference %(ref)s)") % {
                "date": link.payment.paid_on.isoformat(),
                "ref": link.payment.bank_reference,
            }
        return _("paid")
    if invoice.state == InvoiceState.SCHEDULED:
        line = StatementLine.objects.filter(invoice=invoice, is_live=True).select_related("statement").first()
        if line is not None and line.statement.paid_amount > 0:
            return _("partly paid with statement %(number)s") % {"number": line.statement.number}
        if line is not None:
            return _("in statement %(number)s") % {"number": line.statement.number}
    if invoice.state not in LEDGER_INVOICE_STATES:
        return _("not approved for payment yet")
    if due is not None and due.on_hold:
        return _("payment on hold")
    if due is not None and due.due_date < today:
        return _("overdue since %(date)s") % {"date": due.due_date.isoformat()}
    if due is not None:
        return _("due on %(date)s") % {"date": due.due_date.isoformat()}
    return _("approved for payment")


def _due(invoice: Invoice):
    try:
        return invoice.due
    except Invoice.due.RelatedObjectDoesNotExist:
        return None


def statement_of_account(
    supplier: Supplier, *, currency: str = "CNY", date_from: date | None = None, date_to: date | None = None
) -> dict:
    today = timezone.localdate()
    rows: list[Row] = []
    invoices = (
        Invoice.objects.filter(
            supplier=supplier, state__in=LEDGER_INVOICE_STATES, currency__in=[currency, ""]
        )
        .select_related("due", "due__payment_term")
        .order_by("issue_date", "id")
    )
    for inv in invoices:
        gross = abs(inv.gross_amount or Decimal("0"))
        due = _due(inv)
        rows.append(
            Row(
                day=inv.issue_date or inv.created_at.date(),
                kind="credit_note" if inv.is_credit_note else "invoice",
                reference=inv.invoice_number or f"#{inv.pk}",
                amount=-gross if inv.is_credit_note else gross,
                currency=currency,
                due_date=due.due_date if due else None,
                status=invoice_payment_status(inv, today),
                detail=due.payment_term.name if due and due.payment_term else "",
                link=("invoice-detail", inv.pk),
            )
        )
    deductions = StatementLine.objects.filter(
        statement__supplier=supplier,
        statement__currency=currency,
        statement__state__in=CONFIRMED_STATEMENT_STATES,
        kind=StatementLineKind.DEDUCTION,
        is_live=True,
    ).select_related("statement")
    for line in deductions:
        rows.append(
            Row(
                day=line.date or line.created_at.date(),
                kind="deduction",
                reference=line.statement.number,
                amount=line.gross,
                currency=currency,
                detail=line.description,
                link=("statement-detail", line.statement_id),
            )
        )
    payments = (
        Payment.objects.filter(supplier=supplier, currency=currency)
        .select_related("statement")
        .prefetch_related(Prefetch("invoices", queryset=PaymentInvoice.objects.select_related("invoice")))
        .order_by("paid_on", "id")
    )
    for p in payments:
        settled = [f"{pi.invoice} {formatting.amount(pi.amount, currency)}" for pi in p.invoices.all()]
        rows.append(
            Row(
                day=p.paid_on,
                kind="payment",
                reference=p.bank_reference,
                amount=-p.amount,
                currency=currency,
                status=_("final payment of statement %(number)s") % {"number": p.statement.number}
                if p.is_final
                else _("part payment of statement %(number)s") % {"number": p.statement.number},
                detail=f"{p.bank_name} · {p.account_name} · ****{p.account_last4}",
                link=("statement-detail", p.statement_id),
                remittance=settled,
            )
        )
    order = {"invoice": 0, "credit_note": 1, "deduction": 2, "payment": 3}
    rows.sort(key=lambda r: (r.day, order[r.kind]))
    opening = sum((r.amount for r in rows if date_from and r.day < date_from), Decimal("0.00"))
    shown = [r for r in rows if (not date_from or r.day >= date_from) and (not date_to or r.day <= date_to)]
    balance = opening
    for r in shown:
        balance += r.amount
        r.balance = balance
    return {
        "supplier": supplier,
        "currency": currency,
        "rows": shown,
        "opening": opening,
        "closing": balance,
        "date_from": date_from,
        "date_to": date_to,
        "invoiced": sum((r.amount for r in shown if r.kind == "invoice"), Decimal("0.00")),
        "credited": -sum(
            (r.amount for r in shown if r.kind in ("credit_note", "deduction")), Decimal("0.00")
        ),
        "paid": -sum((r.amount for r in shown if r.kind == "payment"), Decimal("0.00")),
    }
