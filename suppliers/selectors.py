"""Reads of suppliers, always scoped to what the user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from core.errors import NotFound

from .models import Supplier


def supplier_id_for(user) -> int | None:
    """The supplier a supplier user belongs to (None for internal users / no membership)."""
    membership = getattr(user, "membership", None) if user.is_authenticated else None
    return membership.supplier_id if membership else None


def supplier_list(user) -> QuerySet[Supplier]:
    if not user.is_authenticated or not user.is_active:
        return Supplier.objects.none()
    if user.is_internal:
        return Supplier.objects.all()
    supplier_id = supplier_id_for(user)
    return Supplier.objects.filter(pk=supplier_id) if supplier_id else Supplier.objects.none()


def supplier_get(user, supplier_id: int) -> Supplier:
    supplier = supplier_list(user).filter(pk=supplier_id).first()
    if supplier is None:
        raise NotFound(f"Supplier {supplier_id} not found.")
    return supplier
