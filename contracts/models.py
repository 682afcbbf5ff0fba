from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, transition

from core.fsm import StateField
from core.permissions import is_buyer


class ContractState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_APPROVAL = "in_approval", _("In approval")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")


class Contract(ConcurrentTransitionMixin, models.Model):
    """A framework contract with one supplier. Its terms live in versions: version 1 is agreed
    through draft → in_approval → active; an amendment is a new version approved the same way
    while the contract stays active on the version in force (``current_version``)."""

    number = models.CharField(_("number"), max_length=30, unique=True)
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="contracts")
    title = models.CharField(_("title"), max_length=200)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    state = StateField(default=ContractState.DRAFT, choices=ContractState.choices, protected=True)
    current_version = models.ForeignKey(
        "ContractVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expiry_reminded_at = models.DateTimeField(null=True, blank=True)
    # Overrides the supplier's payment terms for what is bought under this contract.
    payment_term = models.ForeignKey(
        "suppliers.PaymentTerm",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("payment terms"),
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__gte=models.F("valid_from")), name="contract_dates_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @transition(
        field=state, source=ContractState.DRAFT, target=ContractState.IN_APPROVAL, permission=is_buyer
    )
    def submit(self, *, by=None, reason=""):
        pass

    @transition(
        field=state, source=ContractState.IN_APPROVAL, target=ContractState.ACTIVE, permission=is_buyer
    )
    def approve(self, *, by=None, reason=""):
        pass

    @transition(
        field=state, source=ContractState.IN_APPROVAL, target=ContractState.DRAFT, permission=is_buyer
    )
    def reject(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=ContractState.ACTIVE, target=ContractState.EXPIRED)
    def expire(self, *, by=None, reason=""):
        pass

    @transition(
        field=state, source=ContractState.ACTIVE, target=ContractState.TERMINATED, permission=is_buyer
    )
    def terminate(self, *, by=None, reason=""):
        pass


class VersionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_APPROVAL = "in_approval", _("In approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ContractVersion(ConcurrentTransitionMixin, models.Model):
    """One version of a contract's terms. Editable only while draft; immutable afterwards."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    state = StateField(default=VersionState.DRAFT, choices=VersionState.choices, protected=True)
    note = models.TextField(_("what changed"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["contract", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="contract_version_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.contract.number} v{self.number}"

    @property
    def is_editable(self) -> bool:
        return self.state == VersionState.DRAFT

    @transition(field=state, source=VersionState.DRAFT, target=VersionState.IN_APPROVAL, permission=is_buyer)
    def submit(self, *, by=None, reason=""):
        pass

    @transition(
        field=state, source=VersionState.IN_APPROVAL, target=VersionState.APPROVED, permission=is_buyer
    )
    def approve(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=VersionState.IN_APPROVAL, target=VersionState.DRAFT, permission=is_buyer)
    def reject(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=VersionState.DRAFT, target=VersionState.REJECTED, permission=is_buyer)
    def withdraw(self, *, by=None, reason=""):
        pass


class PriceLine(models.Model):
    """An agreed price for one item. Items are referenced by code + name (contracts may not
    import procurement). ``quantity_ordered`` is consumed by purchase orders, under the cap."""

    version = models.ForeignKey(ContractVersion, on_delete=models.CASCADE, related_name="lines")
    item_code = models.CharField(_("item code"), max_length=40)
    item_name = models.CharField(_("item name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20, default="EA")
    unit_price = models.DecimalField(
        _("unit price"), max_digits=18, decimal_places=6, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    tax_rate = models.DecimalField(_("tax rate"), max_digits=5, decimal_places=4)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    quantity_cap = models.DecimalField(
        _("quantity cap"), max_digits=18, decimal_places=6, null=True, blank=True
    )
    quantity_ordered = models.DecimalField(
        _("quantity ordered"), max_digits=18, decimal_places=6, default=Decimal("0")
    )

    class Meta:
        ordering = ["version", "item_code", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__gte=models.F("valid_from")), name="price_line_dates_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0), name="price_line_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity_ordered__gte=0), name="price_line_ordered_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity_cap__isnull=True)
                | models.Q(quantity_ordered__lte=models.F("quantity_cap")),
                name="price_line_within_cap",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_code} {self.unit_price} {self.currency}"

    @property
    def quantity_remaining(self) -> Decimal | None:
        return None if self.quantity_cap is None else self.quantity_cap - self.quantity_ordered
