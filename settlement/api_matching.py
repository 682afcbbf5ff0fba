"""API of matching: finance's exception desk and its actions; every user's (scoped) match status.

    GET  /api/matching/exceptions                      finance: open cases with aging and filters
    GET  /api/matching/invoices                        match status of the invoices the user sees
    GET  /api/matching/invoices/{id}                   one invoice's current result and explanation
    GET  /api/matching/invoices/{id}/results           every run (finance)
    POST /api/matching/invoices/{id}/accept            finance, {"reason"}
    POST /api/matching/invoices/{id}/request-credit-note   finance, {"reason"} (the message)
    POST /api/matching/invoices/{id}/reject            finance, {"reason"}
    POST /api/matching/invoices/{id}/rematch           finance, {"reason"} optional
    POST /api/matching/invoices/{id}/ask-comment       finance, {"role": buyer|receiver, "question"}
    POST /api/matching/invoices/{id}/comment           the person asked, {"text"}
    GET  /api/matching/policies                        finance: tolerance policy versions

Supplier users get their own invoices only (another supplier's id is a 404), and reasons in
supplier words (no tolerance limits, nothing within tolerance).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext
from ninja import Query, Router, Schema

from core.errors import PermissionDenied

from .selectors import matching as selectors
from .services import approvals
from .services import exceptions as desk
from .services.match_policies import RULE_FIELDS

router = Router(tags=["matching"])


class ReasonIn(Schema):
    reason: str = ""


class ReasonOut(Schema):
    code: str
    severity: str
    message: str
    rule: str


class LineOut(Schema):
    line_no: str
    name: str
    po_line: str
    match_type: str
    paired_by: str
    invoiced_quantity: str
    matched_quantity: str
    verdict: str
    receipts: list[dict]
    variances: list[dict]
    reasons: list[ReasonOut]


class ExplanationOut(Schema):
    verdict: str
    policy_version: str
    policy_scope: str
    engine_version: str
    input_hash: str
    lines: list[LineOut]
    variances: list[dict]
    reasons: list[ReasonOut]


class CaseOut(Schema):
    state: str
    opened_at: datetime
    days_open: int
    aging_bucket: str
    primary_reason: str
    credit_note_request: str
    resolution: str
    resolution_reason: str


class MatchStatusOut(Schema):
    invoice_id: int
    invoice_number: str
    invoice_state: str
    supplier_id: int
    net_amount: Decimal | None
    currency: str
    matched_at: datetime | None
    verdict: str | None
    is_stale: bool
    case: CaseOut | None
    explanation: ExplanationOut | None


class DeskRowOut(Schema):
    invoice_id: int
    invoice_number: str
    supplier_id: int
    supplier_name: str
    legal_entity_id: int | None
    net_amount: Decimal | None
    currency: str
    state: str
    opened_at: datetime
    days_open: int
    aging_bucket: str
    primary_reason: str
    summary: str
    policy_version: str
    is_stale: bool


class ResultOut(Schema):
    id: int
    created_at: datetime
    verdict: str
    input_hash: str
    policy_version: str
    engine_version: str
    is_current: bool
    is_stale: bool
    summary: str


class PolicyOut(Schema):
    id: int
    code: str
    version: int
    label: str
    scope: str
    effective_from: date
    effective_to: date | None
    rules: dict


class RematchOut(Schema):
    changed: bool
    status: MatchStatusOut


def _case_out(case) -> dict | None:
    if case is None:
        return None
    days = case.days_open()
    return {
        "state": case.state,
        "opened_at": case.opened_at,
        "days_open": days,
        "aging_bucket": selectors.aging_bucket(days),
        "primary_reason": case.primary_reason,
        "credit_note_request": case.credit_note_request,
        "resolution": case.resolution,
        "resolution_reason": case.resolution_reason,
    }


def _status(user, invoice, result) -> dict:
    for_supplier = not selectors.can_work_desk(user)
    explanation = selectors.explanation_view(result, for_supplier=for_supplier) if result else None
    return {
        "invoice_id": invoice.pk,
        "invoice_number": invoice.invoice_number,
        "invoice_state": invoice.state,
        "supplier_id": invoice.supplier_id,
        "net_amount": invoice.net_amount,
        "currency": invoice.currency,
        "matched_at": result.created_at if result else None,
        "verdict": explanation.verdict if explanation else None,
        "is_stale": bool(result and result.is_stale and not for_supplier),
        "case": _case_out(selectors.exception_case_for(user, invoice)),
        "explanation": asdict(explanation) if explanation else None,
    }


def _require_desk(user) -> None:
    if not selectors.can_work_desk(user):
        raise PermissionDenied(gettext("Only finance works the exception desk."))


@router.get("/matching/exceptions", response=list[DeskRowOut])
def exception_list(
    request,
    bucket: str = "",
    state: str = "",
    supplier_id: int | None = None,
    legal_entity_id: int | None = None,
    reason: str = "",
    limit: int = Query(100, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10**9),
):
    """Open exception cases, oldest first; ``bucket`` is one of 0-2, 3-7, 8-30, >30 (days open)."""
    _require_desk(request.auth)
    cases = selectors.exception_case_list(
        request.auth,
        bucket=bucket,
        state=state,
        supplier_id=supplier_id,
        legal_entity_id=legal_entity_id,
        reason=reason,
    )[offset : offset + min(limit, 500)]
    rows = []
    for case in cases:
        invoice, days = case.invoice, case.days_open()
        rows.append(
            {
                "invoice_id": invoice.pk,
                "invoice_number": invoice.invoice_number,
                "supplier_id": invoice.supplier_id,
                "supplier_name": invoice.supplier.name,
                "legal_entity_id": invoice.legal_entity_id,
                "net_amount": invoice.net_amount,
                "currency": invoice.currency,
                "state": case.state,
                "opened_at": case.opened_at,
                "days_open": days,
                "aging_bucket": selectors.aging_bucket(days),
                "primary_reason": case.primary_reason,
                "summary": case.result.summary,
                "policy_version": case.result.policy_version,
                "is_stale": case.result.is_stale,
            }
        )
    return rows


@router.get("/matching/invoices", response=list[MatchStatusOut])
def match_status_list(request, limit: int = Query(100, ge=1, le=500), offset: int = Query(0, ge=0, le=10**9)):
    """The match status of the invoices the user may see (a supplier: its own)."""
    invoices = selectors.supplier_match_list(request.auth)[offset : offset + min(limit, 500)]
    return [
        _status(request.auth, invoice, invoice.current_results[0] if invoice.current_results else None)
        for invoice in invoices
    ]


@router.get("/matching/invoices/{int:invoice_id}", response=MatchStatusOut)
def match_status(request, invoice_id: int):
    invoice, result = selectors.match_result_current(request.auth, invoice_id)
    return _status(request.auth, invoice, result)


@router.get("/matching/invoices/{int:invoice_id}/results", response=list[ResultOut])
def match_result_history(request, invoice_id: int):
    return selectors.match_result_history(request.auth, invoice_id)


def _after(request, invoice_id: int) -> dict:
    invoice, result = selectors.match_result_current(request.auth, invoice_id)
    return _status(request.auth, invoice, result)


def _visible(request, invoice_id: int) -> None:
    """404 for an invoice the user may not see, before any role check can tell it exists."""
    selectors.match_result_current(request.auth, invoice_id)


@router.post("/matching/invoices/{int:invoice_id}/accept", response=MatchStatusOut)
def exception_accept(request, invoice_id: int, payload: ReasonIn):
    """Accept the variance (finance; reason required): the invoice is approved."""
    _visible(request, invoice_id)
    desk.exception_accept(invoice_id=invoice_id, actor=request.auth, reason=payload.reason)
    return _after(request, invoice_id)


class CommentRequestIn(Schema):
    role: str = ""  # buyer | receiver
    question: str = ""


class CommentIn(Schema):
    text: str = ""


@router.post("/matching/invoices/{int:invoice_id}/ask-comment", response=MatchStatusOut)
def exception_ask_comment(request, invoice_id: int, payload: CommentRequestIn):
    """Send the exception to the PO's buyer or the receiver for a comment (finance)."""
    _visible(request, invoice_id)
    approvals.exception_request_comment(
        invoice_id=invoice_id, actor=request.auth, role=payload.role, question=payload.question
    )
    return _after(request, invoice_id)


