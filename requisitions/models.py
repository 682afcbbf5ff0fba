"""Requisitions: employees (the requester role) order from the contracted catalog; buyers turn
approved demand into purchase orders.

The catalog itself has no table: it is the set of active contract price lines (contracts app),
read by ``selectors.catalog``. The link from a PO line back to the requisition line lives here
(``RequisitionLine.po_line``) so that procurement never imports this app.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, transition
from simple_history.models import HistoricalRecords

from core.fsm import StateField
from core.models import Role
from core.money import q2


class CostCentre(models.Model):
    """A budget-holding unit of one legal entity; its budget owner approves its requisitions."""

    legal_entity = models.ForeignKey(
        "procurement.LegalEntity", on_delete=models.PROTECT, related_name="cost_centres"
    )
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    budget_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_cost_centres",
        verbose_name=_("budget owner"),
    )
    delivery_address = models.CharField(_("default delivery address"), max_length=300, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RequesterProfile(models.Model):
    """Makes a user a requester of one cost centre (and so of its legal entity)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="requester_profile"
    )
    cost_centre = models.ForeignKey(CostCentre, on_delete=models.PROTECT, related_name="requesters")
    other_cost_centres = models.ManyToManyField(
        CostCentre,
        blank=True,
        related_name="other_requesters",
        verbose_name=_("other cost centres"),
        help_text=_("Cost centres the requester may also charge (chosen on the requisition)."),
    )
    delivery_address = models.CharField(_("delivery address"), max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.user} @ {self.cost_centre.code}"

    def cost_centre_ids(self) -> list[int]:
        """The default cost centre first, then the others."""
        others = [
            pk for pk in self.other_cost_centres.values_list("pk", flat=True) if pk != self.cost_centre_id
        ]
        return [self.cost_centre_id, *others]


class Budget(models.Model):
    """The net amount (excluding VAT) a cost centre may spend in one period."""

    cost_centre = models.ForeignKey(CostCentre, on_delete=models.CASCADE, related_name="budgets")
    starts_on = models.DateField(_("period start"))
    ends_on = models.DateField(_("period end"))
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")

    class Meta:
        ordering = ["cost_centre", "starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["cost_centre", "starts_on"], name="uniq_budget_period_start"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="budget_period_ordered"
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="budget_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.cost_centre.code} {self.starts_on:%Y-%m-%d}…{self.ends_on:%Y-%m-%d}: {self.amount}"


class ApproverKind(models.TextChoices):
    BUDGET_OWNER = "budget_owner", _("Budget owner of the cost centre")
    BUYER = Role.BUYER.value, _("A buyer")
    FINANCE = Role.FINANCE.value, _("Finance")


class RequisitionApprovalRule(models.Model):
    """Approval as data: a requisition whose net total is at least ``min_amount`` needs one
    approval by ``approver``. Every matching rule adds one step (ordered by threshold);
    ``over_budget_only`` rules apply only to requisitions escalated for a budget overrun.
    With no matching rule the budget owner approves. Never the requester."""

    legal_entity = models.ForeignKey(
        "procurement.LegalEntity",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="requisition_rules",
        help_text=_("empty = every legal entity"),
    )
    min_amount = models.DecimalField(_("from amount"), max_digits=18, decimal_places=2, default=0)
    approver = models.CharField(_("approver"), max_length=16, choices=ApproverKind.choices)
    over_budget_only = models.BooleanField(_("only when over budget"), default=False)
    history = HistoricalRecords()  # who changed a rule, and what it was before (the rules page)

    class Meta:
        ordering = ["over_budget_only", "min_amount", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_amount__gte=0), name="req_rule_min_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        scope = self.legal_entity or _("all entities")
        extra = " (over budget)" if self.over_budget_only else ""
        return f"{scope} ≥ {self.min_amount}: {self.get_approver_display()}{extra}"


class CatalogLeadTime(models.Model):
    """Lead time shown in the catalog (price agreements carry none): per supplier and item
    code, or a supplier-wide default when ``item_code`` is empty."""

    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.CASCADE, related_name="+")
    item_code = models.CharField(_("item code"), max_length=40, blank=True)
    days = models.PositiveIntegerField(_("lead time (days)"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["supplier", "item_code"], name="uniq_lead_time_supplier_item")
        ]

    def __str__(self) -> str:
        return f"{self.supplier_id}/{self.item_code or '*'}: {self.days} d"


class RequisitionState(models.TextChoices):
    DRAFT = "draft", _("Draft (cart)")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    PARTLY_ORDERED = "partly_ordered", _("Partly ordered")
    ORDERED = "ordered", _("Ordered")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


# States whose lines a buyer may still turn into purchase orders.
CONVERTIBLE_STATES = [RequisitionState.APPROVED, RequisitionState.PARTLY_ORDERED]


def _is_owner(instance, user) -> bool:
    return bool(user and user.is_active and instance.requester_id == user.pk)


def _is_approver(instance, user) -> bool:
    """Who decides is checked against the approval steps by the service; here only that it is
    never the requester and never a supplier user."""
    return bool(user and user.is_active and not user.is_supplier_user and instance.requester_id != user.pk)


def _is_buyer(instance, user) -> bool:
    return bool(user and user.is_active and (user.is_buyer or user.is_superuser))


def _is_owner_or_buyer(instance, user) -> bool:
    return _is_owner(instance, user) or _is_buyer(instance, user)


