"""Writes of suppliers. Each service runs atomically and leaves a transition log row.

Refusals carry a code and speak the reader's language (``gettext`` runs in the request's
language). A refused input raises ``InvalidInput`` with every wrong field in
``details["fields"]`` (field → [{code, message}]) and stores nothing.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_fsm import can_proceed, has_transition_perm

from core import bounds, formatting
from core.audit import security_event_record
from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from core.mail import enqueue_mail
from core.models import Role, SecurityEventKind, TransitionLog, User
from core.services import document_event_log, run_transition
from core.signals import document_expiring
from core.texts import joined, register, render_value, text
from core.validators import validate_username

from . import crypto
from .models import (
    CONTROLLED_FIELDS,
    MANDATORY_DOCUMENT_TYPES,
    BankAccount,
    BankAccountState,
    ChangeKind,
    ChangeState,
    DocumentType,
    QualificationDocument,
    Supplier,
    SupplierChange,
    SupplierInvitation,
    SupplierMembership,
    SupplierState,
)
from .taxid import normalise_tax_id, uscc_problem
from .uploads import ALLOWED_DESCRIPTION, MAX_DOCUMENT_BYTES, sniff_document

INVITATION_VALID_FOR = timedelta(days=7)
EDITABLE_STATES = {SupplierState.DRAFT}

SUPPLIER_TRANSITIONS = ("submit", "approve", "reject", "suspend", "reinstate", "block")
REASON_REQUIRED = {"reject", "suspend", "block"}

# Longest values the forms and the API accept (the columns' sizes).
MAX_LENGTHS = {
    "name": 200,
    "address": 300,
    "contact_name": 100,
    "contact_email": 254,
    "email": 254,
    "contact_phone": 40,
    "bank_name": 200,
    "account_name": 200,
    "username": 150,
}
_PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()\-]{4,30}(?:\s*(?:ext\.?|x|转|分机)\s*[0-9]{1,6})?$")


class InvalidInput(DomainError):
    """One or more fields are wrong; nothing was stored. ``details["fields"]`` maps each wrong
    field to its errors; ``code``/``message``/``details["field"]`` are the first one's (the API
    answers 422 with ``field`` as for ``core.bounds.OutOfBounds``)."""

    status = 422


class _Fields:
    """Collects field errors so that a form shows all of them at once."""

    def __init__(self):
        self.errors: dict[str, list[dict]] = {}

    def add(self, field: str, code: str, message: str) -> None:
        self.errors.setdefault(field, []).append({"code": code, "message": str(message)})

    def has(self, field: str) -> bool:
        return field in self.errors

    def raise_if_any(self) -> None:
        if self.errors:
            first = next(iter(self.errors.values()))[0]
            field = next(iter(self.errors))
            raise InvalidInput(
                first["message"], code=first["code"], details={"field": field, "fields": self.errors}
            )


# What the log says when the portal itself moves a supplier or a bank account (core.texts).
register(
    {
        "supplier.bank_account_replaced": gettext_noop("replaced by bank account %(account)s"),
        "supplier.documents_missing": gettext_noop("Mandatory document expired or missing: %(documents)s"),
        **{f"document_type.{value}": label for value, label in DocumentType.choices},
    }
)


def invalid(field: str, code: str, message: str) -> InvalidInput:
    errors = _Fields()
    errors.add(field, code, message)
    first = errors.errors[field][0]
    return InvalidInput(first["message"], code=code, details={"field": field, "fields": errors.errors})


def _text(errors: _Fields, field: str, value, *, required: bool = False, label: str = "") -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not value:
        errors.add(field, f"{field}_required", _("%(field)s is required.") % {"field": label})
    limit = MAX_LENGTHS.get(field)
    if limit and len(value) > limit:
        errors.add(
            field,
            "too_long",
            _("%(field)s may have at most %(limit)d characters (it has %(length)d).")
            % {"field": label, "limit": limit, "length": len(value)},
        )
    return value


def tax_id_message(code: str, params: dict) -> str:
    if code == "tax_id_required":
        return _("The unified social credit code is required.")
    if code == "tax_id_length":
        return _("A unified social credit code has 18 characters; this one has %(length)d.") % params
    if code == "tax_id_characters":
        return _("These characters are not allowed in a unified social credit code: %(characters)s.") % params
    return (
        _("The check character (the last one) is %(found)s; for this code it must be %(expected)s.") % params
    )


def _check_tax_id(errors: _Fields, tax_id: str, *, exclude_pk: int | None = None) -> str:
    tax_id = normalise_tax_id(tax_id)
    problem = uscc_problem(tax_id)
    if problem:
        # The historic code of every tax id refusal is invalid_tax_id; the detail is in the text.
        errors.add("tax_id", "invalid_tax_id", tax_id_message(*problem))
    elif Supplier.objects.filter(tax_id=tax_id).exclude(pk=exclude_pk).exists():
        errors.add(
            "tax_id",
            "duplicate_tax_id",
            _("A supplier with the unified social credit code %(tax_id)s already exists.")
            % {"tax_id": tax_id},
        )
    return tax_id


def _check_email(errors: _Fields, field: str, email, *, required: bool = False) -> str:
    email = _text(errors, field, email, required=required, label=_("The e-mail address"))
    if email and not errors.has(field):
        try:
            validate_email(email)
        except ValidationError:
            errors.add(
                field, "invalid_email", _("%(email)s is not a valid e-mail address.") % {"email": email}
            )
    return email


def _check_phone(errors: _Fields, phone) -> str:
    phone = _text(errors, "contact_phone", phone, label=_("The contact phone"))
    if phone and not errors.has("contact_phone") and not _PHONE_RE.match(phone):
        errors.add(
            "contact_phone",
            "invalid_phone",
            _("%(phone)s is not a phone number: use digits, spaces, + - ( ) and an extension.")
            % {"phone": phone},
        )
    return phone


def _clean_company(data: dict, *, exclude_pk: int | None = None, errors: _Fields | None = None) -> dict:
    """Every company field checked at once; the cleaned values, or InvalidInput."""
    errors = errors or _Fields()
    cleaned = {
        "name": _text(errors, "name", data.get("name"), required=True, label=_("The company name")),
        "tax_id": _check_tax_id(errors, data.get("tax_id"), exclude_pk=exclude_pk),
        "address": _text(errors, "address", data.get("address"), label=_("The address")),
        "contact_name": _text(
            errors, "contact_name", data.get("contact_name"), label=_("The contact person")
        ),
        "contact_email": _check_email(errors, "contact_email", data.get("contact_email")),
        "contact_phone": _check_phone(errors, data.get("contact_phone")),
    }
    errors.raise_if_any()
    return cleaned


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
    cleaned = _clean_company(
        {
            "name": name,
            "tax_id": tax_id,
            "address": address,
            "contact_email": contact_email,
            "contact_name": contact_name,
            "contact_phone": contact_phone,
        }
    )
    return Supplier.objects.create(**cleaned, created_by=actor if getattr(actor, "pk", None) else None)


def _require_own_or_internal(supplier: Supplier, actor) -> None:
    if actor.is_internal:
        return
    membership = getattr(actor, "membership", None)
    if membership is None or membership.supplier_id != supplier.pk:
        raise PermissionDenied(_("Only the supplier's own users or a buyer may change it."))


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
    rejection); afterwards only a buyer may change it. Once the supplier has left the draft
    state, a new legal name or tax id does not apply at once: it becomes a pending
    SupplierChange that another internal user approves (the old values stay in force until
    then). The other fields apply at once. Returns the supplier as it now is; its
    ``pending_change`` attribute is the change request made, if any."""
    if not (actor.is_buyer or actor.is_superuser):
        _require_own_or_internal(supplier, actor)
    data = {
        "name": name,
        "tax_id": tax_id,
        "address": address,
        "contact_name": contact_name,
        "contact_email": contact_email,
        "contact_phone": contact_phone,
    }
    with transaction.atomic():
        supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
        if supplier.state not in EDITABLE_STATES and not (actor.is_buyer or actor.is_superuser):
            raise Conflict(
                _("Company data can only be changed before the supplier is submitted."),
                code="supplier_not_editable",
            )
        errors = _Fields()
        if supplier.state == SupplierState.BLOCKED:
            raise Conflict(_("A blocked supplier's data cannot be changed."), code="supplier_blocked")
        controlled_change = supplier.state not in EDITABLE_STATES
        pending = supplier.changes.filter(kind=ChangeKind.COMPANY, state=ChangeState.PENDING).first()
        cleaned = _clean_company(data, exclude_pk=supplier.pk, errors=errors)
        before = {f: getattr(supplier, f) for f in CONTROLLED_FIELDS}
        after = {f: cleaned[f] for f in CONTROLLED_FIELDS if cleaned[f] != before[f]}
        supplier.pending_change = None
        if controlled_change and after:
            if pending is not None:
                raise invalid(
                    next(iter(after)),
                    "change_pending",
                    _(
                        "A change of the legal name or tax id is already waiting for approval; "
                        "it must be approved or rejected first."
                    ),
                )
            if (
                "tax_id" in after
                and SupplierChange.objects.filter(
                    kind=ChangeKind.COMPANY, state=ChangeState.PENDING, after__tax_id=after["tax_id"]
                ).exists()
            ):
                raise invalid(
                    "tax_id",
                    "duplicate_tax_id",
                    _("A supplier with the unified social credit code %(tax_id)s already exists.")
                    % {"tax_id": after["tax_id"]},
                )
            supplier.pending_change = SupplierChange.objects.create(
                supplier=supplier,
                kind=ChangeKind.COMPANY,
                before={f: before[f] for f in after},
                after=after,
                requested_by=actor,
            )
        else:
            supplier.name = cleaned["name"]
            supplier.tax_id = cleaned["tax_id"]
        for f in ("address", "contact_name", "contact_email", "contact_phone"):
            setattr(supplier, f, cleaned[f])
        supplier.save()
    return supplier


