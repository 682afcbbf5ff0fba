"""The voucher CSV export: approved invoices and payments of a period, one row per voucher line
(docs/integration.md, "Voucher export").

A purchase invoice is one voucher (记账凭证) of three lines: purchase (debit net), input VAT
(debit tax), accounts payable (credit gross); a credit note (红字) the same with negative
amounts. A payment is one voucher of two lines: accounts payable (debit) and bank (credit).
The accounts are ``settings.VOUCHER_ACCOUNTS`` (placeholders an ERP import maps, or the codes of
the chart of accounts). Invoices count in the period in which they were (last) approved and are
still approved, scheduled or paid; payments by the day they were paid. Headers in the
requester's language, amounts as plain decimals, every text cell formula-guarded.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext

from core.errors import DomainError
from core.listing import csv_cell, csv_value
from core.models import TransitionLog
from invoicing.models import Invoice
from settlement.models import Payment

MAX_DAYS = 366
APPROVED_STATES = ("approved", "scheduled", "paid")


@dataclass(frozen=True)
class Period:
    start: date
    end: date


def parse_period(start: str, end: str) -> Period:
    try:
        period = Period(date.fromisoformat(start), date.fromisoformat(end))
    except (TypeError, ValueError):
        raise DomainError(gettext("Enter both dates as YYYY-MM-DD."), code="period_invalid") from None
    if period.end < period.start:
        raise DomainError(gettext("The period ends before it starts."), code="period_reversed")
    if (period.end - period.start).days >= MAX_DAYS:
        raise DomainError(
            gettext("A voucher export covers at most %(days)s days.") % {"days": MAX_DAYS},
            code="period_too_long",
        )
    return period


def accounts() -> dict:
    return dict(settings.VOUCHER_ACCOUNTS)


def headers() -> list[str]:
    return [
        gettext("Voucher number"),
        gettext("Date"),
        gettext("Voucher type"),
        gettext("Line"),
        gettext("Summary"),
        gettext("Account"),
        gettext("Debit"),
        gettext("Credit"),
        gettext("Supplier"),
        gettext("Supplier tax ID"),
        gettext("Currency"),
        gettext("Net"),
        gettext("Tax"),
        gettext("Gross"),
        gettext("Document number"),
        gettext("Related documents"),
    ]


def _approvals(period: Period) -> dict[int, date]:
    """Invoice id → the day of its last approval, for approvals in the period."""
    start = timezone.make_aware(datetime.combine(period.start, time.min))
    end = timezone.make_aware(datetime.combine(period.end + timedelta(days=1), time.min))
    logs = TransitionLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Invoice),
        transition="approve",
        at__gte=start,
        at__lt=end,
    ).order_by("at")
    return {int(log.object_id): timezone.localdate(log.at) for log in logs}


def _d(value) -> Decimal:
    return value if value is not None else Decimal("0.00")


def rows(period: Period):
    """The voucher lines: lists of cells in the order of ``headers()``."""
    acc = accounts()
    approved = _approvals(period)
    invoices = Invoice.objects.filter(pk__in=list(approved), state__in=APPROVED_STATES).select_related(
        "supplier"
    )
    for invoice in sorted(invoices, key=lambda i: (approved[i.pk], i.pk)):
        net, tax, gross = _d(invoice.net_amount), _d(invoice.tax_amount), _d(invoice.gross_amount)
        credit_note = invoice.document_type == "credit_note"
        kind = gettext("Purchase credit note") if credit_note else gettext("Purchase invoice")
        summary = gettext("%(kind)s %(number)s, %(supplier)s") % {
            "kind": kind,
            "number": invoice.invoice_number,
            "supplier": invoice.supplier.name,
        }
        related = invoice.corrects_number or " ".join(str(r) for r in invoice.po_references or [])
        common = [invoice.supplier.name, invoice.supplier.tax_id, invoice.currency, net, tax, gross]
        lines = [(acc["purchase"], net, None), (acc["input_vat"], tax, None), (acc["payable"], None, gross)]
        for n, (account, debit, credit) in enumerate(lines, start=1):
            yield [
                f"INV-{invoice.pk}",
                approved[invoice.pk],
                kind,
                n,
                summary,
                account,
                debit,
                credit,
                *common,
                invoice.invoice_number,
                related,
            ]
    payments = (
        Payment.objects.filter(paid_on__gte=period.start, paid_on__lte=period.end)
        .select_related("supplier", "statement")
        .prefetch_related("invoices__invoice")
        .order_by("paid_on", "pk")
    )
    for payment in payments:
        links = list(payment.invoices.all())
        net = sum((_d(link.invoice.net_amount) for link in links), Decimal("0.00"))
        tax = sum((_d(link.invoice.tax_amount) for link in links), Decimal("0.00"))
        kind = gettext("Payment")
        related = " ".join(link.invoice.invoice_number for link in sorted(links, key=lambda x: x.invoice_id))
        # a payment run pays invoices without a statement too: they name the payment then
        number = payment.statement.number if payment.statement_id else related
        summary = (
            gettext("Payment of statement %(number)s, %(supplier)s, bank reference %(reference)s")
            if payment.statement_id
            else gettext("Payment of invoices %(number)s, %(supplier)s, bank reference %(reference)s")
        ) % {
            "number": number,
            "supplier": payment.supplier.name,
            "reference": payment.bank_reference,
        }
        common = [payment.supplier.name, payment.supplier.tax_id, payment.currency, net, tax, payment.amount]
        lines = [(acc["payable"], payment.amount, None), (acc["bank"], None, payment.amount)]
        for n, (account, debit, credit) in enumerate(lines, start=1):
            yield [
                f"PAY-{payment.pk}",
                payment.paid_on,
                kind,
                n,
                summary,
                account,
                debit,
                credit,
                *common,
                number,
                related,
            ]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | int):
        return str(csv_value(Decimal(value))) if isinstance(value, Decimal) else str(value)
    return csv_cell(value)


def csv_text(period: Period) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(h) for h in headers()])
    for row in rows(period):
        writer.writerow([_cell(v) for v in row])
    return "\ufeff" + out.getvalue()


def csv_response(period: Period) -> HttpResponse:
    response = HttpResponse(csv_text(period), content_type="text/csv; charset=utf-8")
    name = f"vouchers-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
