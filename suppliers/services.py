"""Writes of suppliers. Each service runs atomically and leaves a transition log row."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core import bounds
from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from core.models import Role, User
from core.services import run_transition
from core.signals import document_expiring
from core.validators import validate_username

from . import crypto
from .models import (
    MANDATORY_DOCUMENT_TYPES,
    BankAccount,
    BankAccountState,
    DocumentType,
    QualificationDocument,
    Supplier,
    SupplierInvitation,
    SupplierMembership,
    SupplierState,
)
from .taxid import normalise_tax_id, tax_id_error
from .uploads import ALLOWED_DESCRIPTION, MAX_DOCUMENT_BYTES, sniff_document

INVITATION_VALID_FOR = timedelta(days=7)
EDITABLE_STATES = {SupplierState.DRAFT}

SUPPLIER_TRANSITIONS = ("submit", "approve", "reject", "suspend", "reinstate", "block")
REASON_REQUIRED = {"reject", "suspend", "block"}


def _checked_tax_id(tax_id: str, *, exclude_pk: int | None = None) -> str:
    tax_id = normalise_tax_id(tax_id)
    error = tax_id_error(tax_id)
    if error:
        raise DomainError(error, code="invalid_tax_id")
    if Supplier.objects.filter(tax_id=tax_id).exclude(pk=exclude_pk).exists():
        raise DomainError(f"A supplier with tax id {tax_id} already exists.", code="duplicate_tax_id")
    return tax_id


def _checked_email(email: str, *, required: bool = False) -> str:
    email = (email or "").strip()
    if not email and not required:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError(f"{email!r} is not a valid e-mail address.", code="invalid_email") from None
    return email


def supplier_create(
    *,
    name: str,
    tax_id: str,
    actor,
    address: str = "",
    contact_email: str = "",
    contact_name: str = "",
    contact_phone: str = "",
) -> Supplier:
    tax_id = _checked_tax_id(tax_id)
    if not name.strip():
        raise DomainError("The supplier name is required.", code="name_required")
    return Supplier.objects.create(
        name=name.strip(),
        tax_id=tax_id,
        address=address.strip(),
        contact_email=_checked_email(contact_email),
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
    )


def _require_own_or_internal(supplier: Supplier, actor) -> None:
    if actor.is_internal:
        return
    membership = getattr(actor, "membership", None)
    if membership is None or membership.supplier_id != supplier.pk:
        raise PermissionDenied("Only the supplier's own users or a buyer may change it.")


def supplier_update(
    *,
    supplier: Supplier,
    actor,
    name: str,
    tax_id: str,
    address: str = "",
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
) -> Supplier:
    """Company data may change while the supplier is a draft (before submission or after a
    rejection); afterwards only a buyer may correct it."""
    if not (actor.is_buyer or actor.is_superuser):
        _require_own_or_internal(supplier, actor)
    with transaction.atomic():
        supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
        if supplier.state not in EDITABLE_STATES and not (actor.is_buyer or actor.is_superuser):
            raise Conflict(
                "Company data can only be changed before the supplier is submitted.",
                code="supplier_not_editable",
            )
        if not name.strip():
            raise DomainError("The supplier name is required.", code="name_required")
        supplier.tax_id = _checked_tax_id(tax_id, exclude_pk=supplier.pk)
        supplier.name = name.strip()
        supplier.address = address.strip()
        supplier.contact_name = contact_name.strip()
        supplier.contact_email = _checked_email(contact_email)
        supplier.contact_phone = contact_phone.strip()
        supplier.save()
    return supplier


def supplier_require_approved(supplier: Supplier) -> None:
    """Only approved suppliers may be invited to RFQs, receive POs or upload invoices."""
    state = Supplier.objects.filter(pk=supplier.pk).values_list("state", flat=True).first()
    if state != SupplierState.APPROVED:
        raise DomainError(
            f"Supplier {supplier.name} is not approved (it is {state or 'unknown'}).",
            code="supplier_not_approved",
            details={"supplier_id": supplier.pk, "state": state},
        )


def supplier_transition(*, supplier: Supplier, name: str, actor, reason: str = "") -> Supplier:
    if name not in SUPPLIER_TRANSITIONS:
        raise DomainError(f"Unknown supplier action {name!r}.", code="unknown_action")
    if name in REASON_REQUIRED and not reason.strip():
        raise DomainError(f"A reason is required to {name} a supplier.", code="reason_required")
    if name == "submit":
        if not actor.is_internal:
            membership = getattr(actor, "membership", None)
            if membership is None or membership.supplier_id != supplier.pk:
                raise PermissionDenied("Only the supplier's own users or a buyer may submit it.")
        if supplier.state == SupplierState.DRAFT:
            missing = missing_mandatory_documents(supplier)
            if missing:
                raise DomainError(
                    "Upload a valid " + ", ".join(str(DocumentType(t).label) for t in missing) + " first.",
                    code="mandatory_documents_missing",
                    details={"missing": missing},
                )
    return run_transition(supplier, name, actor=actor, reason=reason.strip())


def missing_mandatory_documents(supplier: Supplier, *, on=None) -> list[str]:
    day = on or timezone.localdate()
    held = {
        d.doc_type
        for d in QualificationDocument.objects.filter(
            supplier=supplier, doc_type__in=MANDATORY_DOCUMENT_TYPES
        )
        if d.is_valid_on(day)
    }
    return sorted(t for t in MANDATORY_DOCUMENT_TYPES if t not in held)


def supplier_membership_add(*, supplier: Supplier, user, actor) -> SupplierMembership:
    with transaction.atomic():
        if SupplierMembership.objects.filter(user=user).exists():
            raise DomainError(f"{user} already belongs to a supplier.", code="already_member")
        return SupplierMembership.objects.create(supplier=supplier, user=user)


# --- invitations -------------------------------------------------------------------------


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def supplier_invite(*, email: str, actor, accept_url_template: str = "/suppliers/invitations/{token}/"):
    """A buyer invites a new supplier: a single-use link, valid for INVITATION_VALID_FOR, by e-mail.
    Returns (invitation, raw token); only the token's hash is stored."""
    if not (actor.is_buyer or actor.is_superuser):
        raise PermissionDenied("Only buyers invite suppliers.")
    email = _checked_email(email, required=True)
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = SupplierInvitation.objects.create(
            email=email,
            token_hash=_hash(raw),
            created_by=actor,
            expires_at=timezone.now() + INVITATION_VALID_FOR,
        )
        link = accept_url_template.format(token=raw)
        transaction.on_commit(
            lambda: send_mail(
                "Invitation to the supplier portal / 供应商门户邀请",
                f"You are invited to register your company as a supplier.\n"
                f"Open this link within {INVITATION_VALID_FOR.days} days (it works once):\n{link}\n",
                settings.DEFAULT_FROM_EMAIL,
                [email],
            )
        )
    return invitation, raw