def _may_decide(change: SupplierChange, actor) -> None:
    if not getattr(actor, "is_internal", False):
        raise PermissionDenied(_("Only internal users approve changes of supplier master data."))
    if change.requested_by_id == actor.pk:
        raise PermissionDenied(
            _("You requested this change; another person must approve or reject it."),
            code="own_change_approval",
        )


def supplier_change_approve(*, change: SupplierChange, actor, reason: str = "") -> SupplierChange:
    """A second person approves a change of legal name / tax id: the new values apply now."""
    if change.kind == ChangeKind.BANK_ACCOUNT:
        bank_account_approve(account=change.bank_account, actor=actor, reason=reason)
        return SupplierChange.objects.get(pk=change.pk)
    _may_decide(change, actor)
    with transaction.atomic():
        supplier = Supplier.objects.select_for_update().get(pk=change.supplier_id)
        change = SupplierChange.objects.select_for_update().get(pk=change.pk)
        if change.state == ChangeState.PENDING and "tax_id" in change.after:
            errors = _Fields()
            _check_tax_id(errors, change.after["tax_id"], exclude_pk=supplier.pk)
            errors.raise_if_any()
        change = run_transition(change, "approve", actor=actor, reason=(reason or "").strip())
        change.decided_by, change.decided_at = actor, timezone.now()
        change.reason = (reason or "").strip()
        change.save(update_fields=["decided_by", "decided_at", "reason"])
        for field, value in change.after.items():
            setattr(supplier, field, value)
        supplier.save()
    return change


