from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, transition
from simple_history.models import HistoricalRecords

from core.fsm import StateField
from core.models import Role
from core.money import q2
from core.permissions import is_buyer, is_internal, is_supplier_user
from suppliers.validators import validate_uscc

from .fields import StoredDecimalField


class TaxRate(models.TextChoices):
    """VAT rates as Decimal strings; "exempt" has no rate."""

    R13 = "0.13", "13%"
    R9 = "0.09", "9%"
    R6 = "0.06", "6%"
    R3 = "0.03", "3%"
    R1 = "0.01", "1%"
    ZERO = "0.00", "0%"
    EXEMPT = "exempt", _("Exempt")

    @classmethod
    def as_decimal(cls, value: str) -> Decimal | None:
        return None if value == cls.EXEMPT else Decimal(value)


class LegalEntity(models.Model):
    """A company of the buyer organisation (the invoice's buyer)."""

    name = models.CharField(_("name"), max_length=200)
    tax_id = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc]
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    default_currency = models.CharField(max_length=3, default="CNY")
    over_receipt_tolerance = models.DecimalField(
        _("over-receipt tolerance"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0"),
        help_text=_("Fraction of a PO line's quantity that may be received beyond it, e.g. 0.05 = 5%."),
    )
    xrechnung_rules = models.BooleanField(
        _("require XRechnung"),
        default=False,
        help_text=_(
            "Also check the XRechnung rules (BR-DE-*, the German CIUS of EN 16931) on UBL, CII and "
            "Factur-X invoices addressed to this entity, and refuse invoices that break them."
        ),
    )
    early_rfq_close_needs_second_buyer = models.BooleanField(
        _("early RFQ close needs a second buyer"),
        default=False,
        help_text=_(
            "On: closing an RFQ before its deadline (which opens the sealed quotes) is asked by one buyer "
            "with a reason and done only when another buyer confirms it."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "legal entities"

    def __str__(self) -> str:
        return self.name


class ItemCategory(models.Model):
    """A category of the item master, known to people by its name (shown in the catalog)."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("item category")
        verbose_name_plural = _("item categories")

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A unit of measure items are bought in: a short code on documents (EA, PK, H) and a name."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("unit of measure")
        verbose_name_plural = _("units of measure")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Item(models.Model):
    """The item master. ``category`` holds an :class:`ItemCategory` name and ``unit`` a
    :class:`Unit` code (checked by the item services and forms)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20, default="EA")
    default_tax_rate = models.CharField(
        _("default tax rate"), max_length=8, choices=TaxRate.choices, default=TaxRate.R13
    )
    category = models.CharField(_("category"), max_length=60, blank=True, db_index=True)
    is_service = models.BooleanField(_("service (no goods receipt)"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


# --------------------------------------------------------------------------------------------
# Purchase orders
# --------------------------------------------------------------------------------------------


class DocumentSequence(models.Model):
    """Gap-tolerant yearly counters for human-readable numbers (PO-2026-000123)."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="uniq_sequence_prefix_year")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


# Roles that can approve purchase orders (a rule naming any other role could never be met).
APPROVER_ROLES = [(Role.BUYER.value, Role.BUYER.label), (Role.FINANCE.value, Role.FINANCE.label)]


class ApprovalRule(models.Model):
    """Per legal entity: a PO whose net total is at least ``min_amount`` needs
    ``approvers_required`` distinct approvers of ``role`` (the highest matching threshold wins)."""

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.CASCADE, related_name="approval_rules")
    min_amount = models.DecimalField(_("from amount"), max_digits=18, decimal_places=2, default=0)
    role = models.CharField(_("approver role"), max_length=16, choices=APPROVER_ROLES, default=Role.BUYER)
    approvers_required = models.PositiveSmallIntegerField(_("approvers required"), default=1)
    history = HistoricalRecords()  # who changed a rule, and what it was before (the rules page)

    class Meta:
        ordering = ["legal_entity", "min_amount"]
        constraints = [
            models.UniqueConstraint(fields=["legal_entity", "min_amount"], name="uniq_rule_entity_threshold"),
            models.CheckConstraint(
                condition=models.Q(min_amount__gte=0), name="rule_min_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(approvers_required__gte=1), name="rule_needs_an_approver"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.legal_entity} ≥ {self.min_amount}: {self.approvers_required} × {self.role}"


class POState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_APPROVAL = "pending_approval", _("Pending approval")
    APPROVED = "approved", _("Approved")
    SENT = "sent", _("Sent to supplier")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    REJECTED = "rejected", _("Rejected by supplier")
    PARTIALLY_RECEIVED = "partially_received", _("Partially received")
    RECEIVED = "received", _("Received")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


# States a supplier user may see (drafts and internal approval are the buyer's business).
PO_SUPPLIER_VISIBLE = [
    POState.SENT,
    POState.ACKNOWLEDGED,
    POState.REJECTED,
    POState.PARTIALLY_RECEIVED,
    POState.RECEIVED,
    POState.CLOSED,
    POState.CANCELLED,
]
PO_CANCELLABLE = [
    POState.DRAFT,
    POState.PENDING_APPROVAL,
    POState.APPROVED,
    POState.SENT,
    POState.ACKNOWLEDGED,
    POState.REJECTED,
]
PO_REVISABLE = [POState.APPROVED, POState.SENT, POState.ACKNOWLEDGED, POState.REJECTED]
PO_RECEIVABLE = [POState.ACKNOWLEDGED, POState.PARTIALLY_RECEIVED, POState.RECEIVED]


class PurchaseOrder(ConcurrentTransitionMixin, models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True)
    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="purchase_orders")
    supplier = models.ForeignKey(
        "suppliers.Supplier", on_delete=models.PROTECT, related_name="purchase_orders"
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Who wrote the current revision (created, converted from requisitions or revised it): neither
    # they nor the requester may approve it (four eyes). Empty on POs from before this field.
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = StateField(default=POState.DRAFT, choices=POState.choices, protected=True)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    rfq = models.ForeignKey(
        "procurement.RFQ", null=True, blank=True, on_delete=models.PROTECT, related_name="purchase_orders"
    )
    notes = models.TextField(_("notes"), blank=True)
    # Printed on the PO (PDF) for the supplier: where to deliver (default: the legal entity's
    # address) and when and how the buyer pays.
    delivery_address = models.CharField(_("delivery address"), max_length=300, blank=True)
    payment_terms = models.CharField(_("payment terms"), max_length=200, blank=True)
    # Overrides the contract's and the supplier's payment terms for this order's invoices.
    payment_term = models.ForeignKey(
        "suppliers.PaymentTerm",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("payment term"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["-created_at", "-id"], name="po_newest_first")]  # the PO list

    def __str__(self) -> str:
        return self.number

    def wrote(self, user) -> bool:
        """``user`` asked for or wrote the current revision, so may not approve it (four eyes)."""
        return user is not None and user.pk in (self.requester_id, self.prepared_by_id)

    @property
    def net_total(self) -> Decimal:
        return q2(sum((line.net_amount for line in self.lines.all()), Decimal("0")))

    @property
    def tax_total(self) -> Decimal:
        return q2(sum((line.tax_amount for line in self.lines.all()), Decimal("0")))

    @property
    def gross_total(self) -> Decimal:
        return self.net_total + self.tax_total

    # Transitions only change state; services lock, check and save.
    @transition(field=state, source=POState.DRAFT, target=POState.PENDING_APPROVAL, permission=is_buyer)
    def submit(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=POState.PENDING_APPROVAL, target=POState.APPROVED, permission=is_internal)
    def approve(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=POState.PENDING_APPROVAL, target=POState.DRAFT, permission=is_internal)
    def decline(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=POState.APPROVED, target=POState.SENT, permission=is_buyer)
    def send(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=POState.SENT, target=POState.ACKNOWLEDGED, permission=is_supplier_user)
    def acknowledge(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=POState.SENT, target=POState.REJECTED, permission=is_supplier_user)
    def reject(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=PO_REVISABLE, target=POState.PENDING_APPROVAL, permission=is_buyer)
    def revise(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=[POState.ACKNOWLEDGED, POState.RECEIVED],
        target=POState.PARTIALLY_RECEIVED,
        permission=is_internal,
    )
    def receive_partially(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=[POState.ACKNOWLEDGED, POState.PARTIALLY_RECEIVED],
        target=POState.RECEIVED,
        permission=is_internal,
    )
    def receive_fully(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=[POState.PARTIALLY_RECEIVED, POState.RECEIVED],
        target=POState.CLOSED,
        permission=is_buyer,
    )
    def close(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=PO_CANCELLABLE, target=POState.CANCELLED, permission=is_buyer)
    def cancel(self, *, by=None, reason=""):
        pass


class PurchaseOrderLine(models.Model):
    po = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line"))
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="po_lines")
    description = models.CharField(_("description"), max_length=300, blank=True)
    quantity = StoredDecimalField(_("quantity"), max_digits=18, decimal_places=6)
    unit = models.CharField(_("unit"), max_length=20)
    unit_price = StoredDecimalField(_("unit price"), max_digits=18, decimal_places=6)
    tax_rate = StoredDecimalField(
        _("tax rate"), max_digits=5, decimal_places=4, null=True, blank=True, help_text=_("empty = exempt")
    )
    contract_price = StoredDecimalField(
        _("contract price"), max_digits=18, decimal_places=6, null=True, blank=True
    )
    contract_line_ref = models.CharField(_("contract price line"), max_length=64, blank=True)
    # how much of the price agreement this line holds now: set on approval (each revision takes
    # or gives back only the difference), given back on cancel
    contract_consumed_qty = StoredDecimalField(
        _("quantity taken from the contract"), max_digits=18, decimal_places=6, default=0
    )
    required_date = models.DateField(_("required date"), null=True, blank=True)
    promised_date = models.DateField(_("promised date"), null=True, blank=True)
    received_qty = StoredDecimalField(_("received quantity"), max_digits=18, decimal_places=6, default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["po", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["po", "line_no"], name="uniq_po_line_no"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="po_line_quantity_positive"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="po_line_price_not_negative"),
            models.CheckConstraint(
                condition=models.Q(tax_rate__isnull=True) | models.Q(tax_rate__gte=0, tax_rate__lt=1),
                name="po_line_tax_rate_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.po_id}/{self.line_no} {self.item_id} × {self.quantity}"

    @property
    def net_amount(self) -> Decimal:
        return q2(Decimal(self.quantity) * Decimal(self.unit_price))

    @property
    def tax_amount(self) -> Decimal:
        return q2(self.net_amount * self.tax_rate) if self.tax_rate is not None else Decimal("0.00")

    @property
    def price_above_contract(self) -> bool:
        return self.contract_price is not None and self.unit_price > self.contract_price

    @property
    def open_qty(self) -> Decimal:
        return max(Decimal(self.quantity) - Decimal(self.received_qty), Decimal("0"))


class PurchaseOrderApproval(models.Model):
    """One approver's approval of one revision of a PO."""

    po = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="approvals")
    revision = models.PositiveIntegerField()
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["po", "revision", "approver"], name="uniq_po_revision_approver")
        ]

    def __str__(self) -> str:
        return f"{self.po_id} rev {self.revision} by {self.approver_id}"


class PurchaseOrderRevision(models.Model):
    """A frozen copy of an earlier revision (header and lines) kept when a PO is revised."""

    po = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField()
    snapshot = models.JSONField()
    reason = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["po", "revision"]
        constraints = [models.UniqueConstraint(fields=["po", "revision"], name="uniq_po_revision_snapshot")]

    def __str__(self) -> str:
        return f"{self.po_id} rev {self.revision}"


class ShippingNotice(models.Model):
    """An advance shipping notice from the supplier."""

    po = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="shipping_notices")
    shipped_on = models.DateField(_("shipped on"))
    expected_on = models.DateField(_("expected on"), null=True, blank=True)
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_no = models.CharField(_("tracking number"), max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"ASN {self.pk} for {self.po_id}"


class ShippingNoticeLine(models.Model):
    notice = models.ForeignKey(ShippingNotice, on_delete=models.CASCADE, related_name="lines")
    po_line = models.ForeignKey(PurchaseOrderLine, on_delete=models.PROTECT, related_name="+")
    quantity = StoredDecimalField(max_digits=18, decimal_places=6)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="asn_quantity_positive")
        ]

    def __str__(self) -> str:
        return f"{self.po_line_id} × {self.quantity}"


