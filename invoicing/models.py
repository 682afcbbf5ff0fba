from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, transition
from simple_history.models import HistoricalRecords

from core.fsm import StateField
from core.permissions import is_finance, is_internal


class StoredFile(models.Model):
    """Original bytes, stored unchanged and addressed by their SHA-256. One row per supplier
    that uploaded them: the same bytes from another supplier are that supplier's own upload
    (never an answer that tells them someone else has the file); on disk they are one file."""

    sha256 = models.CharField(max_length=64, db_index=True)
    supplier = models.ForeignKey(
        "suppliers.Supplier", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    size = models.PositiveIntegerField()
    path = models.CharField(max_length=200)  # storage name: invoices/ab/cd/<sha256>
    original_name = models.CharField(max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["supplier", "sha256"], name="storedfile_once_per_supplier")
        ]

    def __str__(self) -> str:
        return f"{self.sha256[:12]}… ({self.size} bytes)"


class InvoiceState(models.TextChoices):
    RECEIVED = "received", _("Received")
    VALIDATING = "validating", _("Validating")
    VALIDATED = "validated", _("Validated")
    REJECTED = "rejected", _("Rejected")
    MATCHED = "matched", _("Matched")
    EXCEPTION = "exception", _("Exception")
    APPROVED = "approved", _("Approved for payment")
    SCHEDULED = "scheduled", _("Scheduled")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")
    CREDITED = "credited", _("Credited")


# Not checked yet: nothing read from the file is stored (no amounts, no findings).
UNCHECKED_STATES = frozenset({InvoiceState.RECEIVED, InvoiceState.VALIDATING})
# Still on its way to a result (checked, then matched) by itself: the upload page keeps polling.
IN_PROGRESS_STATES = UNCHECKED_STATES | {InvoiceState.VALIDATED}


DOCUMENT_TYPE_LABELS = {"invoice": _("Invoice"), "credit_note": _("Credit note")}
SIGNATURE_STATUS_LABELS = {
    "unsigned": _("not signed"),
    "valid": _("signature verified"),
    "tampered": _("changed after signing"),
    "invalid": _("signature does not verify"),
    "unverified": _("signed, not verifiable here"),
}


