"""Input VAT deduction (进项税抵扣) of special VAT invoices (增值税专用发票 / 数电专票).

Each special VAT invoice that is not red has a deduction status: pending selection (待勾选),
selected for deduction in a tax period ``YYYY-MM`` (已勾选), or not deducted with a reason
(不抵扣). Finance sets it, several invoices at once; each change is a row in the invoice's
history. :func:`deduction_csv_rows` gives one period's selection for the tax platform.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from core.errors import DomainError, PermissionDenied
from core.texts import register, text

from .models import InvoiceState
from .tax_checks import tax_event_log
from .tax_models import Deduction, InvoiceTax

register(
    {
        "tax.vat.deducted": gettext_noop(
            "Input VAT %(tax)s selected for deduction in tax period %(period)s."
        ),
        "tax.vat.not_deductible": gettext_noop("Input VAT %(tax)s not deducted: %(reason)s"),
        "tax.vat.pending": gettext_noop("Input VAT %(tax)s back to pending selection."),
    }
)

PERIOD_RE = re.compile(r"^(20[0-9]{2})-(0[1-9]|1[0-2])$")
MAX_BULK = 500
# invoices whose input VAT is not claimed: refused, cancelled or fully reversed
NOT_CLAIMABLE = [InvoiceState.REJECTED, InvoiceState.CANCELLED, InvoiceState.CREDITED]


def valid_period(period: str) -> str:
    period = (period or "").strip()
    if not PERIOD_RE.match(period):
        raise DomainError(
            gettext("The tax period must be a month written as YYYY-MM, e.g. 2026-05."), code="invalid_period"
        )
    return period


def vat_deduction_set(*, invoice_ids, actor, status: str, period: str = "", reason: str = "") -> int:
    """Set the deduction status of the given special VAT invoices; returns how many changed.
    All or nothing: an id that is not a deductible special VAT invoice refuses the whole set."""
    if not (actor.is_active and (actor.is_finance or actor.is_superuser)):
        raise PermissionDenied(gettext("Only finance may set the input VAT deduction status."))
    if status not in Deduction.values:
        raise DomainError(gettext("Choose a deduction status."), code="invalid_deduction_status")
    reason = (reason or "").strip()[:500]
    period = valid_period(period) if status == Deduction.DEDUCTED else ""
    if status == Deduction.NOT_DEDUCTIBLE and not reason:
        raise DomainError(gettext("Say why the input VAT is not deducted."), code="reason_required")
    try:
        ids = sorted({int(i) for i in invoice_ids})
    except (TypeError, ValueError):
        raise DomainError(gettext("Choose invoices from the list."), code="invalid_selection") from None
    if not ids:
        raise DomainError(gettext("Choose at least one invoice."), code="invalid_selection")
    if len(ids) > MAX_BULK:
        raise DomainError(
            gettext("At most %(count)s invoices can be changed at once.") % {"count": MAX_BULK},
            code="invalid_selection",
        )
    changed = 0
    with transaction.atomic():
        rows = list(
            InvoiceTax.objects.select_for_update(of=("self",))
            .select_related("invoice")
            .filter(invoice_id__in=ids, special_vat=True)
            .exclude(deduction="")
            .exclude(invoice__state__in=NOT_CLAIMABLE)
            .order_by("invoice_id")
        )
        if len(rows) != len(ids):
            raise DomainError(
                gettext(
                    "Only special VAT invoices that are not refused, cancelled or reversed have a deduction status."
                ),
                code="not_deductible_invoice",
            )
        if status == Deduction.DEDUCTED and any(r.verification == "failed" for r in rows):
            raise DomainError(
                gettext("An invoice that failed its authenticity check cannot be selected for deduction."),
                code="tax_check_failed",
            )
        now = timezone.now()
        for row in rows:
            if (row.deduction, row.deduction_period, row.deduction_reason) == (status, period, reason):
                continue
            row.deduction, row.deduction_period, row.deduction_reason = status, period, reason
            row.deduction_by, row.deduction_at = actor, now
            row.save()
            tax = str(row.invoice.tax_amount)
            words = {
                Deduction.DEDUCTED: text("tax.vat.deducted", tax=tax, period=period),
                Deduction.NOT_DEDUCTIBLE: text("tax.vat.not_deductible", tax=tax, reason=reason),
                Deduction.PENDING: text("tax.vat.pending", tax=tax),
            }[status]
            tax_event_log(row.invoice, "vat_deduction_set", actor=actor, reason=words)
            changed += 1
    return changed


CSV_HEADER = (
    "tax_period",
    "invoice_number",
    "invoice_code",
    "issue_date",
    "seller_tax_id",
    "seller_name",
    "amount_excl_tax",
    "tax_amount",
    "total_incl_tax",
    "invoice_kind",
    "authenticity_check",
)


def deduction_csv_rows(rows):
    """The rows of one period's export (``rows``: InvoiceTax with their invoice), every text cell
    formula-guarded."""
    from core.listing import csv_cell

    yield CSV_HEADER
    for row in rows:
        invoice = row.invoice
        yield (
            row.deduction_period,
            csv_cell(invoice.invoice_number),
            csv_cell(invoice.invoice_code),
            invoice.issue_date.isoformat() if invoice.issue_date else "",
            csv_cell(invoice.seller_tax_id),
            csv_cell(invoice.seller_name),
            f"{invoice.net_amount:.2f}",
            f"{invoice.tax_amount:.2f}",
            f"{invoice.gross_amount:.2f}",
            csv_cell(row.invoice_kind),
            row.verification,
        )