@router.post("/matching/invoices/{int:invoice_id}/comment", response=MatchStatusOut)
def exception_comment(request, invoice_id: int, payload: CommentIn):
    """The buyer or receiver asked comments ("price confirmed", "goods arrived")."""
    _visible(request, invoice_id)
    approvals.exception_comment(invoice_id=invoice_id, actor=request.auth, text=payload.text)
    return _after(request, invoice_id)


@router.post("/matching/invoices/{int:invoice_id}/request-credit-note", response=MatchStatusOut)
def exception_request_credit_note(request, invoice_id: int, payload: ReasonIn):
    """Ask the supplier for a credit note (finance; ``reason`` is the message to the supplier)."""
    _visible(request, invoice_id)
    desk.exception_request_credit_note(invoice_id=invoice_id, actor=request.auth, message=payload.reason)
    return _after(request, invoice_id)


@router.post("/matching/invoices/{int:invoice_id}/reject", response=MatchStatusOut)
def exception_reject(request, invoice_id: int, payload: ReasonIn):
    """Reject the invoice back to the supplier (finance; reason required)."""
    _visible(request, invoice_id)
    desk.exception_reject(invoice_id=invoice_id, actor=request.auth, reason=payload.reason)
    return _after(request, invoice_id)


@router.post("/matching/invoices/{int:invoice_id}/rematch", response=RematchOut)
def exception_rematch(request, invoice_id: int, payload: ReasonIn):
    """Match again (finance), e.g. after a late receipt; ``changed`` is false when nothing changed."""
    _visible(request, invoice_id)
    outcome = desk.exception_rematch(invoice_id=invoice_id, actor=request.auth, reason=payload.reason)
    return {"changed": outcome.changed, "status": _after(request, invoice_id)}


@router.get("/matching/policies", response=list[PolicyOut])
def policy_list(request):
    _require_desk(request.auth)
    return [
        {
            "id": p.pk,
            "code": p.code,
            "version": p.version,
            "label": p.label,
            "scope": p.scope_display,
            "effective_from": p.effective_from,
            "effective_to": p.effective_to,
            "rules": {
                name: None if getattr(p, name) is None else str(getattr(p, name)) for name in RULE_FIELDS
            },
        }
        for p in selectors.tolerance_policy_list(request.auth)
    ]
