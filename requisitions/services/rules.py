"""Approval rules as data, changed in the portal: purchase-order rules (procurement's
``ApprovalRule``: from an amount, N approvers of a role) and requisition rules (who approves a
requisition from an amount). Only rule administrators change them: superusers and anyone granted
the Django permission to change the rule model (a group such as "approval rule administrators"),
as approval chains are an administrator's setting in Coupa or Ariba. Every change keeps a
history row (who, when, the values before and after)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.errors import DomainError, PermissionDenied
from procurement.models import ApprovalRule

from ..models import ApproverKind, RequisitionApprovalRule

MAX_RULE_AMOUNT = Decimal("1000000000000")  # 10^12, exclusive
MAX_APPROVERS = 10

PO_RULE_PERM = "procurement.change_approvalrule"
REQ_RULE_PERM = "requisitions.change_requisitionapprovalrule"


def may_manage_po_rules(user) -> bool:
    return bool(user and user.is_active and (user.is_superuser or user.has_perm(PO_RULE_PERM)))


def may_manage_requisition_rules(user) -> bool:
    return bool(user and user.is_active and (user.is_superuser or user.has_perm(REQ_RULE_PERM)))


def _check_amount(amount: Decimal) -> Decimal:
    if amount < 0:
        raise DomainError(
            _("The amount cannot be negative."), code="value_negative", details={"field": "min_amount"}
        )
    if amount >= MAX_RULE_AMOUNT:
        raise DomainError(
            _("The amount %(value)s is too large: it must be below %(max)s.")
            % {"value": f"{amount:f}", "max": f"{MAX_RULE_AMOUNT:,}"},
            code="value_too_large",
            details={"field": "min_amount"},
        )
    return amount.quantize(Decimal("0.01"))


def po_rule_save(
    *, actor, legal_entity, min_amount, role: str, approvers_required: int, rule: ApprovalRule | None = None
) -> ApprovalRule:
    if not may_manage_po_rules(actor):
        raise PermissionDenied(_("Only rule administrators change approval rules."), code="not_rule_admin")
    amount = _check_amount(Decimal(min_amount))
    if not 1 <= int(approvers_required) <= MAX_APPROVERS:
        raise DomainError(
            _("Between 1 and %(max)s approvers.") % {"max": MAX_APPROVERS},
            code="invalid_approvers",
            details={"field": "approvers_required"},
        )
    available = get_user_model().objects.filter(is_active=True, role=role).count()
    if int(approvers_required) > available:
        raise DomainError(
            _(
                "%(n)s approvers of this role are required but only %(available)s active users have it: "
                "orders above this amount could never be approved."
            )
            % {"n": approvers_required, "available": available},
            code="not_enough_approvers",
            details={"field": "approvers_required"},
        )
    with transaction.atomic():
        if rule is None:
            rule = ApprovalRule(legal_entity=legal_entity)
        else:
            rule = ApprovalRule.objects.select_for_update().get(pk=rule.pk)
            rule.legal_entity = legal_entity
        clash = ApprovalRule.objects.filter(legal_entity=legal_entity, min_amount=amount).exclude(pk=rule.pk)
        if clash.exists():
            raise DomainError(
                _("%(entity)s already has a rule from %(amount)s.")
                % {"entity": legal_entity.name, "amount": amount},
                code="duplicate_rule",
                details={"field": "min_amount"},
            )
        rule.min_amount, rule.role, rule.approvers_required = amount, role, int(approvers_required)
        rule._history_user = actor
        try:
            with transaction.atomic():
                rule.save()
        except IntegrityError:
            raise DomainError(_("This rule conflicts with another one."), code="duplicate_rule") from None
        return rule


def po_rule_delete(*, actor, rule: ApprovalRule) -> None:
    if not may_manage_po_rules(actor):
        raise PermissionDenied(_("Only rule administrators change approval rules."), code="not_rule_admin")
    with transaction.atomic():
        rule = ApprovalRule.objects.select_for_update().get(pk=rule.pk)
        rule._history_user = actor
        rule.delete()


def requisition_rule_save(
    *,
    actor,
    legal_entity,
    min_amount,
    approver: str,
    over_budget_only: bool,
    rule: RequisitionApprovalRule | None = None,
) -> RequisitionApprovalRule:
    if not may_manage_requisition_rules(actor):
        raise PermissionDenied(_("Only rule administrators change approval rules."), code="not_rule_admin")
    amount = _check_amount(Decimal(min_amount))
    if approver not in ApproverKind.values:
        raise DomainError(_("Choose who approves."), code="invalid_approver", details={"field": "approver"})
    with transaction.atomic():
        if rule is None:
            rule = RequisitionApprovalRule()
        else:
            rule = RequisitionApprovalRule.objects.select_for_update().get(pk=rule.pk)
        rule.legal_entity, rule.min_amount = legal_entity, amount
        rule.approver, rule.over_budget_only = approver, bool(over_budget_only)
        rule._history_user = actor
        rule.save()
        return rule


def requisition_rule_delete(*, actor, rule: RequisitionApprovalRule) -> None:
    if not may_manage_requisition_rules(actor):
        raise PermissionDenied(_("Only rule administrators change approval rules."), code="not_rule_admin")
    with transaction.atomic():
        rule = RequisitionApprovalRule.objects.select_for_update().get(pk=rule.pk)
        rule._history_user = actor
        rule.delete()
