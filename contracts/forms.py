"""Forms of the contract pages: they keep what the person typed on any error and check every
figure against its column and a business limit (core.bounds) before a service runs."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import bounds

TAX_RATE_CHOICES = [
    ("0.13", "13%"),
    ("0.09", "9%"),
    ("0.06", "6%"),
    ("0.03", "3%"),
    ("0.01", "1%"),
    ("0", "0%"),
]


class ContractForm(forms.Form):
    supplier_id = forms.TypedChoiceField(label=_("Supplier"), coerce=int)
    title = forms.CharField(label=_("Title"), max_length=200, strip=True)
    valid_from = forms.DateField(
        label=_("Valid from"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[bounds.validator(bounds.date_sane, field="valid_from")],
    )
    valid_to = forms.DateField(
        label=_("Valid to"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[bounds.validator(bounds.date_sane, field="valid_to")],
    )
    currency = forms.CharField(
        label=_("Currency"),
        initial="CNY",
        validators=[bounds.validator(bounds.currency, field="currency")],
    )
    payment_term_id = forms.TypedChoiceField(
        label=_("Payment terms"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("empty: the supplier's terms apply"),
    )

    def __init__(self, *args, suppliers=(), terms=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier_id"].choices = [("", "—")] + [
            (s.pk, f"{s.name} ({s.get_state_display()})") for s in suppliers
        ]
        self.fields["payment_term_id"].choices = [("", "—")] + [(t.pk, t.name) for t in terms]

    def clean_currency(self):
        return bounds.currency(self.cleaned_data["currency"])

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
    unit_price = bounds.form_field(bounds.price, field="unit_price", label=_("Unit price"))  # [0, 10^12)
    tax_rate = forms.ChoiceField(label=_("Tax rate"), choices=TAX_RATE_CHOICES, initial="0.13")
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    valid_from = forms.DateField(
        label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_to = forms.DateField(
        label=_("Valid to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    quantity_cap = bounds.form_field(
        bounds.quantity, field="quantity_cap", required=False, label=_("Quantity cap")
    )  # (0, 10^9]

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
    "payment_term_inactive": "payment_term_id",
}


def field_for(exc) -> str | None:
    field = (exc.details or {}).get("field")
    if field in ("unit_price", "quantity_cap"):
        return field
    return ERROR_FIELDS.get(exc.code)