class Invoice(ConcurrentTransitionMixin, models.Model):
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="invoices")
    legal_entity = models.ForeignKey(
        "procurement.LegalEntity", null=True, blank=True, on_delete=models.PROTECT
    )
    file = models.OneToOneField(StoredFile, on_delete=models.PROTECT, related_name="invoice")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    state = StateField(
        default=InvoiceState.RECEIVED, choices=InvoiceState.choices, protected=True, db_index=True
    )

    # Filled by validation from the normalised invoice
    format = models.CharField(max_length=8, blank=True)
    document_type = models.CharField(max_length=16, blank=True)
    invoice_number = models.CharField(max_length=64, blank=True, db_index=True)
    invoice_code = models.CharField(max_length=32, blank=True)
    issue_date = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    seller_name = models.CharField(max_length=300, blank=True)
    seller_tax_id = models.CharField(max_length=32, blank=True)
    buyer_name = models.CharField(max_length=300, blank=True)
    buyer_tax_id = models.CharField(max_length=32, blank=True)
    net_amount = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    tax_amount = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    gross_amount = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    payable_amount = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    corrects_number = models.CharField(max_length=64, blank=True)
    corrects_code = models.CharField(max_length=32, blank=True)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes"
    )
    po_references = models.JSONField(default=list, blank=True)
    signature_status = models.CharField(
        max_length=16, blank=True
    )  # unsigned|valid|tampered|invalid|unverified
    signature_signer = models.CharField(max_length=300, blank=True)
    signature_detail = models.CharField(max_length=500, blank=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    # seller tax id | invoice code | number, set once validated: one live invoice per key
    duplicate_key = models.CharField(max_length=140, null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["po_references"])

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [  # the invoice lists: everyone's newest first, and one supplier's
            models.Index(fields=["-created_at", "-id"], name="invoice_newest_first"),
            models.Index(fields=["supplier", "-created_at", "-id"], name="invoice_supplier_newest"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["duplicate_key"],
                condition=Q(duplicate_key__isnull=False),
                name="invoice_unique_live_key",
            ),
        ]

    def __str__(self) -> str:
        return self.invoice_number or f"invoice #{self.pk}"

    # codes of the file's facts in the reader's language (pages; the API keeps the codes)
    @property
    def document_type_label(self):
        return DOCUMENT_TYPE_LABELS.get(self.document_type, self.document_type)

    @property
    def signature_status_label(self):
        return SIGNATURE_STATUS_LABELS.get(self.signature_status, self.signature_status)

    @property
    def is_unchecked(self) -> bool:
        """Waiting for (or in) validation: the file has not been read yet."""
        return self.state in UNCHECKED_STATES

    @property
    def is_credit_note(self) -> bool:
        return self.document_type == "credit_note"

    @transition(field=state, source=InvoiceState.RECEIVED, target=InvoiceState.VALIDATING)
    def start_validation(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=InvoiceState.VALIDATING, target=InvoiceState.VALIDATED)
    def pass_validation(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=InvoiceState.VALIDATING, target=InvoiceState.REJECTED)
    def fail_validation(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=[InvoiceState.RECEIVED, InvoiceState.VALIDATED, InvoiceState.EXCEPTION],
        target=InvoiceState.CANCELLED,
        permission=is_internal,
    )
    def cancel(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=InvoiceState.VALIDATED, target=InvoiceState.MATCHED)
    def match(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=InvoiceState.VALIDATED, target=InvoiceState.EXCEPTION)
    def raise_exception(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=[InvoiceState.MATCHED, InvoiceState.EXCEPTION],
        target=InvoiceState.APPROVED,
        permission=is_finance,
    )
    def approve(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=InvoiceState.EXCEPTION,
        target=InvoiceState.REJECTED,
        permission=is_finance,
    )
    def reject_match(self, *, by=None, reason=""):
        """Finance sends an invoice whose match failed back to the supplier."""

    @transition(
        field=state,
        source=[InvoiceState.MATCHED, InvoiceState.EXCEPTION, InvoiceState.APPROVED],
        target=InvoiceState.VALIDATED,
    )
    def reopen_match(self, *, by=None, reason=""):
        """Back to validated so it is matched again (a late receipt, a stale result)."""

    @transition(field=state, source=InvoiceState.APPROVED, target=InvoiceState.SCHEDULED)
    def schedule(self, *, by=None, reason=""):
        """Put into a settlement statement."""

    @transition(field=state, source=InvoiceState.SCHEDULED, target=InvoiceState.APPROVED)
    def unschedule(self, *, by=None, reason=""):
        """Taken out of a statement again (removed, or the statement was withdrawn)."""

    @transition(field=state, source=[InvoiceState.SCHEDULED, InvoiceState.APPROVED], target=InvoiceState.PAID)
    def pay(self, *, by=None, reason=""):
        """Paid with its statement (scheduled) or on its own in a payment run (approved)."""

    @transition(
        field=state,
        source=[InvoiceState.MATCHED, InvoiceState.EXCEPTION, InvoiceState.APPROVED],
        target=InvoiceState.CREDITED,
    )
    def credit(self, *, by=None, reason=""):
        """Fully reversed by credit notes: nothing left to pay."""


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField()
    name = models.CharField(max_length=300)
    item_code = models.CharField(max_length=64, blank=True)
    quantity = models.DecimalField(max_digits=24, decimal_places=6, null=True)
    unit = models.CharField(max_length=20, blank=True)
    unit_price = models.DecimalField(max_digits=24, decimal_places=8, null=True)
    net = models.DecimalField(max_digits=18, decimal_places=2)
    tax_rate = models.DecimalField(max_digits=6, decimal_places=4, null=True)
    tax = models.DecimalField(max_digits=18, decimal_places=2)
    po_reference = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["invoice", "line_no"]
        constraints = [models.UniqueConstraint(fields=["invoice", "line_no"], name="invoice_line_unique_no")]

    def __str__(self) -> str:
        return f"{self.invoice_id}/{self.line_no} {self.name}"


class ValidationIssue(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="issues")
    code = models.CharField(max_length=40)
    severity = models.CharField(max_length=8)
    message = models.TextField()  # English, as found
    # the same as a core.texts code with parameters: how the finding reads in any language
    text = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["invoice", "-severity", "id"]

    def __str__(self) -> str:
        return f"{self.severity} {self.code}"

    @property
    def severity_label(self):
        return {"error": _("Error"), "warning": _("Warning")}.get(self.severity, self.severity)

    @property
    def display(self) -> str:
        """The finding in the reader's language (the stored English where it has no code)."""
        from core.texts import render_value

        if not self.text:
            return self.message
        return render_value({"fallback": self.message, **self.text})


class UploadRefusal(models.Model):
    """A refused upload: who, what (hash and size only — the bytes are not kept) and why."""

    supplier = models.ForeignKey(
        "suppliers.Supplier", on_delete=models.CASCADE, related_name="upload_refusals"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    original_name = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    code = models.CharField(max_length=40)
    message = models.TextField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.original_name}: {self.code}"


class IdempotencyKey(models.Model):
    """API uploads: the same key from the same user returns the first result."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key")]

    def __str__(self) -> str:
        return self.key


from .tax_models import (  # noqa: E402,F401 - China tax steps (issue 21): models of this app
    InputVatTransfer,
    InvoiceTax,
    RedLetterRequest,
)