class ChangeProposalState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("change proposal", "Waiting for the buyer")
    ACCEPTED = "accepted", pgettext_lazy("change proposal", "Accepted")
    DECLINED = "declined", pgettext_lazy("change proposal", "Declined")


class POChangeProposal(ConcurrentTransitionMixin, models.Model):
    """A supplier's proposal to change lines of a sent or acknowledged PO (quantity, unit price,
    promised date), with a reason. The buyer accepts it (the changes become a new revision of the
    PO) or declines it with a reason."""

    po = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="change_proposals")
    revision = models.PositiveIntegerField(_("revision"))  # the PO revision it was made against
    state = StateField(
        default=ChangeProposalState.PENDING, choices=ChangeProposalState.choices, protected=True
    )
    reason = models.TextField(_("reason"))
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    resulting_revision = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["proposed_at", "id"]
        verbose_name = _("change proposal")

    def __str__(self) -> str:
        return f"change proposal {self.pk} for {self.po_id}"

    @transition(
        field=state,
        source=ChangeProposalState.PENDING,
        target=ChangeProposalState.ACCEPTED,
        permission=is_buyer,
    )
    def accept(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=ChangeProposalState.PENDING,
        target=ChangeProposalState.DECLINED,
        permission=is_buyer,
    )
    def decline(self, *, by=None, reason=""):
        pass


