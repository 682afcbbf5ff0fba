"""Reads of invoices, scoped: supplier users see only their own supplier's invoices."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext

from core.errors import NotFound
from suppliers.selectors import supplier_id_for

from .models import Invoice, UploadRefusal


def invoice_list(user) -> QuerySet[Invoice]:
    qs = Invoice.objects.select_related("supplier", "legal_entity", "file")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_internal:
        return qs
    supplier_id = supplier_id_for(user)
    return qs.filter(supplier_id=supplier_id) if supplier_id else qs.none()


def invoice_get(user, invoice_id: int) -> Invoice:
    invoice = invoice_list(user).filter(pk=invoice_id).first()
    if invoice is None:
        raise NotFound(gettext("Invoice %(invoice_id)s not found.") % {"invoice_id": invoice_id})
    return invoice


def upload_refusal_list(user) -> QuerySet[UploadRefusal]:
    if not user.is_authenticated:
        return UploadRefusal.objects.none()
    if user.is_internal:
        return UploadRefusal.objects.all()
    supplier_id = supplier_id_for(user)
    return (
        UploadRefusal.objects.filter(supplier_id=supplier_id) if supplier_id else UploadRefusal.objects.none()
    )
