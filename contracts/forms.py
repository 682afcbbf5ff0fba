"""Forms of the contract pages: they keep what the person typed on any error and check every
figure against its column and a business limit (contracts.limits) before a service runs."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .limits import MAX_QUANTITY, MAX_UNIT_PRICE, PRICE_PLACES, QUANTITY_PLACES

TAX_RATE_CHOICES = [
    ("0.13", "13%"),
    ("0.09", "9%"),
    ("0.06", "6%"),
    ("0.03", "3%"),
    ("0.01", "1%"),
    ("0", "0%"),
]
MAX_PRICE_INPUT = MAX_UNIT_PRICE - Decimal("0.000001")  # below 10^12


class ContractForm(forms.Form):
    supplier_id = forms.TypedChoiceField(label=_("Supplier"), coerce=int)
    title = forms.CharField(label=_("Title"), max_length=200, strip=True)
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label=_("Valid to"), widget=forms.DateInput(attrs={"type": "date"}))
    currency = forms.CharField(
        label=_("Currency"),
        initial="CNY",
        max_length=3,
        min_length=3,
        validators=[RegexValidator(r"^[A-Za-z]{3}$", _("A currency is a three-letter code such as CNY."))],
    )

    def __init__(self, *args, suppliers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier_id"].choices = [("", "—")] + [
            (s.pk, f"{s.name} ({s.get_state_display()})") for s in suppliers
        ]

    def clean_currency(self):
        return self.cleaned_data["currency"].upper()

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("The contract must end on or after its start."))
        if end and end < timezone.localdate():
            self.add_error(
                "valid_to", _("This date has passed: a contract must still be valid when it is agreed.")
            )
        return data


class PriceLineForm(forms.Form):
    item_code = forms.CharField(label=_("Item code"), max_length=40, strip=True)
    item_name = forms.CharField(
        label=_("Item name"), max_length=200, required=False, help_text=_("empty: the item master's name")
    )
    unit_price = forms.DecimalField(
        label=_("Unit price"),
        max_digits=18,
        decimal_places=PRICE_PLACES,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_PRICE_INPUT)],
    )
    tax_rate = forms.ChoiceField(label=_("Tax rate"), choices=TAX_RATE_CHOICES, initial="0.13")
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    valid_from = forms.DateField(
        label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_to = forms.DateField(
        label=_("Valid to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    quantity_cap = forms.DecimalField(
        label=_("Quantity cap"),
        required=False,
        max_digits=18,
        decimal_places=QUANTITY_PLACES,
        validators=[MinValueValidator(Decimal("0.000001")), MaxValueValidator(MAX_QUANTITY)],
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("A price line must end on or after its start."))
        return data


# A domain error's code → the form field it is about (the rest are shown above the form).
ERROR_FIELDS = {
    "unknown_item": "item_code",
    "item_code_required": "item_code",
    "duplicate_price_line": "item_code",
    "unit_mismatch": "unit",
    "invalid_tax_rate": "tax_rate",
    "invalid_price": "unit_price",
    "invalid_quantity": "quantity_cap",
    "invalid_period": "valid_to",
    "title_required": "title",
    "supplier_blocked": "supplier_id",
}


def field_for(exc) -> str | None:
    field = (exc.details or {}).get("field")
    if field in ("unit_price", "quantity_cap"):
        return field
    return ERROR_FIELDS.get(exc.code)
