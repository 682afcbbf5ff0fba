"""Input VAT deduction (进项税抵扣) of special VAT invoices (增值税专用发票 / 数电专票).

Each special VAT invoice that is not red has a deduction status: pending selection (待勾选),
selected for deduction in a tax period ``YYYY-MM`` (已勾选), or not deducted with a reason
(不抵扣). Finance sets it, several invoices at once; each change is a row in the invoice's
history. :func:`deduction_csv_rows` gives one period's selection for the tax platform.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from core import formatting
from core.errors import DomainError, IllegalTransition, NotFound, PermissionDenied
from core.money import q2
from core.texts import register, text

from .models import InvoiceState
from .tax_checks import tax_event_log
from .tax_models import SETTABLE_DEDUCTIONS, Deduction, InputVatTransfer, InvoiceTax, TransferReason

register(
    {
        "tax.vat.deducted": gettext_noop(
            "Input VAT %(tax)s selected for deduction in tax period %(period)s."
        ),
        "tax.vat.not_deductible": gettext_noop("Input VAT %(tax)s not deducted: %(reason)s"),
        "tax.vat.pending": gettext_noop("Input VAT %(tax)s back to pending selection."),
        "tax.vat.transferred_out": gettext_noop(
            "Input VAT %(amount)s of the %(tax)s deducted in %(deducted)s transferred out (进项税额转出) in tax "
            "period %(period)s: %(reason)s. %(note)s"
        ),
        "tax.vat.transferred_out_red": gettext_noop(
            "Input VAT %(amount)s of the %(tax)s deducted in %(deducted)s transferred out (进项税额转出) in tax "
            "period %(period)s: red-letter invoice %(red)s reverses it."
        ),
    }
)
register({f"tax.transfer_reason.{code}": label for code, label in TransferReason.choices})

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
    if status not in SETTABLE_DEDUCTIONS:
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
        moved = [
            r for r in rows if r.deduction == Deduction.TRANSFERRED_OUT or r.invoice.vat_transfers.exists()
        ]
        if moved:
            raise IllegalTransition(
                gettext(
                    "The input VAT of invoice %(invoice)s was transferred out; its deduction status no longer "
                    "changes."
                )
                % {"invoice": moved[0].invoice},
                code="vat_transferred_out",
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


def _money(value) -> str:
    return f"{q2(value or ZERO):,.2f}"


ZERO = Decimal("0.00")


def transferred_out(invoice_id: int) -> Decimal:
    return q2(InputVatTransfer.objects.filter(invoice_id=invoice_id).aggregate(s=Sum("amount"))["s"] or ZERO)


def _transfer(row: InvoiceTax, *, amount, period: str, reason: str, note: str, actor, red=None):
    """Record one transfer-out on a locked, deducted tax row (the caller checked the actor)."""
    invoice = row.invoice
    if row.deduction != Deduction.DEDUCTED:
        raise IllegalTransition(
            gettext(
                "Only input VAT selected for deduction (已勾选) can be transferred out; invoice %(invoice)s is: "
                "%(status)s."
            )
            % {"invoice": invoice, "status": row.get_deduction_display() if row.deduction else "—"},
            code="vat_not_deducted",
        )
    tax = q2(invoice.tax_amount or ZERO)
    left = tax - transferred_out(invoice.pk)
    amount = left if amount is None else q2(amount)
    if amount <= 0 or amount > left:
        raise DomainError(
            gettext(
                "Only %(left)s of the input VAT %(tax)s of invoice %(invoice)s is left to transfer out; "
                "%(amount)s is not possible."
            )
            % {
                "left": formatting.amount(left, invoice.currency),
                "tax": formatting.amount(tax, invoice.currency),
                "invoice": invoice,
                "amount": formatting.amount(amount, invoice.currency),
            },
            code="vat_transfer_exceeds",
        )
    transfer = InputVatTransfer.objects.create(
        invoice=invoice,
        period=period,
        amount=amount,
        reason=reason,
        note=note,
        red_invoice=red,
        created_by=actor,
    )
    if amount == left:
        row.deduction = Deduction.TRANSFERRED_OUT
        row.deduction_by, row.deduction_at = actor, timezone.now()
        row.save(update_fields=["deduction", "deduction_by", "deduction_at"])
    params = {
        "amount": _money(amount),
        "tax": _money(tax),
        "deducted": row.deduction_period,
        "period": period,
    }
    words = (
        text("tax.vat.transferred_out_red", red=red.invoice_number, **params)
        if red is not None
        else text(
            "tax.vat.transferred_out", reason=text(f"tax.transfer_reason.{reason}"), note=note, **params
        )
    )
    tax_event_log(invoice, "vat_transferred_out", actor=actor, reason=words)
    return transfer


def vat_transfer_out(
    *, invoice_id: int, actor, reason: str, period: str, note: str = "", amount: str = ""
) -> InputVatTransfer:
    """Finance transfers out the input VAT of a deducted special VAT invoice (进项税额转出) in a
    tax period: ``amount`` empty is all that is left of its tax, else that part. ``reason`` one
    of :class:`TransferReason` (``other`` needs a note)."""
    if not (actor.is_active and (actor.is_finance or actor.is_superuser)):
        raise PermissionDenied(gettext("Only finance may transfer input VAT out."))
    if reason not in TransferReason.values:
        raise DomainError(gettext("Choose why the input VAT is transferred out."), code="transfer_reason")
    note = (note or "").strip()[:500]
    if reason == TransferReason.OTHER and not note:
        raise DomainError(gettext("Say why the input VAT is transferred out."), code="reason_required")
    period = valid_period(period)
    value = None
    if str(amount or "").strip():
        from .red_letter import _amount

        value = _amount(amount, gettext("The amount"))
    with transaction.atomic():
        row = (
            InvoiceTax.objects.select_for_update(of=("self",))
            .select_related("invoice")
            .filter(invoice_id=invoice_id, special_vat=True)
            .first()
        )
        if row is None:
            raise NotFound(gettext("No special VAT invoice %(invoice_id)s.") % {"invoice_id": invoice_id})
        return _transfer(row, amount=value, period=period, reason=reason, note=note, actor=actor)


def vat_transfer_out_for_red(red) -> InputVatTransfer | None:
    """When a red-letter invoice is linked to an original whose input VAT was deducted: the red
    invoice's tax is transferred out in the red invoice's month (once per red invoice). An
    original not deducted (pending, not deducted) has nothing to transfer out."""
    original = red.corrects
    tax = abs(red.tax_amount or ZERO)
    if original is None or tax <= 0 or InputVatTransfer.objects.filter(red_invoice=red).exists():
        return None
    row = (
        InvoiceTax.objects.select_for_update(of=("self",))
        .select_related("invoice")
        .filter(invoice_id=original.pk, special_vat=True, deduction=Deduction.DEDUCTED)
        .first()
    )
    if row is None:
        return None
    left = q2(original.tax_amount or ZERO) - transferred_out(original.pk)
    day = red.issue_date or timezone.localdate()
    return (
        _transfer(
            row,
            amount=min(tax, left),
            period=f"{day:%Y-%m}",
            reason=TransferReason.RED_INVOICE,
            note="",
            actor=None,
            red=red,
        )
        if left > 0
        else None
    )


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


TRANSFER_CSV_HEADER = (
    "tax_period",
    "invoice_number",
    "invoice_code",
    "seller_tax_id",
    "seller_name",
    "deducted_in",
    "transferred_out",
    "reason",
    "note",
    "red_invoice_number",
)


def transfer_csv_rows(transfers):
    """The transfer-out section of one period's export (``transfers``: InputVatTransfer with their
    invoice and red invoice): after an empty row, its own header and rows; amounts positive."""
    from core.listing import csv_cell

    transfers = list(transfers)
    if not transfers:
        return
    yield ()
    yield TRANSFER_CSV_HEADER
    for t in transfers:
        invoice = t.invoice
        yield (
            t.period,
            csv_cell(invoice.invoice_number),
            csv_cell(invoice.invoice_code),
            csv_cell(invoice.seller_tax_id),
            csv_cell(invoice.seller_name),
            getattr(getattr(invoice, "tax", None), "deduction_period", ""),
            f"{t.amount:.2f}",
            t.reason,
            csv_cell(t.note),
            csv_cell(t.red_invoice.invoice_number) if t.red_invoice_id else "",
        )