class POChangeProposalLine(models.Model):
    """What the supplier proposes for one line; an empty field means "no change"."""

    proposal = models.ForeignKey(POChangeProposal, on_delete=models.CASCADE, related_name="lines")
    po_line = models.ForeignKey(PurchaseOrderLine, on_delete=models.CASCADE, related_name="+")
    quantity = StoredDecimalField(_("quantity"), max_digits=18, decimal_places=6, null=True, blank=True)
    unit_price = StoredDecimalField(_("unit price"), max_digits=18, decimal_places=6, null=True, blank=True)
    promised_date = models.DateField(_("promised date"), null=True, blank=True)
    # the line as it was when proposed, to show "from → to"
    old_quantity = StoredDecimalField(max_digits=18, decimal_places=6)
    old_unit_price = StoredDecimalField(max_digits=18, decimal_places=6)
    old_promised_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["proposal", "po_line__line_no"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "po_line"], name="uniq_change_proposal_line"),
            models.CheckConstraint(
                condition=models.Q(quantity__isnull=True) | models.Q(quantity__gt=0),
                name="change_proposal_quantity_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price__isnull=True) | models.Q(unit_price__gte=0),
                name="change_proposal_price_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}/{self.po_line_id}"


class ReceiptKind(models.TextChoices):
    RECEIPT = "receipt", _("Goods receipt")
    RETURN = "return", _("Return to supplier")


class GoodsReceipt(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True)
    po = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="receipts")
    kind = models.CharField(max_length=8, choices=ReceiptKind.choices, default=ReceiptKind.RECEIPT)
    receipt_date = models.DateField(_("receipt date"))
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["receipt_date", "id"]
        indexes = [models.Index(fields=["receipt_date", "id"], name="receipt_by_date")]  # the receipt list

    def __str__(self) -> str:
        return self.number


