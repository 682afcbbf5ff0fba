"""Forms of the requisition pages: approval rules (amounts bounded like their columns)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from procurement.models import APPROVER_ROLES, LegalEntity

from .models import ApproverKind
from .services.rules import MAX_APPROVERS, MAX_RULE_AMOUNT

AMOUNT_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(MAX_RULE_AMOUNT - Decimal("0.01"))]


class PORuleForm(forms.Form):
    legal_entity = forms.ModelChoiceField(label=_("Legal entity"), queryset=LegalEntity.objects.all())
    min_amount = forms.DecimalField(
        label=_("From net amount"), max_digits=18, decimal_places=2, validators=AMOUNT_VALIDATORS
    )
    role = forms.ChoiceField(label=_("Approver role"), choices=APPROVER_ROLES)
    approvers_required = forms.IntegerField(
        label=_("Approvers required"), min_value=1, max_value=MAX_APPROVERS, initial=1
    )


class RequisitionRuleForm(forms.Form):
    legal_entity = forms.ModelChoiceField(
        label=_("Legal entity"),
        queryset=LegalEntity.objects.all(),
        required=False,
        empty_label=_("every legal entity"),
    )
    min_amount = forms.DecimalField(
        label=_("From net amount"), max_digits=18, decimal_places=2, validators=AMOUNT_VALIDATORS
    )
    approver = forms.ChoiceField(label=_("Approver"), choices=ApproverKind.choices)
    over_budget_only = forms.BooleanField(label=_("Only when over budget"), required=False)
