"""Settlement models: matching.

* :class:`TolerancePolicy` – tolerance limits as data, effective-dated and scoped (global → legal
  entity → supplier → item category). Rows are never edited: a change is a new version (a new row
  with the same ``code``), so every match result can name the exact rules it used.
* :class:`MatchResult` – one run of the matching engine for one invoice: verdict, input hash,
  policy version, engine version and the full explanation. One result per invoice is current.
* :class:`MatchAllocation` – the current result's allocations (invoice line → PO line → receipt
  line), the "already invoiced" input of later matches. Credit notes' allocations are negative.
* :class:`ExceptionCase` – an invoice on finance's exception desk, with its own small state
  machine (open → awaiting credit note → resolved).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, transition

from core.fsm import StateField
from core.permissions import is_finance

__all__ = [
    "CaseResolution",
    "CaseState",
    "ExceptionCase",
    "MatchAllocation",
    "MatchResult",
    "MatchVerdict",
    "TolerancePolicy",
]


def _limit(label, default: str | None):
    """A percent or absolute limit field; empty (None) switches that half of the check off."""
    return models.DecimalField(
        label,
        max_digits=18,
        decimal_places=6,
        null=True,
        blank=True,
        default=None if default is None else Decimal(default),
        help_text=_("Empty: no limit on this side."),
    )


class TolerancePolicy(models.Model):
    """One version of a tolerance policy. ``code`` names the policy across its versions.

    Percent limits are percentages (``2`` = 2 %); absolute limits are money for unit price, line
    amount and invoice total and units of the item for quantity. A difference is within a limit only
    if it is within both halves (see ``settlement/matching/tolerance.py``); ``lower`` is for an
    invoice below what was expected, ``upper`` for one above it.
    """

    code = models.SlugField(_("code"), max_length=60, help_text=_("Names the policy across its versions."))
    version = models.PositiveIntegerField(_("version"), default=1)
    description = models.CharField(_("description"), max_length=200, blank=True)
    legal_entity = models.ForeignKey(
        "procurement.LegalEntity", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    supplier = models.ForeignKey(
        "suppliers.Supplier", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    item_category = models.CharField(_("item category"), max_length=60, blank=True)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)

    unit_price_lower_percent = _limit(_("unit price: lower %"), "10")
    unit_price_lower_absolute = _limit(_("unit price: lower amount"), "500")
    unit_price_upper_percent = _limit(_("unit price: upper %"), "2")
    unit_price_upper_absolute = _limit(_("unit price: upper amount"), "50")
    quantity_lower_percent = _limit(_("quantity: lower %"), "0")
    quantity_lower_absolute = _limit(_("quantity: lower units"), "0")
    quantity_upper_percent = _limit(_("quantity: upper %"), "0")
    quantity_upper_absolute = _limit(_("quantity: upper units"), "0")
    line_amount_lower_percent = _limit(_("line amount: lower %"), "10")
    line_amount_lower_absolute = _limit(_("line amount: lower amount"), "500")
    line_amount_upper_percent = _limit(_("line amount: upper %"), "2")
    line_amount_upper_absolute = _limit(_("line amount: upper amount"), "50")
    invoice_total_lower_percent = _limit(_("invoice total: lower %"), "10")
    invoice_total_lower_absolute = _limit(_("invoice total: lower amount"), "1000")
    invoice_total_upper_percent = _limit(_("invoice total: upper %"), "2")
    invoice_total_upper_absolute = _limit(_("invoice total: upper amount"), "100")
    tax_rounding_per_line = models.DecimalField(
        _("tax rounding allowance per line"), max_digits=10, decimal_places=2, default=Decimal("0.01")
    )
    tax_rounding_per_invoice = models.DecimalField(
        _("tax rounding allowance per invoice"), max_digits=10, decimal_places=2, default=Decimal("0.06")
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    change_reason = models.CharField(_("reason for this version"), max_length=300, blank=True)

    MEASURES = ("unit_price", "quantity", "line_amount", "invoice_total")

    class Meta:
        ordering = ["code", "-version"]
        verbose_name_plural = "tolerance policies"
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="tolerance_policy_unique_version"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="tolerance_policy_dates_in_order",
            ),
            models.CheckConstraint(
                condition=Q(tax_rounding_per_line__gte=0, tax_rounding_per_invoice__gte=0),
                name="tolerance_policy_rounding_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """How results and reasons name this version, e.g. ``global v2``."""
        return f"{self.code} v{self.version}"

    @property
    def scope_display(self) -> str:
        parts = []
        if self.legal_entity_id:
            parts.append(f"legal entity {self.legal_entity}")
        if self.supplier_id:
            parts.append(f"supplier {self.supplier}")
        if self.item_category:
            parts.append(f"category {self.item_category}")
        return ", ".join(parts) or "global"


class MatchVerdict(models.TextChoices):
    MATCHED = "matched", _("Matched")
    MATCHED_WITHIN_TOLERANCE = "matched_within_tolerance", _("Matched within tolerance")
    EXCEPTION = "exception", _("Exception")


class MatchResult(models.Model):
    """One matching run of one invoice (or credit note)."""

    invoice = models.ForeignKey("invoicing.Invoice", on_delete=models.CASCADE, related_name="match_results")
    verdict = models.CharField(max_length=32, choices=MatchVerdict.choices)
    input_hash = models.CharField(max_length=64)
    policy = models.ForeignKey(TolerancePolicy, on_delete=models.PROTECT, related_name="results")
    policy_version = models.CharField(max_length=80)  # the label, e.g. "global v1"
    engine_version = models.CharField(max_length=20)
    explanation = models.JSONField()  # the engine's MatchResult as JSON, plus display labels
    # what it was decided on: the engine's inputs as a reconcile_scenario file (exact replay)
    inputs = models.JSONField(null=True, blank=True)
    summary = models.TextField(blank=True)  # the first reasons that decided an exception
    purchase_orders = models.ManyToManyField("procurement.PurchaseOrder", related_name="+", blank=True)
    is_current = models.BooleanField(default=True)
    is_stale = models.BooleanField(default=False)
    stale_since = models.DateTimeField(null=True, blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice"], condition=Q(is_current=True), name="match_result_one_current_per_invoice"
            ),
        ]
        indexes = [models.Index(fields=["is_current", "is_stale"])]

    def __str__(self) -> str:
        return f"match of invoice {self.invoice_id}: {self.verdict} ({self.policy_version})"

    @property
    def is_exception(self) -> bool:
        return self.verdict == MatchVerdict.EXCEPTION

    @property
    def summary_words(self) -> str:
        """The exception reasons in the reader's language (``summary`` keeps the English)."""
        from ..selectors.matching import summary_words

        return summary_words(self)


