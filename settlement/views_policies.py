"""Tolerance policies in the portal (finance): the list of policies and the simulator, where a
drafted change is run over the last days' invoices before it is saved as the next version through
``tolerance_policy_revise`` (the same path as the admin: finance only, a reason, never in place)."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.errors import DomainError, PermissionDenied
from core.formatting import moment

from .forms_policies import PolicyDraftForm
from .models import TolerancePolicy
from .selectors.matching import WORDS, can_work_desk, tolerance_policy_list
from .selectors.policy_simulation import DEFAULT_DAYS, MAX_DAYS, MAX_INVOICES, policy_simulate
from .services.match_policies import tolerance_policy_revise


def _require_finance(user) -> None:
    if not can_work_desk(user):
        raise PermissionDenied(_("Only finance works with tolerance policies."))


@login_required
def policy_list(request):
    _require_finance(request.user)
    latest = {}
    for policy in tolerance_policy_list(request.user):  # ordered by code, newest version first
        latest.setdefault(policy.code, policy)
    return render(request, "settlement/policy_list.html", {"policies": list(latest.values())})


@login_required
def policy_simulate_view(request, policy_id: int):
    _require_finance(request.user)
    policies = tolerance_policy_list(request.user)
    chosen = get_object_or_404(policies, pk=policy_id)
    latest = policies.filter(code=chosen.code).first()  # a draft always starts from the newest version
    simulation, elapsed = None, None
    if request.method != "POST":
        form = PolicyDraftForm(
            instance=latest, initial={"days": DEFAULT_DAYS, "base_version": latest.version}
        )
    else:
        form = PolicyDraftForm(request.POST, instance=TolerancePolicy(code=latest.code))
        if form.is_valid():
            if form.cleaned_data["base_version"] != latest.version:
                form.add_error(
                    None,
                    _(
                        "The policy was changed after you opened it: it is now %(label)s (%(when)s). "
                        "Open it again and simulate your change on that version."
                    )
                    % {"label": latest.label, "when": moment(latest.created_at)},
                )
            elif request.POST.get("action") == "save":
                reason = (form.cleaned_data.get("change_reason") or "").strip()
                if not reason:
                    form.add_error(
                        "change_reason", _("Say why the policy changes: the reason is kept with it.")
                    )
                else:
                    try:
                        saved = tolerance_policy_revise(
                            policy=latest, actor=request.user, reason=reason, **form.policy_fields()
                        )
                    except DomainError as exc:
                        form.add_error(None, exc.message)
                    else:
                        messages.success(
                            request,
                            _("Saved as a new version, %(new)s; %(old)s is unchanged.")
                            % {"new": saved.label, "old": latest.label},
                        )
                        return redirect("policy-list")
            else:
                draft = form.instance
                draft.version = latest.version + 1
                started = time.perf_counter()
                simulation = policy_simulate(
                    request.user, base=latest, draft=draft, days=form.cleaned_data["days"]
                )
                elapsed = time.perf_counter() - started
    return render(
        request,
        "settlement/policy_simulate.html",
        {
            "policy": latest,
            "form": form,
            "rule_rows": [
                (
                    WORDS[measure],
                    [
                        form[f"{measure}_{side}_{half}"]
                        for side in ("lower", "upper")
                        for half in ("percent", "absolute")
                    ],
                )
                for measure in TolerancePolicy.MEASURES
            ],
            "simulation": simulation,
            "elapsed_ms": None if elapsed is None else round(elapsed * 1000),
            "max_days": MAX_DAYS,
            "max_invoices": MAX_INVOICES,
        },
    )