def supplier_change_reject(*, change: SupplierChange, actor, reason: str) -> SupplierChange:
    if change.kind == ChangeKind.BANK_ACCOUNT:
        bank_account_reject(account=change.bank_account, actor=actor, reason=reason)
        return SupplierChange.objects.get(pk=change.pk)
    _may_decide(change, actor)
    if not (reason or "").strip():
        raise invalid("reason", "reason_required", _("A reason is required to reject a change."))
    with transaction.atomic():
        change = run_transition(change, "reject", actor=actor, reason=reason.strip())
        change.decided_by, change.decided_at, change.reason = actor, timezone.now(), reason.strip()
        change.save(update_fields=["decided_by", "decided_at", "reason"])
    return change


def _change_decided(account: BankAccount, *, actor, state: str, reason: str) -> None:
    """The history entry of a bank-account change follows the account's decision."""
    change = SupplierChange.objects.select_for_update().filter(bank_account=account).first()
    if change is None or change.state != ChangeState.PENDING:
        return
    run_transition(
        change, "approve" if state == ChangeState.APPROVED else "reject", actor=actor, reason=reason
    )
    SupplierChange.objects.filter(pk=change.pk).update(
        decided_by=actor, decided_at=timezone.now(), reason=reason
    )


def supplier_require_approved(supplier: Supplier) -> None:
    """Only approved suppliers may be invited to RFQs, receive POs or upload invoices."""
    state = Supplier.objects.filter(pk=supplier.pk).values_list("state", flat=True).first()
    if state != SupplierState.APPROVED:
        raise DomainError(
            _("Supplier %(name)s is not approved (it is %(value)s).")
            % {"name": supplier.name, "value": state or "unknown"},
            code="supplier_not_approved",
            details={"supplier_id": supplier.pk, "state": state},
        )