class GoodsReceiptLine(models.Model):
    """Accepted goods count as received; rejected ones go straight back at the dock; a return
    (a receipt of kind ``return``) sends accepted goods back later and lowers the received quantity."""

    receipt = models.ForeignKey(GoodsReceipt, on_delete=models.CASCADE, related_name="lines")
    po_line = models.ForeignKey(PurchaseOrderLine, on_delete=models.PROTECT, related_name="receipt_lines")
    accepted_qty = StoredDecimalField(max_digits=18, decimal_places=6, default=0)
    rejected_qty = StoredDecimalField(max_digits=18, decimal_places=6, default=0)
    returned_qty = StoredDecimalField(max_digits=18, decimal_places=6, default=0)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["receipt", "po_line__line_no"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(accepted_qty__gte=0, rejected_qty__gte=0, returned_qty__gte=0),
                name="receipt_quantities_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_qty__gt=0)
                | models.Q(rejected_qty__gt=0)
                | models.Q(returned_qty__gt=0),
                name="receipt_line_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_id}/{self.po_line_id}"

    @property
    def net_received(self) -> Decimal:
        return Decimal(self.accepted_qty) - Decimal(self.returned_qty)


# --------------------------------------------------------------------------------------------
# Sourcing: RFQ, sealed quotes, award
# --------------------------------------------------------------------------------------------


class RFQState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed (quotes opened)")
    AWARDED = "awarded", _("Awarded")
    CANCELLED = "cancelled", _("Cancelled")


RFQ_OPENED = [RFQState.CLOSED, RFQState.AWARDED]


class RFQ(ConcurrentTransitionMixin, models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="rfqs")
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    state = StateField(default=RFQState.DRAFT, choices=RFQState.choices, protected=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # An early close asked by one buyer, waiting for a second (LegalEntity.early_rfq_close_needs_second_buyer)
    early_close_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    early_close_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["-created_at", "-id"], name="rfq_newest_first")]  # the RFQ list
        verbose_name = "RFQ"

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_opened(self) -> bool:
        return self.state in RFQ_OPENED

    @transition(field=state, source=RFQState.DRAFT, target=RFQState.PUBLISHED, permission=is_buyer)
    def publish(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=RFQState.PUBLISHED, target=RFQState.CLOSED)
    def close(self, *, by=None, reason=""):
        """Also run by the scheduler at the deadline (``by=None``), so no role permission."""

    @transition(field=state, source=RFQState.CLOSED, target=RFQState.AWARDED, permission=is_buyer)
    def award(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=[RFQState.DRAFT, RFQState.PUBLISHED, RFQState.CLOSED],
        target=RFQState.CANCELLED,
        permission=is_buyer,
    )
    def cancel(self, *, by=None, reason=""):
        pass


