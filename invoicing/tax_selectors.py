"""Reads of the China tax steps, scoped like the invoices: a supplier user sees only its own
supplier's red-letter requests; the input VAT list is finance's (internal users)."""

from __future__ import annotations

from django.db.models import QuerySet

from core.errors import PermissionDenied
from suppliers.selectors import supplier_id_for

from .models import UNCHECKED_STATES
from .tax_models import InvoiceTax, RedLetterRequest
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


def input_vat_list(user) -> QuerySet[InvoiceTax]:
    """Special VAT invoices with a deduction status (not red ones), for internal users only."""
    if not (user.is_authenticated and user.is_active and user.is_internal):
        from django.utils.translation import gettext

        raise PermissionDenied(gettext("Only the buyer's staff see the input VAT of invoices."))
    return (
        InvoiceTax.objects.select_related("invoice", "invoice__supplier")
        .filter(special_vat=True)
        .exclude(deduction="")
        .exclude(invoice__state__in=HIDDEN)
        .order_by("-invoice__issue_date", "-invoice_id")
    )
