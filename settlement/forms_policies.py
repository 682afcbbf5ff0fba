"""Forms of tolerance policies: the checks the admin's form and the portal's simulator share (what
``tolerance_policy_revise`` would refuse becomes an error on its field, never a 500), and the
simulator's draft form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.bounds import OutOfBounds

from .models import TolerancePolicy
from .selectors.policy_simulation import DEFAULT_DAYS, MAX_DAYS
from .services.match_policies import RULE_FIELDS, SCOPE_FIELDS, rule_value


class PolicyRulesCheck:
    """``clean`` for a ModelForm of TolerancePolicy: limits not negative and within bounds, dates
    in order."""

    def clean(self):
        data = super().clean()
        for name in RULE_FIELDS:
            if data.get(name) is not None and data[name] < 0:
                self.add_error(name, gettext("Cannot be negative."))
            elif data.get(name) is not None:
                try:
                    rule_value(name, data[name])
                except OutOfBounds as exc:  # what the service would refuse: a form error, not a 500
                    self.add_error(name, exc.message)
        start, end = data.get("effective_from"), data.get("effective_to")
        if start and end and end < start:
            self.add_error("effective_to", gettext("Before effective from."))
        return data


class PolicyDraftForm(PolicyRulesCheck, forms.ModelForm):
    """A change of a policy as drafted on the simulator: the policy's own fields, the window to
    simulate over and, to save it, the reason. ``base_version`` is the version the draft started
    from, so a save after someone else's revision is refused instead of overwriting it."""

    days = forms.IntegerField(
        label=_("Simulate over the last … days"), min_value=1, max_value=MAX_DAYS, initial=DEFAULT_DAYS
    )
    change_reason = forms.CharField(
        label=_("Reason for this version"),
        max_length=300,
        required=False,
        help_text=_("Needed to save: kept with the version."),
    )
    base_version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = TolerancePolicy
        fields = (*SCOPE_FIELDS, *RULE_FIELDS)
        labels = {"legal_entity": _("Legal entity"), "supplier": _("Supplier")}
        widgets = {
            # ISO whatever the language: a date input reads nothing else
            "effective_from": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "effective_to": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        }

    SCOPE = ("legal_entity", "supplier", "item_category", "effective_from", "effective_to", "description")

    @property
    def scope_has_errors(self) -> bool:
        return any(name in self.errors for name in self.SCOPE)

    def policy_fields(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in (*SCOPE_FIELDS, *RULE_FIELDS)}
