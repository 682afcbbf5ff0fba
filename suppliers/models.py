from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from core.permissions import is_buyer, is_internal

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
    state = FSMField(default=SupplierState.DRAFT, choices=SupplierState.choices, protected=True)
    created_at = models.DateTimeField(auto_now_add=True)
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