class RFQLine(models.Model):
    rfq = models.ForeignKey(RFQ, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField()
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=300, blank=True)
    quantity = models.DecimalField(max_digits=18, decimal_places=6)
    required_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["rfq", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["rfq", "line_no"], name="uniq_rfq_line_no"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="rfq_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.rfq_id}/{self.line_no} {self.item_id} × {self.quantity}"


class RFQInvitation(models.Model):
    rfq = models.ForeignKey(RFQ, on_delete=models.CASCADE, related_name="invitations")
    supplier = models.ForeignKey(
        "suppliers.Supplier", on_delete=models.PROTECT, related_name="rfq_invitations"
    )
    invited_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rfq", "supplier"], name="uniq_rfq_invitation")]

    def __str__(self) -> str:
        return f"{self.rfq_id} → {self.supplier_id}"


class Quote(models.Model):
    """One supplier's quote for one RFQ; each submission or revision is a QuoteVersion."""

    rfq = models.ForeignKey(RFQ, on_delete=models.CASCADE, related_name="quotes")
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="quotes")
    current_version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["rfq", "supplier__name"]
        constraints = [models.UniqueConstraint(fields=["rfq", "supplier"], name="uniq_quote_rfq_supplier")]

    def __str__(self) -> str:
        return f"quote {self.rfq_id}/{self.supplier_id} v{self.current_version}"


class Integrity(models.TextChoices):
    UNCHECKED = "unchecked", _("Not yet checked")
    OK = "ok", _("Hash verified")
    MISMATCH = "mismatch", _("Hash MISMATCH")


