"""Reads of the China tax steps, scoped like the invoices: a supplier user sees only its own
supplier's red-letter requests; the input VAT list is finance's (internal users)."""

from __future__ import annotations

from django.db.models import Count, QuerySet, Sum

from core.errors import PermissionDenied
from suppliers.selectors import supplier_id_for

from .models import UNCHECKED_STATES
from .tax_models import InputVatTransfer, InvoiceTax, RedLetterRequest
from .vat import NOT_CLAIMABLE

HIDDEN = [*NOT_CLAIMABLE, *UNCHECKED_STATES]


def red_letter_request_list(user) -> QuerySet[RedLetterRequest]:
    qs = RedLetterRequest.objects.select_related("original", "red_invoice", "supplier")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_internal:
        return qs
    supplier_id = supplier_id_for(user)
    return qs.filter(supplier_id=supplier_id) if supplier_id else qs.none()


def _require_internal(user) -> None:
    if not (user.is_authenticated and user.is_active and user.is_internal):
        from django.utils.translation import gettext

        raise PermissionDenied(gettext("Only the buyer's staff see the input VAT of invoices."))


def input_vat_transfer_list(user) -> QuerySet[InputVatTransfer]:
    """Input VAT transferred out, per tax period, for internal users only (whatever state the
    invoice has come to since: a fully reversed original stays listed)."""
    _require_internal(user)
    return InputVatTransfer.objects.select_related(
        "invoice", "invoice__supplier", "invoice__tax", "red_invoice", "created_by"
    ).order_by("-period", "invoice_id", "id")


def input_vat_list(user) -> QuerySet[InvoiceTax]:
    """Special VAT invoices with a deduction status (not red ones), for internal users only."""
    _require_internal(user)
    return (
        InvoiceTax.objects.select_related("invoice", "invoice__supplier")
        .filter(special_vat=True)
        .exclude(deduction="")
        .exclude(invoice__state__in=HIDDEN)
        .order_by("-invoice__issue_date", "-invoice_id")
    )


PAGE_ROWS = 500  # the input VAT page lists at most this many invoices and transfers


def input_vat_periods(user):
    """The latest 24 tax periods with deducted invoices: period, count and tax (finance's summary)."""
    return (
        input_vat_list(user)
        .filter(deduction="deducted")
        .values("deduction_period")
        .annotate(count=Count("pk"), tax=Sum("invoice__tax_amount"))
        .order_by("-deduction_period")[:24]
    )


def input_vat_page_rows(user, *, period: str = "", status: str = "", statuses=()):
    """What the input VAT page lists: the invoices (of one period and status when given) and the
    transfers out (of that period), each at most ``PAGE_ROWS``."""
    rows = input_vat_list(user)
    transfers = input_vat_transfer_list(user)
    if period:
        rows = rows.filter(deduction_period=period)
        transfers = transfers.filter(period=period)
    if status in statuses:
        rows = rows.filter(deduction=status)
    return list(rows[:PAGE_ROWS]), list(transfers[:PAGE_ROWS])


def input_vat_export_rows(user, period: str):
    """The deducted invoices and the transfers out of one tax period, in the export's order."""
    deducted = (
        input_vat_list(user)
        .filter(deduction="deducted", deduction_period=period)
        .order_by("invoice__issue_date", "invoice_id")
    )
    return deducted, input_vat_transfer_list(user).filter(period=period)
