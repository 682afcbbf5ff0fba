"""Reads of suppliers, always scoped to what the user may see."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from core.errors import DomainError, NotFound

from .models import (
    BankAccount,
    BankAccountState,
    ChangeKind,
    ChangeState,
    QualificationDocument,
    Supplier,
    SupplierChange,
)


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
        raise NotFound(gettext("Supplier %(supplier_id)s not found.") % {"supplier_id": supplier_id})
    return supplier


def qualification_document_list(user, *, supplier_id: int | None = None) -> QuerySet[QualificationDocument]:
    suppliers = supplier_list(user)
    qs = QualificationDocument.objects.filter(supplier__in=suppliers).select_related("supplier")
    return qs.filter(supplier_id=supplier_id) if supplier_id is not None else qs


def qualification_document_get(user, document_id: int) -> QualificationDocument:
    document = qualification_document_list(user).filter(pk=document_id).first()
    if document is None:
        raise NotFound(gettext("Document %(document_id)s not found.") % {"document_id": document_id})
    return document


def documents_expiring(user, *, within_days: int = 30, today=None) -> QuerySet[QualificationDocument]:
    today = today or timezone.localdate()
    return (
        qualification_document_list(user)
        .filter(expires_on__isnull=False, expires_on__lte=today + timedelta(days=within_days))
        .order_by("expires_on")
    )


def bank_account_list(user, *, supplier_id: int | None = None) -> QuerySet[BankAccount]:
    qs = BankAccount.objects.filter(supplier__in=supplier_list(user)).select_related("supplier", "created_by")
    return qs.filter(supplier_id=supplier_id) if supplier_id is not None else qs


def bank_account_get(user, bank_account_id: int) -> BankAccount:
    account = bank_account_list(user).filter(pk=bank_account_id).first()
    if account is None:
        raise NotFound(
            gettext("Bank account %(bank_account_id)s not found.") % {"bank_account_id": bank_account_id}
        )
    return account


def bank_account_proof_visible(account: BankAccount, user) -> bool:
    """A bank account's supporting document: finance (who approves it) and the supplier's own users."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_finance or user.is_superuser:
        return True
    return user.is_supplier_user and supplier_list(user).filter(pk=account.supplier_id).exists()


def bank_accounts_awaiting_approval(user) -> QuerySet[BankAccount]:
    if not (user.is_authenticated and (user.is_finance or user.is_superuser)):
        return BankAccount.objects.none()
    return bank_account_list(user).filter(state=BankAccountState.PENDING).order_by("created_at")


def approved_bank_account_for_payment(supplier) -> BankAccount | None:
    """The one account settlement may pay to: finance-approved, never a pending, rejected or
    replaced one. System read (settlement runs it), so it takes the supplier, not a user."""
    supplier_id = getattr(supplier, "pk", supplier)
    return BankAccount.objects.filter(supplier_id=supplier_id, state=BankAccountState.APPROVED).first()


def bank_account_require_approved_for_payment(supplier) -> BankAccount:
    account = approved_bank_account_for_payment(supplier)
    if account is None:
        raise DomainError(
            gettext("The supplier has no finance-approved bank account; nothing can be paid to it."),
            code="bank_account_not_approved",
        )
    return account


def bank_account_check_payable(account: BankAccount) -> BankAccount:
    """Refuses a payment to a specific account unless it is the approved one."""
    fresh = BankAccount.objects.filter(pk=account.pk).first()
    if fresh is None or fresh.state != BankAccountState.APPROVED:
        raise DomainError(
            gettext("This bank account is not approved by finance; it cannot be used for payment."),
            code="bank_account_not_approved",
            details={"bank_account_id": account.pk, "state": getattr(fresh, "state", None)},
        )
    return fresh


def supplier_change_list(user, *, supplier_id: int | None = None) -> QuerySet[SupplierChange]:
    qs = SupplierChange.objects.filter(supplier__in=supplier_list(user)).select_related(
        "supplier", "requested_by", "decided_by", "bank_account"
    )
    return qs.filter(supplier_id=supplier_id) if supplier_id is not None else qs


def supplier_change_get(user, change_id: int) -> SupplierChange:
    change = supplier_change_list(user).filter(pk=change_id).first()
    if change is None:
        raise NotFound(gettext("Change %(change_id)s not found.") % {"change_id": change_id})
    return change


def supplier_changes_awaiting(user) -> QuerySet[SupplierChange]:
    """Company-data changes another person asked for that this internal user may decide."""
    if not (user.is_authenticated and user.is_internal):
        return SupplierChange.objects.none()
    return (
        supplier_change_list(user)
        .filter(kind=ChangeKind.COMPANY, state=ChangeState.PENDING)
        .exclude(requested_by=user)
        .order_by("requested_at")
    )