def supplier_approval_excluded(supplier: Supplier) -> set[int]:
    """Users who may not approve the supplier (four eyes): whoever entered it, invited it or
    submitted it."""
    excluded = {supplier.created_by_id}
    excluded |= set(supplier.invitations.values_list("created_by_id", flat=True))
    excluded |= set(
        TransitionLog.objects.filter(
            content_type__app_label="suppliers",
            content_type__model="supplier",
            object_id=str(supplier.pk),
            transition="submit",
        ).values_list("actor_id", flat=True)
    )
    return {pk for pk in excluded if pk is not None}


def _missing_documents_error(missing: list[str], action: str) -> DomainError:
    labels = ", ".join(str(DocumentType(t).label) for t in missing)
    if action == "submit":
        message = _("Upload a valid %(documents)s first.") % {"documents": labels}
    else:
        message = _(
            "This supplier cannot be %(action)s: a required qualification is missing or expired "
            "(%(documents)s). Ask the supplier to upload a valid one first."
        ) % {"action": _("approved") if action == "approve" else _("reinstated"), "documents": labels}
    return DomainError(message, code="mandatory_documents_missing", details={"missing": missing})


def supplier_transition(*, supplier: Supplier, name: str, actor, reason: str = "") -> Supplier:
    if name not in SUPPLIER_TRANSITIONS:
        raise DomainError(_("Unknown supplier action %(action)s.") % {"action": name}, code="unknown_action")
    if name in REASON_REQUIRED and not reason.strip():
        raise invalid("reason", "reason_required", _("A reason is required for this action."))
    if name == "submit" and not actor.is_internal:
        membership = getattr(actor, "membership", None)
        if membership is None or membership.supplier_id != supplier.pk:
            raise PermissionDenied(_("Only the supplier's own users or a buyer may submit it."))
    method = getattr(supplier, name)
    if can_proceed(method, check_conditions=False) and has_transition_perm(method, actor):
        # Only for a step this user may take now (otherwise run_transition refuses with 409/403).
        if name in ("submit", "approve", "reinstate"):
            missing = missing_mandatory_documents(supplier)
            if missing:
                raise _missing_documents_error(missing, name)
        if name == "approve" and actor.pk in supplier_approval_excluded(supplier):
            raise PermissionDenied(
                _("You entered, invited or submitted this supplier; another buyer must approve it."),
                code="own_change_approval",
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
            raise DomainError(
                _("%(user)s already belongs to a supplier.") % {"user": user}, code="already_member"
            )
        return SupplierMembership.objects.create(supplier=supplier, user=user)


# --- invitations -------------------------------------------------------------------------


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def invitation_link(raw_token: str) -> str:
    """The absolute link an invited supplier opens (PORTAL_BASE_URL: the address people use)."""
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("invitation-accept", args=[raw_token])


def _invitation_mail(link: str) -> tuple[str, str]:
    """Subject and body in the active language (core.mail writes it in the invitee's)."""
    return _("Invitation to the supplier portal"), _(
        "You are invited to register your company as a supplier.\n"
        "Open this link within %(days)d days (it works once):\n%(link)s\n"
    ) % {"days": INVITATION_VALID_FOR.days, "link": link}


def supplier_invite(*, email: str, actor):
    """A buyer invites a new supplier: a single-use link, valid for INVITATION_VALID_FOR, by e-mail.
    Returns (invitation, raw token); only the token's hash is stored."""
    if not (actor.is_buyer or actor.is_superuser):
        raise PermissionDenied(_("Only buyers invite suppliers."))
    errors = _Fields()
    email = _check_email(errors, "email", email, required=True)
    errors.raise_if_any()
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = SupplierInvitation.objects.create(
            email=email,
            token_hash=_hash(raw),
            created_by=actor,
            expires_at=timezone.now() + INVITATION_VALID_FOR,
        )
        link = invitation_link(raw)
        enqueue_mail([email], lambda: _invitation_mail(link))
    return invitation, raw


def invitation_check(raw_token: str, *, lock: bool = False) -> SupplierInvitation:
    """The invitation a token opens, or a specific error: unknown, used or expired."""
    qs = SupplierInvitation.objects.select_for_update() if lock else SupplierInvitation.objects
    invitation = qs.filter(token_hash=_hash(raw_token or "")).first()
    if invitation is None:
        raise NotFound(_("This invitation link is not valid."), code="invitation_invalid")
    if invitation.used_at is not None:
        raise Conflict(_("This invitation link has already been used."), code="invitation_used")
    if invitation.is_expired:
        raise DomainError(
            _("This invitation link has expired; ask the buyer for a new one."), code="invitation_expired"
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
        errors = _Fields()
        try:
            username = validate_username(username)
        except DomainError as exc:
            errors.add("username", exc.code, exc.message)
            username = (username or "").strip()
        else:
            if User.objects.filter(username__iexact=username).exists():
                errors.add(
                    "username", "username_taken", _("The user name %(name)s is taken.") % {"name": username}
                )
        user = User(username=username, email=invitation.email, role=Role.SUPPLIER)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            errors.add("password", "weak_password", " ".join(exc.messages))
        cleaned = _clean_company(
            {
                "name": name,
                "tax_id": tax_id,
                "address": address,
                "contact_name": contact_name,
                "contact_email": contact_email or invitation.email,
                "contact_phone": contact_phone,
            },
            errors=errors,
        )
        user.set_password(password)
        user.save()
        supplier = Supplier.objects.create(**cleaned, created_by=user)
        SupplierMembership.objects.create(user=user, supplier=supplier)
        invitation.used_at = timezone.now()
        invitation.used_by = user
        invitation.supplier = supplier
        invitation.save(update_fields=["used_at", "used_by", "supplier"])
    return user, supplier


# --- qualification documents --------------------------------------------------------------


def qualification_document_upload(
    *, supplier: Supplier, doc_type: str, expires_on, uploaded_file, actor, issued_on=None
) -> QualificationDocument:
    _require_own_or_internal(supplier, actor)
    if supplier.state == SupplierState.BLOCKED:
        raise Conflict(_("A blocked supplier cannot upload documents."), code="supplier_blocked")
    errors = _Fields()
    today = timezone.localdate()
    if doc_type not in DocumentType.values:
        errors.add("doc_type", "invalid_document_type", _("Choose a document type from the list."))
    if issued_on is not None and issued_on > today:
        errors.add("issued_on", "issued_in_future", _("The issue date cannot be in the future."))
    if expires_on is not None and expires_on < today:
        errors.add("expires_on", "document_expired", _("The document has already expired."))
    elif expires_on is not None and issued_on is not None and expires_on <= issued_on:
        errors.add("expires_on", "expiry_before_issue", _("The expiry date must be after the issue date."))
    if uploaded_file is None:
        errors.add("file", "file_required", _("Choose a file to upload."))
    checked = _checked_file(errors, "file", uploaded_file)
    errors.raise_if_any()
    with transaction.atomic():
        document = QualificationDocument(
            supplier=supplier,
            doc_type=doc_type,
            original_name=checked.name,
            content_type=checked.content_type,
            size=len(checked.data),
            sha256=checked.sha256,
            issued_on=issued_on,
            expires_on=expires_on,
            uploaded_by=actor,
        )
        # Stored under MEDIA_ROOT with a name we choose; served only through a checked view.
        document.file.save(checked.stored_name, ContentFile(checked.data), save=False)
        document.save()
    return document


@dataclass(frozen=True)
class _CheckedFile:
    data: bytes
    name: str
    content_type: str
    sha256: str
    ext: str

    @property
    def stored_name(self) -> str:
        return f"{self.sha256[:32]}{self.ext}"


def _checked_file(errors: _Fields, field: str, uploaded_file) -> _CheckedFile | None:
    """The one check for an uploaded supplier document (qualification or bank-account proof): size
    limit, not empty, and an allowed kind decided by its bytes (suppliers.uploads). None when no file
    was given or it failed (the reason is added to ``errors``)."""
    if uploaded_file is None:
        return None
    limit = getattr(settings, "QUALIFICATION_MAX_UPLOAD_BYTES", MAX_DOCUMENT_BYTES)
    size = getattr(uploaded_file, "size", None)
    data = b"" if size is not None and size > limit else uploaded_file.read(limit + 1)
    kind = sniff_document(data) if data and len(data) <= limit else None
    if (size is not None and size > limit) or len(data) > limit:
        errors.add(
            field,
            "document_too_large",
            _("The file is larger than the limit of %(limit)s MB.") % {"limit": f"{limit / 1048576:g}"},
        )
    elif not data:
        errors.add(field, "document_empty", _("The file is empty."))
    elif kind is None:
        errors.add(
            field,
            "document_type_not_allowed",
            _("This kind of file is not accepted; upload %(kinds)s.") % {"kinds": ALLOWED_DESCRIPTION},
        )
    if kind is None:
        return None
    content_type, ext = kind
    name = (getattr(uploaded_file, "name", "") or "document")[-255:]
    return _CheckedFile(data, name, content_type, hashlib.sha256(data).hexdigest(), ext)


# --- bank accounts -----------------------------------------------------------------------

_ACCOUNT_RE = re.compile(r"^[0-9A-Z]{6,34}$")


def _account_label(account: BankAccount | None) -> str:
    return f"{account.bank_name} {account.masked_number} ({account.currency})" if account else ""


def bank_account_add(
    *,
    supplier: Supplier,
    bank_name: str,
    account_name: str,
    account_number: str,
    actor,
    currency: str = "CNY",
    replaces: BankAccount | None = None,
    supporting_document=None,
) -> BankAccount:
    """A new (or changed) account: pending until finance approves it; it pays nothing before.
    The same number twice for one supplier (pending or approved) is refused. Leaves a pending
    SupplierChange (before/after) in the supplier's history. ``supporting_document`` (an uploaded
    file: account opening permit, bank letter) is checked like every supplier document and shown to
    the finance approver."""
    _require_own_or_internal(supplier, actor)
    if supplier.state == SupplierState.BLOCKED:
        raise Conflict(_("A blocked supplier cannot add bank accounts."), code="supplier_blocked")
    if replaces is not None and replaces.supplier_id != supplier.pk:
        raise NotFound(_("No such bank account."))
    errors = _Fields()
    bank_name = _text(errors, "bank_name", bank_name, required=True, label=_("The bank"))
    account_name = _text(errors, "account_name", account_name, required=True, label=_("The account holder"))
    number = re.sub(r"[\s-]", "", account_number or "").upper()
    if not number:
        errors.add("account_number", "account_number_required", _("The account number is required."))
    elif not _ACCOUNT_RE.match(number):
        errors.add(
            "account_number",
            "invalid_account_number",
            _("An account number has 6 to 34 digits or letters (spaces and dashes are ignored)."),
        )
    try:
        currency = bounds.currency(str(currency or "").strip() or "CNY")
    except bounds.OutOfBounds as exc:  # the one currency check (core.bounds), shown with the others
        errors.add("currency", exc.code, exc.message)
    proof = _checked_file(errors, "supporting_document", supporting_document)
    with transaction.atomic():
        Supplier.objects.select_for_update().get(pk=supplier.pk)
        if not errors.has("account_number"):
            for existing in BankAccount.objects.filter(
                supplier=supplier, state__in=[BankAccountState.PENDING, BankAccountState.APPROVED]
            ):
                if existing.account_number() == number:
                    errors.add(
                        "account_number",
                        "duplicate_account_number",
                        _(
                            "This account number is already registered for this supplier (%(account)s, %(state)s)."
                        )
                        % {"account": existing.masked_number, "state": existing.get_state_display()},
                    )
                    break
        errors.raise_if_any()
        if replaces is None:
            replaces = BankAccount.objects.filter(supplier=supplier, state=BankAccountState.APPROVED).first()
        account = BankAccount.objects.create(
            supplier=supplier,
            bank_name=bank_name,
            account_name=account_name,
            account_number_encrypted="",  # sealed below, bound to the row's id
            last4=number[-4:],
            currency=currency,
            created_by=actor,
            replaces=replaces,
        )
        account.account_number_encrypted = account.seal_number(number)
        account.save(update_fields=["account_number_encrypted"])
        _bank_account_event(account, actor=actor, action="added")
        if proof is not None:
            account.proof_name = proof.name
            account.proof_content_type = proof.content_type
            account.proof_size = len(proof.data)
            account.proof_sha256 = proof.sha256
            account.proof_file.save(proof.stored_name, ContentFile(proof.data), save=False)
            account.save(
                update_fields=["proof_file", "proof_name", "proof_content_type", "proof_size", "proof_sha256"]
            )
        SupplierChange.objects.create(
            supplier=supplier,
            kind=ChangeKind.BANK_ACCOUNT,
            before={"bank_account": _account_label(replaces)},
            after={"bank_account": _account_label(account)},
            bank_account=account,
            requested_by=actor,
        )
        return account


def bank_account_approve(*, account: BankAccount, actor, reason: str = "") -> BankAccount:
    """Finance approves; the previously approved account (if any) is retired in the same step.
    Four eyes: whoever entered the account cannot approve it."""
    if not (actor.is_finance or actor.is_superuser):
        raise PermissionDenied(_("Only finance approves bank accounts."))
    if account.created_by_id == getattr(actor, "pk", None):
        raise PermissionDenied(
            _("You entered this bank account; another finance user must approve it."),
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
            run_transition(
                old, "retire", actor=actor, reason=text("supplier.bank_account_replaced", account=account.pk)
            )
        account = run_transition(account, "approve", actor=actor, reason=reason)
        _change_decided(account, actor=actor, state=ChangeState.APPROVED, reason=reason)
        _bank_account_event(account, actor=actor, action="approved")
        return account


def bank_account_may_reveal(account: BankAccount, user) -> bool:
    """Only a finance user who may approve a pending account (not the one who entered it) sees its
    full number, and only while it waits for approval."""
    return (
        bool(getattr(user, "is_authenticated", False))
        and (user.is_finance or user.is_superuser)
        and account.state == BankAccountState.PENDING
        and account.created_by_id != user.pk
    )


def bank_account_reveal_number(*, account: BankAccount, actor) -> str:
    """The full account number for the approver; each reveal is a row in the account's history."""
    with transaction.atomic():
        account = BankAccount.objects.select_for_update().get(pk=account.pk)
        if not bank_account_may_reveal(account, actor):
            raise PermissionDenied(
                _("Only a finance user who may approve this waiting bank account sees its full number."),
                code="reveal_not_allowed",
            )
        document_event_log(account, "reveal_account_number", actor=actor)
        return account.account_number()


def bank_account_reject(*, account: BankAccount, actor, reason: str) -> BankAccount:
    if not (reason or "").strip():
        raise invalid("reason", "reason_required", _("A reason is required to reject a bank account."))
    with transaction.atomic():
        account = run_transition(account, "reject", actor=actor, reason=reason.strip())
        _change_decided(account, actor=actor, state=ChangeState.REJECTED, reason=reason.strip())
        _bank_account_event(account, actor=actor, action="rejected")
        return account


def _bank_account_event(account: BankAccount, *, actor, action: str) -> None:
    """The security log's row for a bank-account change (who, which supplier and account)."""
    security_event_record(
        kind=SecurityEventKind.BANK_ACCOUNT_CHANGED,
        user=actor,
        actor=actor,
        action=action,
        supplier=account.supplier_id,
        bank_account=account.pk,
        last4=account.last4,
    )


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
                plain = crypto.decrypt(account.account_number_encrypted, aad=account.number_aad())
                BankAccount.objects.filter(pk=account.pk).update(
                    account_number_encrypted=account.seal_number(plain)
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
                enqueue_mail(recipients, lambda doc=doc: _expiry_mail(doc))
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
            labels = [text(f"document_type.{t}") for t in missing]
            run_transition(
                locked,
                "suspend",
                actor=None,
                reason=text("supplier.documents_missing", documents=joined(labels, ", ")),
            )
            recipients = _supplier_recipients(locked)
            if recipients:
                enqueue_mail(
                    recipients, lambda locked=locked, labels=labels: _suspension_mail(locked, labels)
                )
            suspended += 1
    return {"warned": warned, "suspended": suspended}


def _expiry_mail(doc) -> tuple[str, str]:
    """A qualification document is about to expire: (subject, body) in the active language."""
    words = {
        "document": doc.get_doc_type_display(),
        "owner": doc.supplier.name,
        "date": formatting.day(doc.expires_on),
    }
    return (
        _("%(document)s expires on %(date)s") % words,
        _("%(document)s of %(owner)s expires on %(date)s.") % words
        + " "
        + _("Please upload a renewed document in the supplier portal."),
    )


def _suspension_mail(supplier: Supplier, labels: list) -> tuple[str, str]:
    """A supplier was suspended for missing documents: (subject, body) in the active language."""
    words = {"supplier": supplier.name, "documents": render_value(joined(labels, ", "))}
    return (
        _("%(supplier)s suspended: mandatory document expired") % words,
        _(
            "%(supplier)s has been suspended because these documents are expired or missing: %(documents)s. "
            "Upload valid documents and ask your buyer to reinstate you."
        )
        % words,
    )


def _supplier_recipients(supplier: Supplier) -> list[str]:
    emails = [supplier.contact_email] + list(
        supplier.memberships.exclude(user__email="").values_list("user__email", flat=True)
    )
    return sorted({e for e in emails if e})