def invitation_check(raw_token: str, *, lock: bool = False) -> SupplierInvitation:
    """The invitation a token opens, or a specific error: unknown, used or expired."""
    qs = SupplierInvitation.objects.select_for_update() if lock else SupplierInvitation.objects
    invitation = qs.filter(token_hash=_hash(raw_token or "")).first()
    if invitation is None:
        raise NotFound("This invitation link is not valid.", code="invitation_invalid")
    if invitation.used_at is not None:
        raise Conflict("This invitation link has already been used.", code="invitation_used")
    if invitation.is_expired:
        raise DomainError(
            "This invitation link has expired; ask the buyer for a new one.", code="invitation_expired"
        )
    return invitation


def supplier_invitation_accept(
    *,
    token: str,
    username: str,
    password: str,
    name: str,
    tax_id: str,
    address: str = "",
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
) -> tuple[User, Supplier]:
    """The invited supplier's user registers and enters the company data (a draft supplier)."""
    with transaction.atomic():
        invitation = invitation_check(token, lock=True)
        username = validate_username(username)
        if User.objects.filter(username__iexact=username).exists():
            raise DomainError(f"The user name {username!r} is taken.", code="username_taken")
        user = User(username=username, email=invitation.email, role=Role.SUPPLIER)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages), code="weak_password") from None
        supplier = supplier_create(
            name=name,
            tax_id=tax_id,
            actor=None,
            address=address,
            contact_name=contact_name,
            contact_email=contact_email or invitation.email,
            contact_phone=contact_phone,
        )
        user.set_password(password)
        user.save()
        SupplierMembership.objects.create(user=user, supplier=supplier)
        invitation.used_at = timezone.now()
        invitation.used_by = user
        invitation.supplier = supplier
        invitation.save(update_fields=["used_at", "used_by", "supplier"])
    return user, supplier


# --- qualification documents --------------------------------------------------------------