class Requisition(ConcurrentTransitionMixin, models.Model):
    """A purchase requisition. The requester's single draft is their cart."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="requisitions"
    )
    cost_centre = models.ForeignKey(CostCentre, on_delete=models.PROTECT, related_name="requisitions")
    legal_entity = models.ForeignKey(
        "procurement.LegalEntity", on_delete=models.PROTECT, related_name="requisitions"
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    needed_by = models.DateField(_("needed by"), null=True, blank=True)
    delivery_address = models.CharField(_("delivery address"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)
    state = StateField(default=RequisitionState.DRAFT, choices=RequisitionState.choices, protected=True)
    budget = models.ForeignKey(
        Budget, null=True, blank=True, on_delete=models.PROTECT, related_name="requisitions"
    )
    over_budget = models.BooleanField(_("escalated for a budget overrun"), default=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["requester"], condition=models.Q(state="draft"), name="one_cart_per_requester"
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def total(self) -> Decimal:
        return q2(sum((line.amount for line in self.lines.all()), Decimal("0")))

    # Transitions only change state; services lock, check and save.
    @transition(
        field=state, source=RequisitionState.DRAFT, target=RequisitionState.SUBMITTED, permission=_is_owner
    )
    def submit(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=RequisitionState.SUBMITTED,
        target=RequisitionState.APPROVED,
        permission=_is_approver,
    )
    def approve(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=RequisitionState.SUBMITTED,
        target=RequisitionState.REJECTED,
        permission=_is_approver,
    )
    def reject(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=RequisitionState.APPROVED,
        target=RequisitionState.PARTLY_ORDERED,
        permission=_is_buyer,
    )
    def order_partly(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=CONVERTIBLE_STATES, target=RequisitionState.ORDERED, permission=_is_buyer)
    def order(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=[RequisitionState.PARTLY_ORDERED, RequisitionState.ORDERED],
        target=RequisitionState.CLOSED,
        permission=_is_owner_or_buyer,
    )
    def close(self, *, by=None, reason=""):
        """Also run by the system (``by=None``) once every ordered line is received or closed."""

    @transition(
        field=state,
        source=[RequisitionState.DRAFT, RequisitionState.SUBMITTED, RequisitionState.APPROVED],
        target=RequisitionState.CANCELLED,
        permission=_is_owner_or_buyer,
    )
    def cancel(self, *, by=None, reason=""):
        pass


class LineKind(models.TextChoices):
    CATALOG = "catalog", _("Catalog (contract price)")
    FREE_TEXT = "free_text", _("Free text (to be sourced)")


class RequisitionLine(models.Model):
    """One thing asked for. Catalog lines carry the contract price line they were picked from;
    free-text lines get a supplier, item and price from a buyer (directly or through an RFQ).
    ``po_line`` is the purchase-order line it was ordered on."""

    requisition = models.ForeignKey(Requisition, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line"))
    kind = models.CharField(max_length=10, choices=LineKind.choices)
    price_line = models.ForeignKey(
        "contracts.PriceLine", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        "procurement.Item", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    supplier = models.ForeignKey(
        "suppliers.Supplier", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=6)
    unit = models.CharField(_("unit"), max_length=20, default="EA")
    unit_price = models.DecimalField(
        _("unit price (net)"), max_digits=18, decimal_places=6, null=True, blank=True
    )
    tax_rate = models.DecimalField(_("tax rate"), max_digits=5, decimal_places=4, null=True, blank=True)
    rfq_line = models.ForeignKey(
        "procurement.RFQLine", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    po_line = models.OneToOneField(
        "procurement.PurchaseOrderLine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requisition_line",
    )
    sourced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["requisition", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["requisition", "line_no"], name="uniq_requisition_line_no"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="req_line_quantity_positive"),
            models.CheckConstraint(
                condition=models.Q(unit_price__isnull=True) | models.Q(unit_price__gte=0),
                name="req_line_price_not_negative",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="catalog") | models.Q(price_line__isnull=False),
                name="req_catalog_line_has_price_line",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requisition_id}/{self.line_no} {self.description} × {self.quantity}"

    @property
    def amount(self) -> Decimal:
        """Net amount (estimate for an unpriced free-text line: zero)."""
        if self.unit_price is None:
            return Decimal("0.00")
        return q2(Decimal(self.quantity) * Decimal(self.unit_price))

    @property
    def is_orderable(self) -> bool:
        """Has everything a purchase-order line needs and is not ordered yet."""
        return (
            self.po_line_id is None
            and self.supplier_id is not None
            and self.item_id is not None
            and self.unit_price is not None
        )


class ApprovalStep(models.Model):
    """One approval a submitted requisition needs, fixed when it is submitted (from the rules).
    Steps are decided in order; ``approver`` (a person: the budget owner) or ``role`` says who
    may decide. A budget-owner step whose cost centre has no other owner than the requester is
    decided by finance."""

    requisition = models.ForeignKey(Requisition, on_delete=models.CASCADE, related_name="steps")
    step_no = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=ApproverKind.choices)
    min_amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(max_length=16, choices=Role.choices, blank=True)
    escalation = models.BooleanField(default=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requisition", "step_no"]
        constraints = [
            models.UniqueConstraint(fields=["requisition", "step_no"], name="uniq_requisition_step_no"),
            models.CheckConstraint(
                condition=models.Q(approver__isnull=False) | ~models.Q(role=""), name="step_has_an_approver"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requisition_id} step {self.step_no}: {self.label}"

    @property
    def label(self) -> str:
        """What the step is, in the reader's language (built from data, never stored as text)."""
        text = str(self.get_kind_display())
        if self.kind == ApproverKind.BUDGET_OWNER and self.approver_id is None:
            text = f"{text} → {self.get_role_display()}"
        if self.min_amount:
            text = f"{text} (≥ {self.min_amount})"
        return text

    def can_decide(self, user) -> bool:
        if not (user and user.is_active) or user.is_supplier_user or user.pk == self.requisition.requester_id:
            return False
        if self.approver_id is not None:
            return user.pk == self.approver_id
        return user.role == self.role or user.is_superuser
