"""A supplier's statement of account (供应商往来对账): what we owe it and what we paid, as a
ledger. Scoped: a supplier user reads only its own supplier (another id is a 404 through
``suppliers.selectors.supplier_get``); internal users any supplier.

Rows, oldest first, with a running balance (positive: we owe the supplier):
- an invoice once approved for payment (approved, on a statement, paid): + its gross amount;
- a credit note once approved: − its amount;
- a finance deduction on a statement the supplier confirmed: − its amount;
- a payment: − its amount, with what it settled (the statement, its invoices; a part payment
  names the statement only; a payment run's payment of invoices without a statement names them)
  and the bank reference and account (masked);
- an early-payment discount taken with a payment: − its amount.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Case, DecimalField, F, OuterRef, Prefetch, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import formatting
from core.listing import csv_cell
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


PAYMENT_STATES = (
    ("paid", gettext_lazy("Paid")),
    ("partly_paid", gettext_lazy("Partly paid")),
    ("unpaid", gettext_lazy("Unpaid")),
)


def with_payment_facts(qs: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Invoices with their payment facts in the same query (for lists and the API): ``due_on``,
    ``payment_state`` (paid / partly_paid / unpaid; empty before approval), ``paid_amount`` (what
    its payment settled; for an invoice on a partly paid statement, what was paid of the
    statement) and ``paid_on``."""
    statement_paid = Subquery(
        StatementLine.objects.filter(invoice=OuterRef("pk"), is_live=True).values("statement__paid_amount")[
            :1
        ],
        output_field=DecimalField(max_digits=18, decimal_places=2),
    )
    zero = Value(Decimal("0.00"), output_field=DecimalField(max_digits=18, decimal_places=2))
    return qs.annotate(
        due_on=F("due__due_date"),
        paid_on=F("payment_link__payment__paid_on"),
        statement_paid=Coalesce(statement_paid, zero),
        direct_paid=F("payment_link__amount"),
    ).annotate(
        payment_state=Case(
            When(state=InvoiceState.PAID, then=Value("paid")),
            When(state=InvoiceState.SCHEDULED, statement_paid__gt=0, then=Value("partly_paid")),
            When(state__in=[InvoiceState.APPROVED, InvoiceState.SCHEDULED], then=Value("unpaid")),
            default=Value(""),
        ),
        paid_amount=Case(
            When(state=InvoiceState.PAID, then=Coalesce(F("direct_paid"), zero)),
            When(state=InvoiceState.SCHEDULED, then=F("statement_paid")),
            default=zero,
            output_field=DecimalField(max_digits=18, decimal_places=2),
        ),
    )


def invoice_payments_received(invoice: Invoice) -> QuerySet[Payment]:
    """The payments that paid ``invoice`` (its own), or, while it is on a partly paid statement,
    the part payments of that statement. The caller has scoped ``invoice`` to the reader."""
    paid = Payment.objects.filter(invoices__invoice=invoice)
    if paid.exists():
        return paid.order_by("paid_on", "id")
    live = StatementLine.objects.filter(invoice=invoice, is_live=True).values("statement_id")[:1]
    return Payment.objects.filter(statement_id__in=live).order_by("paid_on", "id")


def payment_state_label(invoice: Invoice) -> str:
    """An invoice of ``with_payment_facts`` as a list cell: paid on a day, partly paid (how much,
    as money), unpaid; nothing before approval."""
    state = getattr(invoice, "payment_state", "")
    if state == "paid":
        if invoice.paid_on:
            return _("paid on %(date)s") % {"date": formatting.day(invoice.paid_on)}
        return _("paid")
    if state == "partly_paid":
        return _("partly paid: %(amount)s") % {
            "amount": formatting.amount(invoice.paid_amount, invoice.currency)
        }
    if state == "unpaid":
        return _("unpaid")
    return ""


@dataclass
class Row:
    day: date
    kind: str  # invoice | credit_note | deduction | payment | discount
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
                "date": formatting.day(link.payment.paid_on),
                "ref": link.payment.bank_reference,
            }
        return _("paid")
    if invoice.state == InvoiceState.APPROVED:
        in_run = invoice.run_links.filter(is_live=True).select_related("line__run").first()
        if in_run is not None:
            return _("in payment run %(number)s") % {"number": in_run.line.run.number}
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
        return _("overdue since %(date)s") % {"date": formatting.day(due.due_date)}
    if due is not None:
        return _("due on %(date)s") % {"date": formatting.day(due.due_date)}
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
        if p.statement_id is None:
            status = _("payment of invoices without a statement")
            link = ("invoice-detail", p.invoices.all()[0].invoice_id) if p.invoices.all() else None
        else:
            status = (
                _("final payment of statement %(number)s")
                if p.is_final
                else _("part payment of statement %(number)s")
            ) % {"number": p.statement.number}
            link = ("statement-detail", p.statement_id)
        rows.append(
            Row(
                day=p.paid_on,
                kind="payment",
                reference=p.bank_reference,
                amount=-p.amount,
                currency=currency,
                status=status,
                detail=f"{p.bank_name} · {p.account_name} · ****{p.account_last4}",
                link=link,
                remittance=settled,
            )
        )
        if p.discount_amount:
            rows.append(
                Row(
                    day=p.paid_on,
                    kind="discount",
                    reference=p.bank_reference,
                    amount=-p.discount_amount,
                    currency=currency,
                    status=_("early-payment discount"),
                    link=link,
                )
            )
    order = {"invoice": 0, "credit_note": 1, "deduction": 2, "payment": 3, "discount": 4}
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
            (r.amount for r in shown if r.kind in ("credit_note", "deduction", "discount")), Decimal("0.00")
        ),
        "paid": -sum((r.amount for r in shown if r.kind == "payment"), Decimal("0.00")),
    }


def kind_label(kind: str) -> str:
    """A ledger row's kind in the reader's language."""
    return {
        "invoice": _("Invoice"),
        "credit_note": _("Credit note"),
        "deduction": _("Deduction"),
        "payment": _("Payment"),
        "discount": _("Early-payment discount"),
        "opening": _("Opening balance"),
    }.get(kind, kind)


def statement_of_account_csv(account: dict) -> str:
    """The statement of account as CSV: a header in the reader's language, machine-readable
    figures (ISO dates, plain decimals), every text cell formula-guarded."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            csv_cell(h)
            for h in (
                _("Date"),
                _("Kind"),
                _("Reference"),
                _("Due date"),
                _("Status"),
                _("Detail"),
                _("Amount"),
                _("Balance"),
                _("Currency"),
            )
        ]
    )
    writer.writerow(
        ["", csv_cell(kind_label("opening")), "", "", "", "", "", account["opening"], account["currency"]]
    )
    for r in account["rows"]:
        detail = r.detail + ("" if not r.remittance else " · " + ", ".join(r.remittance))
        writer.writerow(
            [
                csv_cell(v)
                for v in (
                    r.day.isoformat(),
                    kind_label(r.kind),
                    r.reference,
                    r.due_date.isoformat() if r.due_date else "",
                    r.status,
                    detail,
                    r.amount,
                    r.balance,
                    r.currency,
                )
            ]
        )
    return "\ufeff" + out.getvalue()
