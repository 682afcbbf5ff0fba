"""Writes of suppliers. Each service runs atomically and leaves a transition log row."""

from __future__ import annotations

from django.db import transaction

from core.errors import DomainError, PermissionDenied
from core.services import run_transition

from .models import Supplier, SupplierMembership
from .taxid import normalise_tax_id, tax_id_error

SUPPLIER_TRANSITIONS = ("submit", "approve", "reject", "suspend", "reinstate", "block")
REASON_REQUIRED = {"reject", "suspend", "block"}


def supplier_create(*, name: str, tax_id: str, actor, address: str = "", contact_email: str = "") -> Supplier:
    tax_id = normalise_tax_id(tax_id)
    error = tax_id_error(tax_id)
    if error:
        raise DomainError(error, code="invalid_tax_id")
    if not name.strip():
        raise DomainError("The supplier name is required.", code="name_required")
    if Supplier.objects.filter(tax_id=tax_id).exists():
        raise DomainError(f"A supplier with tax id {tax_id} already exists.", code="duplicate_tax_id")
    return Supplier.objects.create(
        name=name.strip(), tax_id=tax_id, address=address, contact_email=contact_email
    )


def supplier_transition(*, supplier: Supplier, name: str, actor, reason: str = "") -> Supplier:
    if name not in SUPPLIER_TRANSITIONS:
        raise DomainError(f"Unknown supplier action {name!r}.", code="unknown_action")
    if name in REASON_REQUIRED and not reason.strip():
        raise DomainError(f"A reason is required to {name} a supplier.", code="reason_required")
    if name == "submit" and not actor.is_internal:
        membership = getattr(actor, "membership", None)
        if membership is None or membership.supplier_id != supplier.pk:
            raise PermissionDenied("Only the supplier's own users or a buyer may submit it.")
    return run_transition(supplier, name, actor=actor, reason=reason.strip())


def supplier_membership_add(*, supplier: Supplier, user, actor) -> SupplierMembership:
    with transaction.atomic():
        if SupplierMembership.objects.filter(user=user).exists():
            raise DomainError(f"{user} already belongs to a supplier.", code="already_member")
        return SupplierMembership.objects.create(supplier=supplier, user=user)
