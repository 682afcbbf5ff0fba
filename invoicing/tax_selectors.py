"""Reads of the China tax steps, scoped like the invoices: a supplier user sees only its own
supplier's red-letter requests; the input VAT list is finance's (internal users)."""

from __future__ import annotations

from django.db.models import QuerySet

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