class MatchAllocation(models.Model):
    """Quantity of an invoice line set against a receipt line (or, two-way, against the PO line)."""

    result = models.ForeignKey(MatchResult, on_delete=models.CASCADE, related_name="allocations")
    invoice = models.ForeignKey("invoicing.Invoice", on_delete=models.CASCADE, related_name="+")
    invoice_line = models.ForeignKey("invoicing.InvoiceLine", on_delete=models.CASCADE, related_name="+")
    po_line = models.ForeignKey(
        "procurement.PurchaseOrderLine", on_delete=models.PROTECT, related_name="match_allocations"
    )
    receipt_line = models.ForeignKey(
        "procurement.GoodsReceiptLine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="match_allocations",
    )
    quantity = models.DecimalField(max_digits=18, decimal_places=6)  # negative for credit notes
    original_invoice = models.ForeignKey(
        "invoicing.Invoice", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ["result", "id"]
        indexes = [models.Index(fields=["po_line", "invoice"])]

    def __str__(self) -> str:
        return f"{self.invoice_line_id} → {self.po_line_id}/{self.receipt_line_id}: {self.quantity}"


class CaseState(models.TextChoices):
    OPEN = "open", _("Open")
    AWAITING_CREDIT_NOTE = "awaiting_credit_note", _("Awaiting credit note")
    RESOLVED = "resolved", _("Resolved")


OPEN_CASE_STATES = [CaseState.OPEN, CaseState.AWAITING_CREDIT_NOTE]


class CaseResolution(models.TextChoices):
    ACCEPTED = "accepted", _("Variance accepted")
    REJECTED = "rejected", _("Rejected to the supplier")
    REMATCHED = "rematched", _("Matched again")
    CREDITED = "credited", _("Fully credited")
    CLOSED = "closed", _("Closed (invoice left the desk)")


class ExceptionCase(ConcurrentTransitionMixin, models.Model):
    """An invoice whose match needs a person, from the exception until it is resolved."""

    invoice = models.ForeignKey("invoicing.Invoice", on_delete=models.CASCADE, related_name="exception_cases")
    result = models.ForeignKey(MatchResult, on_delete=models.PROTECT, related_name="+")
    state = StateField(default=CaseState.OPEN, choices=CaseState.choices, protected=True, db_index=True)
    primary_reason = models.CharField(max_length=60, blank=True, db_index=True)  # first exception code
    opened_at = models.DateTimeField(default=timezone.now, db_index=True)
    credit_note_request = models.TextField(blank=True)  # finance's message to the supplier
    resolution = models.CharField(max_length=16, choices=CaseResolution.choices, blank=True)
    resolution_reason = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["opened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice"],
                condition=Q(state__in=["open", "awaiting_credit_note"]),
                name="exception_case_one_open_per_invoice",
            ),
        ]

    def __str__(self) -> str:
        return f"exception case {self.pk} of invoice {self.invoice_id} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_CASE_STATES

    def days_open(self, today=None) -> int:
        """Whole days from opening until resolution (or ``today``)."""
        return days_open(self.opened_at, self.resolved_at, today)

    @transition(
        field=state, source=CaseState.OPEN, target=CaseState.AWAITING_CREDIT_NOTE, permission=is_finance
    )
    def request_credit_note(self, *, by=None, reason=""):
        """Finance asks the supplier for a credit note (红字发票)."""

    @transition(field=state, source=CaseState.AWAITING_CREDIT_NOTE, target=CaseState.OPEN)
    def credit_note_received(self, *, by=None, reason=""):
        """A credit note came and was matched, but the invoice is still an exception."""

    @transition(field=state, source=OPEN_CASE_STATES, target=CaseState.RESOLVED)
    def resolve(self, *, by=None, reason=""):
        pass


def days_open(opened_at, resolved_at=None, today=None) -> int:
    """Whole days a case was open: from ``opened_at`` until ``resolved_at`` (or ``today``)."""
    end = timezone.localdate(resolved_at) if resolved_at else (today or timezone.localdate())
    return (end - timezone.localdate(opened_at)).days
