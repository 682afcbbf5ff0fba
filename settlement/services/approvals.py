"""Approval routing for the exception desk (rules as data: ``ApprovalRule``; the chain of a case:
``ApprovalStep``).

* ``approval_requirement(invoice, case)`` — what a decision on this exception needs: the number
  of distinct finance approvers and whose comment first, from every active rule that applies
  (by kind, legal entity, cost centre, reason code and gross amount); rules add up.
* ``exception_request_comment`` — finance sends the exception to the PO's buyer or the receiver of
  the goods with a question; ``exception_comment`` — that person answers ("price confirmed",
  "goods arrived").
* ``approval_record`` (called by ``exception_accept``) — refuses while a required comment is
  missing (``comment_required``) and when the person already approved in this chain
  (``already_approved_in_chain``); returns True once enough distinct approvers have approved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from invoicing.models import Invoice
from procurement.models import GoodsReceipt, PurchaseOrder

from ..models import ApprovalRule, ApprovalStep, CommentFrom, ExceptionCase, RuleScope, StepKind
from ..models.matching import OPEN_CASE_STATES
from .conflicts import conflict_on_lock

NO_PO_CODES = {"no_po_line", "po_line_reference_unknown"}


@dataclass
class Requirement:
    approvers: int = 1
    comments: set[str] = field(default_factory=set)  # CommentFrom values
    rules: list[ApprovalRule] = field(default_factory=list)


def _exception_codes(case: ExceptionCase) -> set[str]:
    explanation = case.result.explanation or {}
    codes = {r.get("code", "") for r in explanation.get("reasons", []) if r.get("severity") == "exception"}
    for line in explanation.get("lines", []):
        codes |= {r.get("code", "") for r in line.get("reasons", []) if r.get("severity") == "exception"}
    return codes


def _purchase_orders(case: ExceptionCase) -> list[PurchaseOrder]:
    return list(case.result.purchase_orders.order_by("pk"))


def _cost_centres(case: ExceptionCase) -> set[str]:
    po_line_ids = [
        int(line["po_line_id"])
        for line in (case.result.explanation or {}).get("lines", [])
        if line.get("po_line_id") and str(line["po_line_id"]).isdigit()
    ]
    if not po_line_ids:
        return set()
    from requisitions.models import RequisitionLine

    return set(
        RequisitionLine.objects.filter(po_line_id__in=po_line_ids).values_list(
            "requisition__cost_centre__code", flat=True
        )
    )


def approval_requirement(invoice: Invoice, case: ExceptionCase) -> Requirement:
    gross = abs(invoice.gross_amount or Decimal("0"))
    codes = _exception_codes(case)
    centres = _cost_centres(case)
    rules = ApprovalRule.objects.filter(active=True, min_amount__lte=gross).filter(
        Q(legal_entity__isnull=True) | Q(legal_entity_id=invoice.legal_entity_id)
    )
    need = Requirement()
    for rule in rules.order_by("pk"):
        if rule.applies_to == RuleScope.NO_PO and not (codes & NO_PO_CODES):
            continue
        if rule.reason_code and rule.reason_code not in codes:
            continue
        if rule.cost_centre_code and rule.cost_centre_code not in centres:
            continue
        second = rule.second_approver_above is not None and gross > rule.second_approver_above
        if second:
            need.approvers = 2
        if rule.comment_from:
            need.comments.add(rule.comment_from)
        if second or rule.comment_from:
            need.rules.append(rule)  # the rules that ask for something, named on the page
    return need


def open_case_for(invoice: Invoice) -> ExceptionCase | None:
    return (
        ExceptionCase.objects.select_related("result")
        .filter(invoice=invoice, state__in=OPEN_CASE_STATES)
        .first()
    )


def comment_addressee(case: ExceptionCase, role: str):
    """The PO's buyer (who raised the PO) or the receiver of its latest goods receipt."""
    pos = _purchase_orders(case)
    if not pos:
        return None
    if role == CommentFrom.BUYER:
        return pos[0].requester
    receipt = GoodsReceipt.objects.filter(po__in=pos).order_by("-receipt_date", "-pk").first()
    return receipt.received_by if receipt else None


