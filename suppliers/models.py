from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, transition
from simple_history.models import HistoricalRecords

from core.fsm import StateField
from core.permissions import is_buyer, is_finance, is_internal

from .validators import validate_uscc


class SupplierState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    SUSPENDED = "suspended", _("Suspended")
    BLOCKED = "blocked", _("Blocked")


class Supplier(ConcurrentTransitionMixin, models.Model):
    name = models.CharField(_("name"), max_length=200)
    tax_id = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc]
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    state = StateField(default=SupplierState.DRAFT, choices=SupplierState.choices, protected=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Who entered the supplier (a buyer, or the supplier's own user through an invitation): four
    # eyes, this user never approves it.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Default payment terms of everything bought from this supplier (a contract or PO may override).
    payment_term = models.ForeignKey(
        "suppliers.PaymentTerm",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("payment terms"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_approved(self) -> bool:
        return self.state == SupplierState.APPROVED

    # Transitions only change state; services lock, check and save. ``by``/``reason`` are
    # read by the transition log receiver.
    @transition(field=state, source=SupplierState.DRAFT, target=SupplierState.SUBMITTED)
    def submit(self, *, by=None, reason=""):
        pass

    @transition(
        field=state, source=SupplierState.SUBMITTED, target=SupplierState.APPROVED, permission=is_buyer
    )
    def approve(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=SupplierState.SUBMITTED, target=SupplierState.DRAFT, permission=is_buyer)
    def reject(self, *, by=None, reason=""):
        pass

    @transition(
        field=state, source=SupplierState.APPROVED, target=SupplierState.SUSPENDED, permission=is_internal
    )
    def suspend(self, *, by=None, reason=""):
        pass

    @transition(
        field=state, source=SupplierState.SUSPENDED, target=SupplierState.APPROVED, permission=is_buyer
    )
    def reinstate(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=[SupplierState.SUBMITTED, SupplierState.APPROVED, SupplierState.SUSPENDED],
        target=SupplierState.BLOCKED,
        permission=is_buyer,
    )
    def block(self, *, by=None, reason=""):
        pass


class SupplierMembership(models.Model):
    """Ties a supplier user to exactly one supplier."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} @ {self.supplier}"


class SupplierInvitation(models.Model):
    """A single-use, expiring link a buyer sends to a new supplier. Only the SHA-256 of the
    token is stored; the raw token travels in the e-mail only."""

    email = models.EmailField(_("e-mail"))
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supplier_invitations_sent"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    supplier = models.ForeignKey(
        Supplier, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"invitation {self.email}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


class DocumentType(models.TextChoices):
    BUSINESS_LICENCE = "business_licence", _("Business licence")
    TAX_REGISTRATION = "tax_registration", _("Tax registration")
    QUALITY_CERTIFICATE = "quality_certificate", _("Quality certificate (e.g. ISO 9001)")
    INDUSTRY_PERMIT = "industry_permit", _("Industry permit")
    OTHER = "other", _("Other")


# Document types a supplier must hold, valid, to stay approved.
MANDATORY_DOCUMENT_TYPES = frozenset({DocumentType.BUSINESS_LICENCE})


class QualificationDocument(models.Model):
    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="documents")
    doc_type = models.CharField(_("document type"), max_length=32, choices=DocumentType.choices)
    file = models.FileField(upload_to="qualifications/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    expiry_warned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["supplier", "doc_type", "-uploaded_at"]
        indexes = [models.Index(fields=["expires_on"])]

    def __str__(self) -> str:
        return f"{self.get_doc_type_display()} ({self.supplier})"

    @property
    def is_mandatory(self) -> bool:
        return self.doc_type in MANDATORY_DOCUMENT_TYPES

    def is_valid_on(self, day) -> bool:
        return self.expires_on is None or self.expires_on >= day


class BankAccountState(models.TextChoices):
    PENDING = "pending", _("Waiting for finance approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETIRED = "retired", _("Replaced")


class BankAccount(ConcurrentTransitionMixin, models.Model):
    """A supplier's bank account. The number is stored encrypted (suppliers.crypto) and shown
    masked. A new or changed account pays nothing until finance approves it; approving it
    retires the previously approved one, so a supplier has at most one account for payment."""

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="bank_accounts")
    bank_name = models.CharField(_("bank"), max_length=200)
    account_name = models.CharField(_("account holder"), max_length=200)
    account_number_encrypted = models.TextField(editable=False)
    last4 = models.CharField(max_length=4, editable=False)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    state = StateField(default=BankAccountState.PENDING, choices=BankAccountState.choices, protected=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    # The supplier's evidence for the account (an account opening permit, a bank letter): checked like
    # every other uploaded document (suppliers.uploads), served only to finance and the supplier.
    proof_file = models.FileField(_("supporting document"), upload_to="bank-proofs/%Y/%m/", blank=True)
    proof_name = models.CharField(max_length=255, blank=True)
    proof_content_type = models.CharField(max_length=100, blank=True)
    proof_size = models.PositiveIntegerField(null=True, blank=True)
    proof_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["supplier", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier"],
                condition=models.Q(state="approved"),
                name="one_approved_bank_account_per_supplier",
            )
        ]

    def __str__(self) -> str:
        return f"{self.bank_name} {self.masked_number}"

    @property
    def masked_number(self) -> str:
        from .crypto import mask

        return mask(self.last4)

    def number_aad(self) -> bytes:
        from .crypto import bank_account_aad

        return bank_account_aad(pk=self.pk, supplier_id=self.supplier_id)

    def seal_number(self, number: str) -> str:
        """``number`` encrypted for this (saved) row: it decrypts only here."""
        from .crypto import encrypt

        return encrypt(number, aad=self.number_aad())

    def account_number(self) -> str:
        """The clear number: only for payment files and checks, never for display. A stored value
        that does not belong to this row (moved from another, or altered) is refused with 409."""
        from core.errors import Conflict

        from .crypto import DecryptionError, decrypt

        try:
            return decrypt(self.account_number_encrypted, aad=self.number_aad())
        except DecryptionError:
            raise Conflict(
                _(
                    "The stored number of bank account %(account)s cannot be read here: it was altered, "
                    "moved from another account or its key is missing. Finance must have it entered again."
                )
                % {"account": self.masked_number},
                code="bank_account_number_unreadable",
            ) from None

    @transition(
        field=state, source=BankAccountState.PENDING, target=BankAccountState.APPROVED, permission=is_finance
    )
    def approve(self, *, by=None, reason=""):
        pass

    @transition(
        field=state, source=BankAccountState.PENDING, target=BankAccountState.REJECTED, permission=is_finance
    )
    def reject(self, *, by=None, reason=""):
        pass

    @transition(
        field=state, source=BankAccountState.APPROVED, target=BankAccountState.RETIRED, permission=is_finance
    )
    def retire(self, *, by=None, reason=""):
        pass


class ChangeState(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ChangeKind(models.TextChoices):
    COMPANY = "company", _("Legal name / tax id")
    BANK_ACCOUNT = "bank_account", _("Bank account")


# Company fields under change control once a supplier has left the draft state.
CONTROLLED_FIELDS = ("name", "tax_id")


class SupplierChange(ConcurrentTransitionMixin, models.Model):
    """A change of a supplier's master data (legal name, tax id, bank account) waiting for a
    second person, and afterwards its history entry with the values before and after. The old
    values stay in force until the change is approved. A bank-account change follows its
    BankAccount (approved or rejected by finance there)."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=16, choices=ChangeKind.choices)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    bank_account = models.OneToOneField(
        BankAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="change"
    )
    state = StateField(default=ChangeState.PENDING, choices=ChangeState.choices, protected=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier"],
                condition=models.Q(state="pending", kind="company"),
                name="one_pending_company_change_per_supplier",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.supplier})"

    @property
    def rows(self) -> list[tuple[str, str, str]]:
        """(field label, before, after) for display."""
        labels = {
            "name": _("Company name"),
            "tax_id": _("Unified social credit code"),
            "bank_account": _("Bank account"),
        }
        return [
            (labels.get(field, field), self.before.get(field) or "—", self.after.get(field) or "—")
            for field in self.after
        ]

    @transition(field=state, source=ChangeState.PENDING, target=ChangeState.APPROVED, permission=is_internal)
    def approve(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=ChangeState.PENDING, target=ChangeState.REJECTED, permission=is_internal)
    def reject(self, *, by=None, reason=""):
        pass


class TermBasis(models.TextChoices):
    INVOICE_DATE = "invoice_date", _("from the document date")
    END_OF_MONTH = "end_of_month", _("from the end of the document's month (月结)")


class PaymentTerm(models.Model):
    """Payment terms as data: when a document is due (``days`` after its date, or after the end of
    its month for 月结), and an optional discount for paying early (``discount_percent`` within
    ``discount_days`` of the document date). The arithmetic is ``suppliers.payment_terms``."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    basis = models.CharField(_("counted"), max_length=16, choices=TermBasis.choices)
    days = models.PositiveSmallIntegerField(_("days"))
    discount_percent = models.DecimalField(
        _("early-payment discount %"), max_digits=5, decimal_places=2, default=0
    )
    discount_days = models.PositiveSmallIntegerField(_("discount within days"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["days", "code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(days__lte=366), name="payment_term_days_sane"),
            models.CheckConstraint(
                condition=models.Q(discount_percent__gte=0, discount_percent__lt=100),
                name="payment_term_discount_sane",
            ),
            models.CheckConstraint(
                condition=models.Q(discount_percent=0) | models.Q(discount_days__isnull=False),
                name="payment_term_discount_has_days",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the reader's language (Chinese for zh-*, English otherwise)."""
        from django.utils.translation import get_language

        return self.name_zh if (get_language() or "").lower().startswith("zh") else self.name_en
