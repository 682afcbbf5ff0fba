from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from suppliers.validators import validate_uscc


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

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "legal entities"

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
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
