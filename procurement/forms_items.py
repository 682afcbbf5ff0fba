"""Forms of the item master pages (items, categories, units) and its CSV import."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from .models import Item, ItemCategory, TaxRate, Unit

CODE = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._/-]*$",
    _("Use letters, digits and . _ / - only (no spaces)."),
)


class ItemForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40, validators=[CODE])
    name = forms.CharField(label=_("Name"), max_length=200)
    unit = forms.ChoiceField(label=_("Unit"))
    category = forms.ChoiceField(label=_("Category"), required=False)
    default_tax_rate = forms.ChoiceField(
        label=_("Default tax rate"), choices=TaxRate.choices, initial=TaxRate.R13
    )
    is_service = forms.BooleanField(label=_("Service (no goods receipt)"), required=False)

    def __init__(self, *args, editing: Item | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "—")] + [
            (u.code, f"{u.code} · {u.name}") for u in Unit.objects.all()
        ]
        self.fields["category"].choices = [("", "—")] + [(c.name, c.name) for c in ItemCategory.objects.all()]
        if editing is not None:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("The code never changes: contracts and orders refer to it.")


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)


class UnitForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20, validators=[CODE])
    name = forms.CharField(label=_("Name"), max_length=60)

    def __init__(self, *args, editing: Unit | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if editing is not None:
            self.fields["code"].disabled = True


class ItemImportRowForm(forms.Form):
    """One CSV row: like ItemForm, but the unit and category are checked by the service and
    ``is_service`` is a word (yes / no / 是 / 否 / 1 / 0)."""

    code = forms.CharField(label="code", max_length=40, validators=[CODE])
    name = forms.CharField(label="name", max_length=200)
    unit = forms.CharField(label="unit", max_length=20)
    category = forms.CharField(label="category", max_length=60, required=False)
    default_tax_rate = forms.CharField(label="default_tax_rate", max_length=8, required=False)
    is_service = forms.CharField(label="is_service", required=False)

    TRUE = {"1", "yes", "y", "true", "是"}
    FALSE = {"", "0", "no", "n", "false", "否"}

    def clean_default_tax_rate(self):
        value = self.cleaned_data["default_tax_rate"].strip().lower().rstrip("%")
        if not value:
            return TaxRate.R13
        for choice, label in TaxRate.choices:
            if value in (choice, str(label).lower().rstrip("%")):
                return choice
        try:
            rate = Decimal(value)
        except InvalidOperation:
            rate = None
        for choice in TaxRate.values:
            if choice != TaxRate.EXEMPT and rate is not None and Decimal(choice) == rate:
                return choice
        raise forms.ValidationError(_("Not a VAT rate: use 0.13, 0.09, 0.06, 0.03, 0.01, 0 or exempt."))

    def clean_is_service(self):
        value = self.cleaned_data["is_service"].strip().lower()
        if value in self.TRUE:
            return True
        if value in self.FALSE:
            return False
        raise forms.ValidationError(_("Write yes or no."))
