"""The approval-rules page: purchase-order rules and requisition rules, read by every internal
user, changed by rule administrators (requisitions.services.rules), with their history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from core.errors import DomainError, NotFound, PermissionDenied
from procurement.models import ApprovalRule

from .forms import PORuleForm, RequisitionRuleForm
from .models import RequisitionApprovalRule
from .services import rules as rule_services

HISTORY_ROWS = 50


def _require_internal(user) -> None:
    if not (user.is_active and user.is_internal):
        raise PermissionDenied(gettext("Approval rules are internal to the buying organisation."))


@dataclass
class RuleChange:
    at: datetime
    who: str
    kind: str  # what rules
    action: str
    rule: str
    changes: list[tuple[str, str, str]]  # (field label, before, after)


def _shown(record, field: str) -> str:
    value = getattr(record, field, None)
    if value is None or value == "":
        return "—"
    display = getattr(record, f"get_{field}_display", None)
    if display is not None:
        return str(display())
    if field == "legal_entity":
        return str(record.legal_entity) if record.legal_entity_id else gettext("every legal entity")
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    return str(value)


def _history(model, kind: str, fields: tuple[str, ...]) -> list[RuleChange]:
    rows = []
    records = model.history.select_related("history_user").order_by("-history_date", "-history_id")[
        :HISTORY_ROWS
    ]
    for record in records:
        labels = {f: str(model._meta.get_field(f).verbose_name) for f in fields}
        prev = record.prev_record
        if record.history_type == "+":
            action = gettext("created")
            changes = [(labels[f], "—", _shown(record, f)) for f in fields]
        elif record.history_type == "-":
            action = gettext("deleted")
            changes = [(labels[f], _shown(record, f), "—") for f in fields]
        else:
            action = gettext("changed")
            changes = [
                (labels[f], _shown(prev, f) if prev else "—", _shown(record, f))
                for f in fields
                if prev is None or _shown(prev, f) != _shown(record, f)
            ]
        who = record.history_user.get_username() if record.history_user_id else gettext("system")
        rows.append(RuleChange(record.history_date, who, kind, action, f"#{record.id}", changes))
    return rows


PO_FIELDS = ("legal_entity", "min_amount", "role", "approvers_required")
REQ_FIELDS = ("legal_entity", "min_amount", "approver", "over_budget_only")


def _page(request, *, po_form=None, req_form=None, status=200):
    user = request.user
    history = sorted(
        _history(ApprovalRule, gettext("Purchase orders"), PO_FIELDS)
        + _history(RequisitionApprovalRule, gettext("Requisitions"), REQ_FIELDS),
        key=lambda c: c.at,
        reverse=True,
    )[:HISTORY_ROWS]
    can_po = rule_services.may_manage_po_rules(user)
    can_req = rule_services.may_manage_requisition_rules(user)
    return render(
        request,
        "requisitions/rules.html",
        {
            "po_rules": ApprovalRule.objects.select_related("legal_entity").order_by(
                "legal_entity__name", "min_amount"
            ),
            "req_rules": RequisitionApprovalRule.objects.select_related("legal_entity"),
            "po_form": po_form or (PORuleForm() if can_po else None),
            "req_form": req_form or (RequisitionRuleForm() if can_req else None),
            "can_po": can_po,
            "can_req": can_req,
            "history": history,
        },
        status=status,
    )


def _form_error(form, exc: DomainError) -> None:
    field = (exc.details or {}).get("field")
    form.add_error(field if field in form.fields else None, exc.message)


@login_required
def rules(request):
    _require_internal(request.user)
    return _page(request)


def _save(request, form, save, rule=None):
    if form.is_valid():
        try:
            save(actor=request.user, rule=rule, **form.cleaned_data)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, gettext("Approval rule saved."))
            return None
    return form


@login_required
@require_POST
def po_rule_add(request):
    _require_internal(request.user)
    if not rule_services.may_manage_po_rules(request.user):
        raise PermissionDenied(gettext("Only rule administrators change approval rules."))
    form = _save(request, PORuleForm(request.POST), rule_services.po_rule_save)
    if form is None:
        return redirect("requisition-rules")
    return _page(request, po_form=form, status=400)


def _po_rule(user, rule_id: int) -> ApprovalRule:
    _require_internal(user)
    rule = ApprovalRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(gettext("Approval rule %(rule_id)s not found.") % {"rule_id": rule_id})
    return rule


def _req_rule(user, rule_id: int) -> RequisitionApprovalRule:
    _require_internal(user)
    rule = RequisitionApprovalRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(gettext("Approval rule %(rule_id)s not found.") % {"rule_id": rule_id})
    return rule


@login_required
def po_rule_edit(request, po_rule_id: int):
    rule = _po_rule(request.user, po_rule_id)
    if not rule_services.may_manage_po_rules(request.user):
        raise PermissionDenied(gettext("Only rule administrators change approval rules."))
    initial = {f: getattr(rule, f) for f in PO_FIELDS}
    form = PORuleForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if request.POST.get("delete"):
            rule_services.po_rule_delete(actor=request.user, rule=rule)
            messages.success(request, gettext("Approval rule deleted."))
            return redirect("requisition-rules")
        if _save(request, form, rule_services.po_rule_save, rule) is None:
            return redirect("requisition-rules")
    return render(
        request,
        "requisitions/rule_form.html",
        {"form": form, "rule": rule, "kind": gettext("Purchase-order approval rule")},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def requisition_rule_add(request):
    _require_internal(request.user)
    if not rule_services.may_manage_requisition_rules(request.user):
        raise PermissionDenied(gettext("Only rule administrators change approval rules."))
    form = _save(request, RequisitionRuleForm(request.POST), rule_services.requisition_rule_save)
    if form is None:
        return redirect("requisition-rules")
    return _page(request, req_form=form, status=400)


@login_required
def requisition_rule_edit(request, req_rule_id: int):
    rule = _req_rule(request.user, req_rule_id)
    if not rule_services.may_manage_requisition_rules(request.user):
        raise PermissionDenied(gettext("Only rule administrators change approval rules."))
    initial = {f: getattr(rule, f) for f in REQ_FIELDS}
    form = RequisitionRuleForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if request.POST.get("delete"):
            rule_services.requisition_rule_delete(actor=request.user, rule=rule)
            messages.success(request, gettext("Approval rule deleted."))
            return redirect("requisition-rules")
        if _save(request, form, rule_services.requisition_rule_save, rule) is None:
            return redirect("requisition-rules")
    return render(
        request,
        "requisitions/rule_form.html",
        {"form": form, "rule": rule, "kind": gettext("Requisition approval rule")},
        status=400 if request.method == "POST" else 200,
    )