def qualification_document_upload(
    *, supplier: Supplier, doc_type: str, expires_on, uploaded_file, actor
) -> QualificationDocument:
    _require_own_or_internal(supplier, actor)
    if doc_type not in DocumentType.values:
        raise DomainError(f"Unknown document type {doc_type!r}.", code="invalid_document_type")
    if supplier.state == SupplierState.BLOCKED:
        raise Conflict("A blocked supplier cannot upload documents.", code="supplier_blocked")
    limit = getattr(settings, "QUALIFICATION_MAX_UPLOAD_BYTES", MAX_DOCUMENT_BYTES)
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > limit:
        raise DomainError(
            f"The file is {size} bytes; the limit is {limit} bytes.",
            code="document_too_large",
            details={"size": size, "limit": limit},
        )
    data = uploaded_file.read(limit + 1)
    if len(data) > limit:
        raise DomainError(f"The file is larger than {limit} bytes.", code="document_too_large")
    if not data:
        raise DomainError("The file is empty.", code="document_empty")
    sniffed = sniff_document(data)
    if sniffed is None:
        raise DomainError(
            f"This kind of file is not accepted; upload {ALLOWED_DESCRIPTION}.",
            code="document_type_not_allowed",
        )
    content_type, ext = sniffed
    if expires_on is not None and expires_on < timezone.localdate():
        raise DomainError("The document has already expired.", code="document_expired")
    if expires_on is not None:
        bounds.date_sane(expires_on, field="expires_on")
    digest = hashlib.sha256(data).hexdigest()
    original = (getattr(uploaded_file, "name", "") or "document")[-255:]
    with transaction.atomic():
        document = QualificationDocument(
            supplier=supplier,
            doc_type=doc_type,
            original_name=original,
            content_type=content_type,
            size=len(data),
            sha256=digest,
            expires_on=expires_on,
            uploaded_by=actor,
        )
        # Stored under MEDIA_ROOT with a name we choose; served only through a checked view.
        document.file.save(f"{digest[:32]}{ext}", ContentFile(data), save=False)
        document.save()
    return document


# --- bank accounts -----------------------------------------------------------------------

_ACCOUNT_RE = re.compile(r"^[0-9A-Z]{6,34}$")


def bank_account_add(
    *,
    supplier: Supplier,
    bank_name: str,
    account_name: str,
    account_number: str,
    actor,
    currency: str = "CNY",
    replaces: BankAccount | None = None,
) -> BankAccount:
    """A new (or changed) account: pending until finance approves; it pays nothing before."""
    _require_own_or_internal(supplier, actor)
    number = re.sub(r"[\s-]", "", account_number or "").upper()
    if not _ACCOUNT_RE.match(number):
        raise DomainError("An account number has 6 to 34 digits or letters.", code="invalid_account_number")
    if not bank_name.strip() or not account_name.strip():
        raise DomainError("Bank and account holder are required.", code="bank_details_required")
    if replaces is not None and replaces.supplier_id != supplier.pk:
        raise NotFound("No such bank account.")
    currency = bounds.currency(currency or "CNY")
    with transaction.atomic():
        Supplier.objects.select_for_update().get(pk=supplier.pk)
        return BankAccount.objects.create(
            supplier=supplier,
            bank_name=bank_name.strip(),
            account_name=account_name.strip(),
            account_number_encrypted=crypto.encrypt(number),
            last4=number[-4:],
            currency=currency,
            created_by=actor,
            replaces=replaces,
        )


def bank_account_approve(*, account: BankAccount, actor, reason: str = "") -> BankAccount:
    """Finance approves; the previously approved account (if any) is retired in the same step.
    Four eyes: whoever entered the account cannot approve it."""
    if not (actor.is_finance or actor.is_superuser):
        raise PermissionDenied("Only finance approves bank accounts.")
    if account.created_by_id == getattr(actor, "pk", None):
        raise PermissionDenied(
            "You entered this bank account; another finance user must approve it.",
            code="own_change_approval",
        )
    with transaction.atomic():
        Supplier.objects.select_for_update().get(pk=account.supplier_id)
        previous = BankAccount.objects.filter(
            supplier_id=account.supplier_id, state=BankAccountState.APPROVED
        )
        account = BankAccount.objects.get(pk=account.pk)
        if account.state != BankAccountState.PENDING:
            return run_transition(account, "approve", actor=actor, reason=reason)  # raises 409/403
        for old in previous.exclude(pk=account.pk):
            run_transition(old, "retire", actor=actor, reason=f"replaced by bank account {account.pk}")
        return run_transition(account, "approve", actor=actor, reason=reason)