def approval_record(*, invoice: Invoice, case: ExceptionCase, actor, reason: str) -> bool:
    """Record ``actor``'s approval in the case's chain (the invoice is locked by the caller).
    True when the decision is complete (enough distinct approvers)."""
    need = approval_requirement(invoice, case)
    steps = list(case.steps.all())
    for role in sorted(need.comments):
        if not any(s.kind == StepKind.COMMENT and s.role == role for s in steps):
            who = comment_addressee(case, role)
            raise Conflict(
                f"A rule ({', '.join(r.name for r in need.rules if r.comment_from == role)}) needs a comment from "
                f"{CommentFrom(role).label} ({who or 'nobody found'}) before finance decides; ask for it first.",
                code="comment_required",
                details={"role": role},
            )
    if any(s.kind == StepKind.APPROVAL and s.actor_id == actor.pk for s in steps):
        raise Conflict(
            _(
                "You have already approved invoice %(invoice)s in this chain; another finance user must give "
                "the second approval."
            )
            % {"invoice": invoice},
            code="already_approved_in_chain",
        )
    try:
        with transaction.atomic():
            ApprovalStep.objects.create(case=case, kind=StepKind.APPROVAL, actor=actor, text=reason)
    except IntegrityError:
        raise Conflict(
            _("You have already approved invoice %(invoice)s in this chain.") % {"invoice": invoice},
            code="already_approved_in_chain",
        ) from None
    approvals = 1 + sum(1 for s in steps if s.kind == StepKind.APPROVAL)
    return approvals >= need.approvers


@conflict_on_lock()
def exception_request_comment(*, invoice_id: int, actor, role: str, question: str) -> ApprovalStep:
    from .exceptions import _require_finance, _require_reason
    from .matching import lock_invoice

    _require_finance(actor, "ask for a comment")
    question = _require_reason(question, "ask for a comment (write the question)")
    if role not in (CommentFrom.BUYER, CommentFrom.RECEIVER):
        raise DomainError("Ask the PO's buyer or the receiver of the goods.", code="invalid_role")
    with transaction.atomic():
        invoice = lock_invoice(invoice_id)
        case = open_case_for(invoice)
        if case is None:
            raise Conflict(f"Invoice {invoice} has no open exception case.", code="no_open_case")
        who = comment_addressee(case, role)
        if who is None:
            raise DomainError(
                f"Invoice {invoice} was matched against no PO with a {'buyer' if role == 'buyer' else 'receipt'}.",
                code="nobody_to_ask",
            )
        return ApprovalStep.objects.create(
            case=case, kind=StepKind.COMMENT_REQUEST, actor=actor, addressed_to=who, role=role, text=question
        )


@conflict_on_lock()
def exception_comment(*, invoice_id: int, actor, text: str) -> ApprovalStep:
    """The buyer or receiver asked answers with a comment."""
    from .exceptions import _require_reason
    from .matching import lock_invoice

    text = _require_reason(text, "comment (write the comment)")
    with transaction.atomic():
        invoice = lock_invoice(invoice_id)
        case = open_case_for(invoice)
        if case is None:
            raise NotFound(f"Invoice {invoice_id} has no open exception case.")
        request = case.steps.filter(kind=StepKind.COMMENT_REQUEST, addressed_to=actor).order_by("-pk").first()
        if request is None:
            raise PermissionDenied("Only the person asked for a comment may comment.")
        return ApprovalStep.objects.create(
            case=case, kind=StepKind.COMMENT, actor=actor, role=request.role, text=text
        )


def comment_requests_for(user):
    """Open exception cases whose comment was asked of ``user`` (and not yet given)."""
    if not (user and user.is_authenticated):
        return ApprovalStep.objects.none()
    answered = ApprovalStep.objects.filter(kind=StepKind.COMMENT, actor=user).values("case_id")
    return (
        ApprovalStep.objects.filter(
            kind=StepKind.COMMENT_REQUEST, addressed_to=user, case__state__in=OPEN_CASE_STATES
        )
        .exclude(case_id__in=answered)
        .select_related("case", "case__invoice", "case__invoice__supplier", "actor")
        .order_by("created_at")
    )