class QuoteVersion(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    lead_time_days = models.PositiveIntegerField(_("lead time (days)"))
    valid_until = models.DateField(_("valid until"))
    note = models.TextField(_("note"), blank=True)
    # Random, never shown: part of the hashed content so the hash of a sealed quote cannot be
    # used to guess its (low-entropy) prices. Empty on versions stored before it existed.
    salt = models.CharField(max_length=32, blank=True, editable=False)
    sha256 = models.CharField(max_length=64)
    integrity = models.CharField(max_length=10, choices=Integrity.choices, default=Integrity.UNCHECKED)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["quote", "version"]
        constraints = [models.UniqueConstraint(fields=["quote", "version"], name="uniq_quote_version")]

    def __str__(self) -> str:
        return f"quote {self.quote_id} v{self.version}"


class QuoteLine(models.Model):
    version = models.ForeignKey(QuoteVersion, on_delete=models.CASCADE, related_name="lines")
    rfq_line = models.ForeignKey(RFQLine, on_delete=models.CASCADE, related_name="quote_lines")
    unit_price = models.DecimalField(max_digits=18, decimal_places=6)

    class Meta:
        ordering = ["version", "rfq_line__line_no"]
        constraints = [
            models.UniqueConstraint(fields=["version", "rfq_line"], name="uniq_quote_line"),
            models.CheckConstraint(condition=models.Q(unit_price__gt=0), name="quote_price_positive"),
        ]

    def __str__(self) -> str:
        return f"quote line {self.pk} (v {self.version_id}, RFQ line {self.rfq_line_id})"  # never the price


def _quote_upload_to(instance, filename):
    return f"quotes/{instance.sha256[:2]}/{instance.sha256}"


class QuoteAttachment(models.Model):
    """A file of one quote version (a revision carries the kept files over as new rows pointing
    at the same stored file). Sealed like the prices: buyers see it only once the RFQ is closed."""

    version = models.ForeignKey(QuoteVersion, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100, default="application/octet-stream")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    file = models.FileField(upload_to=_quote_upload_to)

    class Meta:
        ordering = ["version", "id"]

    def __str__(self) -> str:
        return self.name


class AwardLine(models.Model):
    """The decision for one RFQ line: which quote line won, why (when not the lowest), which PO line."""

    rfq_line = models.OneToOneField(RFQLine, on_delete=models.CASCADE, related_name="award")
    quote_line = models.ForeignKey(QuoteLine, on_delete=models.PROTECT, related_name="+")
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="+")
    unit_price = models.DecimalField(max_digits=18, decimal_places=6)
    was_lowest = models.BooleanField()
    reason = models.TextField(blank=True)
    po_line = models.ForeignKey(PurchaseOrderLine, null=True, on_delete=models.SET_NULL, related_name="+")
    awarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    awarded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"award of RFQ line {self.rfq_line_id} to {self.supplier_id}"


class QuoteNoBid(models.Model):
    """A line of a quote version the supplier declines to quote (no-bid), with an optional reason.
    Part of the version's hashed content like its prices."""

    version = models.ForeignKey(QuoteVersion, on_delete=models.CASCADE, related_name="no_bids")
    rfq_line = models.ForeignKey(RFQLine, on_delete=models.CASCADE, related_name="no_bids")
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["version", "rfq_line__line_no"]
        constraints = [models.UniqueConstraint(fields=["version", "rfq_line"], name="uniq_quote_no_bid")]

    def __str__(self) -> str:
        return f"no bid (v {self.version_id}, RFQ line {self.rfq_line_id})"


class RFQQuestion(models.Model):
    """A supplier's question on a published RFQ and the buyer's answer. The answer (with the
    question, never who asked it) reaches every invited supplier."""

    rfq = models.ForeignKey(RFQ, on_delete=models.CASCADE, related_name="questions")
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="+")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    question = models.TextField(_("question"))
    asked_at = models.DateTimeField(default=timezone.now)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["rfq", "asked_at", "id"]

    def __str__(self) -> str:
        return f"question {self.pk} on RFQ {self.rfq_id}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None