def bank_account_reject(*, account: BankAccount, actor, reason: str) -> BankAccount:
    if not (reason or "").strip():
        raise DomainError("A reason is required to reject a bank account.", code="reason_required")
    return run_transition(account, "reject", actor=actor, reason=reason.strip())


def rotate_encryption_keys(*, batch_size: int = 500) -> int:
    """Re-encrypt every bank account number not yet under the newest key. Returns the count."""
    changed = 0
    current = crypto.current_key_id()
    ids = list(BankAccount.objects.values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            for account in BankAccount.objects.select_for_update().filter(
                pk__in=ids[start : start + batch_size]
            ):
                if crypto.stored_key_id(account.account_number_encrypted) == current:
                    continue
                plain = crypto.decrypt(account.account_number_encrypted)
                BankAccount.objects.filter(pk=account.pk).update(
                    account_number_encrypted=crypto.encrypt(plain)
                )
                changed += 1
    return changed


# --- qualification expiry ----------------------------------------------------------------

EXPIRY_WARNING_DAYS = 30


def qualification_expiry_check(*, today=None) -> dict:
    """Warn once about documents expiring within EXPIRY_WARNING_DAYS; suspend approved suppliers
    whose mandatory documents have expired. Idempotent: a second run sends and changes nothing."""
    today = today or timezone.localdate()
    warned = 0
    soon = QualificationDocument.objects.filter(
        expires_on__gte=today,
        expires_on__lte=today + timedelta(days=EXPIRY_WARNING_DAYS),
        expiry_warned_at__isnull=True,
    ).select_related("supplier")
    for doc_id in list(soon.values_list("pk", flat=True)):
        with transaction.atomic():
            doc = (
                QualificationDocument.objects.select_for_update()
                .filter(pk=doc_id, expiry_warned_at__isnull=True)
                .select_related("supplier")
                .first()
            )
            if doc is None:
                continue
            doc.expiry_warned_at = timezone.now()
            doc.save(update_fields=["expiry_warned_at"])
            document_expiring.send(
                sender=QualificationDocument,
                document=str(doc.get_doc_type_display()),
                owner=doc.supplier.name,
                date=doc.expires_on,
                supplier_id=doc.supplier_id,
                url=reverse("supplier-detail", args=[doc.supplier_id]),
            )
            recipients = _supplier_recipients(doc.supplier)
            if recipients:
                subject = f"{doc.get_doc_type_display()} expires on {doc.expires_on:%Y-%m-%d}"
                body = (
                    f"The {doc.get_doc_type_display()} of {doc.supplier.name} expires on "
                    f"{doc.expires_on:%Y-%m-%d}. Please upload a renewed document in the supplier portal."
                )
                transaction.on_commit(
                    lambda s=subject, b=body, r=recipients: send_mail(s, b, settings.DEFAULT_FROM_EMAIL, r)
                )
            warned += 1
    suspended = 0
    for supplier in Supplier.objects.filter(state=SupplierState.APPROVED):
        missing = missing_mandatory_documents(supplier, on=today)
        if not missing:
            continue
        with transaction.atomic():
            locked = Supplier.objects.select_for_update().get(pk=supplier.pk)
            if locked.state != SupplierState.APPROVED:
                continue
            labels = ", ".join(str(DocumentType(t).label) for t in missing)
            run_transition(
                locked, "suspend", actor=None, reason=f"Mandatory document expired or missing: {labels}"
            )
            recipients = _supplier_recipients(locked)
            if recipients:
                transaction.on_commit(
                    lambda n=locked.name, r=recipients, lab=labels: send_mail(
                        f"{n} suspended: mandatory document expired",
                        f"{n} has been suspended because these documents are expired or missing: {lab}. "
                        "Upload valid documents and ask your buyer to reinstate you.",
                        settings.DEFAULT_FROM_EMAIL,
                        r,
                    )
                )
            suspended += 1
    return {"warned": warned, "suspended": suspended}


def _supplier_recipients(supplier: Supplier) -> list[str]:
    emails = [supplier.contact_email] + list(
        supplier.memberships.exclude(user__email="").values_list("user__email", flat=True)
    )
    return sorted({e for e in emails if e})
