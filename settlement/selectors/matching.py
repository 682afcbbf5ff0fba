"""Reads of matching, scoped by user.

Finance (and superusers) see every match result and the exception desk. A supplier user sees the
match status of its own supplier's invoices only, in supplier words: the reasons that need its
action, without the buyer's tolerance limits (a supplier that knew them could invoice up to them).
Another supplier's invoice id is a 404 (through ``invoicing.selectors.invoice_get``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from core.errors import PermissionDenied
from core.permissions import is_finance
from invoicing.models import Invoice, InvoiceState
from invoicing.selectors import invoice_get, invoice_list

from ..models import ExceptionCase, MatchResult, MatchVerdict, TolerancePolicy
from ..models.matching import OPEN_CASE_STATES

# Aging buckets of open exception cases: (key, label, first day, last day or None)
BUCKETS = (("0-2", 0, 2), ("3-7", 3, 7), ("8-30", 8, 30), (">30", 31, None))
# Invoice states in which a supplier sees a match status
MATCH_VISIBLE_STATES = [
    InvoiceState.VALIDATED,
    InvoiceState.MATCHED,
    InvoiceState.EXCEPTION,
    InvoiceState.APPROVED,
    InvoiceState.SCHEDULED,
    InvoiceState.PAID,
    InvoiceState.CREDITED,
    InvoiceState.REJECTED,
]


def can_work_desk(user) -> bool:
    return bool(user and user.is_authenticated and (is_finance(None, user) or user.is_superuser))


def aging_bucket(days: int) -> str:
    for key, first, last in BUCKETS:
        if days >= first and (last is None or days <= last):
            return key
    return BUCKETS[0][0]


# ------------------------------------------------------------------------------------- the desk


def exception_case_list(
    user,
    *,
    bucket: str = "",
    state: str = "",
    supplier_id: int | None = None,
    legal_entity_id: int | None = None,
    reason: str = "",
    today: date | None = None,
) -> QuerySet[ExceptionCase]:
    """Open exception cases, oldest first; finance only (anyone else gets none)."""
    qs = (
        ExceptionCase.objects.select_related(
            "invoice", "invoice__supplier", "invoice__legal_entity", "result"
        )
        .defer("result__explanation")  # the desk shows the summary; the explanation can be large
        .filter(state__in=OPEN_CASE_STATES)
    )
    if not can_work_desk(user):
        return qs.none()
    if state:
        qs = qs.filter(state=state)
    if supplier_id:
        qs = qs.filter(invoice__supplier_id=supplier_id)
    if legal_entity_id:
        qs = qs.filter(invoice__legal_entity_id=legal_entity_id)
    if reason:
        qs = qs.filter(primary_reason=reason)
    if bucket:
        qs = _in_bucket(qs, bucket, today or timezone.localdate())
    return qs.order_by("opened_at", "pk")


def _bucket_q(bucket: str, today: date) -> Q | None:
    """Cases opened within the bucket's days before ``today`` (local days), or None."""
    spec = next((b for b in BUCKETS if b[0] == bucket), None)
    if spec is None:
        return None
    _, first, last = spec
    tz = timezone.get_current_timezone()

    def start_of(day: date):
        return timezone.make_aware(datetime.combine(day, time.min), tz)

    condition = Q(opened_at__lt=start_of(today - timedelta(days=first - 1)))
    if last is not None:
        condition &= Q(opened_at__gte=start_of(today - timedelta(days=last)))
    return condition


def _in_bucket(qs, bucket: str, today: date):
    condition = _bucket_q(bucket, today)
    return qs if condition is None else qs.filter(condition)


def aging_counts(user, today: date | None = None) -> dict[str, int]:
    """Open cases per aging bucket, counted by the database in one query."""
    today = today or timezone.localdate()
    counts = (
        exception_case_list(user)
        .order_by()
        .aggregate(**{key: Count("pk", filter=_bucket_q(key, today)) for key, _, _ in BUCKETS})
    )
    return {key: counts[key] or 0 for key, _, _ in BUCKETS}


def stale_result_list(user) -> QuerySet[MatchResult]:
    """Current results whose inputs changed after they were made, of invoices finance can still match
    again (exception, matched, approved): a scheduled, paid, credited or cancelled invoice is not
    listed, nobody can act on it."""
    qs = MatchResult.objects.filter(
        is_current=True,
        is_stale=True,
        invoice__state__in=[InvoiceState.EXCEPTION, InvoiceState.MATCHED, InvoiceState.APPROVED],
    ).select_related("invoice", "invoice__supplier")
    return qs if can_work_desk(user) else qs.none()


def exception_case_for(user, invoice: Invoice) -> ExceptionCase | None:
    """The open case of an invoice the user may see (latest resolved one if none is open)."""
    cases = ExceptionCase.objects.filter(invoice=invoice)
    return cases.filter(state__in=OPEN_CASE_STATES).first() or cases.order_by("-opened_at", "-pk").first()


# ----------------------------------------------------------------------------------- one invoice


def match_result_current(user, invoice_id: int) -> tuple[Invoice, MatchResult | None]:
    """The invoice (scoped: another supplier's id is a 404) and its current match result."""
    invoice = invoice_get(user, invoice_id)
    result = MatchResult.objects.filter(invoice=invoice, is_current=True).select_related("policy").first()
    return invoice, result


def match_result_history(user, invoice_id: int) -> QuerySet[MatchResult]:
    """Every match run of the invoice, newest first (finance)."""
    invoice = invoice_get(user, invoice_id)
    if not can_work_desk(user):
        raise PermissionDenied("Only finance sees the match runs of an invoice.")
    return MatchResult.objects.filter(invoice=invoice).select_related("policy").order_by("-created_at", "-pk")


def supplier_match_list(user) -> QuerySet[Invoice]:
    """The user's visible invoices past validation with their current result prefetched."""
    current = Prefetch(
        "match_results", queryset=MatchResult.objects.filter(is_current=True), to_attr="current_results"
    )
    cases = Prefetch(
        "exception_cases",
        queryset=ExceptionCase.objects.filter(state__in=OPEN_CASE_STATES),
        to_attr="open_cases",
    )
    return invoice_list(user).filter(state__in=MATCH_VISIBLE_STATES).prefetch_related(current, cases)


def tolerance_policy_list(user) -> QuerySet[TolerancePolicy]:
    qs = TolerancePolicy.objects.select_related("legal_entity", "supplier").order_by("code", "-version")
    return qs if can_work_desk(user) else qs.none()


# ------------------------------------------------------------------------------ the explanation


@dataclass
class ReasonView:
    code: str
    severity: str
    message: str
    rule: str


@dataclass
class LineView:
    line_no: str
    name: str
    po_line: str
    match_type: str
    paired_by: str
    invoiced_quantity: str
    matched_quantity: str
    verdict: str
    receipts: list[dict] = field(default_factory=list)
    variances: list[dict] = field(default_factory=list)
    reasons: list[ReasonView] = field(default_factory=list)


@dataclass
class ExplanationView:
    verdict: str
    policy_version: str
    policy_scope: str
    engine_version: str
    input_hash: str
    lines: list[LineView]
    variances: list[dict]
    reasons: list[ReasonView]


def supplier_words(message: str) -> str:
    """The facts of a reason without the buyer's tolerance settings."""
    facts, cut, _ = message.partition("; the policy")
    if not cut:
        return message
    return facts.rstrip(".") + "."


def _reasons(items: list[dict], for_supplier: bool) -> list[ReasonView]:
    out = []
    for r in items:
        if for_supplier and r.get("severity") != MatchVerdict.EXCEPTION:
            continue  # within tolerance or rounding: nothing for the supplier to do
        message = supplier_words(r.get("message", "")) if for_supplier else r.get("message", "")
        out.append(
            ReasonView(
                r.get("code", ""), r.get("severity", ""), message, "" if for_supplier else r.get("rule", "")
            )
        )
    return out


def explanation_view(result: MatchResult, *, for_supplier: bool = False) -> ExplanationView:
    """A stored explanation arranged for a page: per line the PO line, the receipts taken (number,
    date, quantity), the variances and the reasons with the rule applied."""
    data = result.explanation or {}
    labels = data.get("labels", {})
    po_labels = labels.get("po_lines", {})
    receipt_labels = labels.get("receipt_lines", {})
    line_labels = labels.get("invoice_lines", {})
    by_line: dict[str, list[dict]] = {}
    for a in data.get("allocations", []):
        receipt = receipt_labels.get(a.get("receipt_line_id") or "", {})
        by_line.setdefault(a["invoice_line_id"], []).append(
            {
                "receipt": receipt.get("number", "") if a.get("receipt_line_id") else "",
                "date": receipt.get("date", ""),
                "two_way": a.get("receipt_line_id") is None,
                "quantity": a.get("quantity", ""),
            }
        )
    lines = []
    for line in data.get("lines", []):
        label = line_labels.get(line["invoice_line_id"], {})
        po = po_labels.get(line.get("po_line_id") or "", {})
        verdict = line.get("verdict", "")
        if for_supplier and verdict == MatchVerdict.MATCHED_WITHIN_TOLERANCE:
            verdict = MatchVerdict.MATCHED
        lines.append(
            LineView(
                line_no=str(label.get("line_no", line["invoice_line_id"])),
                name=label.get("name", ""),
                po_line=" ".join(filter(None, [po.get("label", ""), po.get("name", "")])),
                match_type=line.get("match_type") or "",
                paired_by=line.get("paired_by") or "",
                invoiced_quantity=line.get("invoiced_quantity", ""),
                matched_quantity=line.get("matched_quantity", ""),
                verdict=verdict,
                receipts=by_line.get(line["invoice_line_id"], []),
                variances=[] if for_supplier else line.get("variances", []),
                reasons=_reasons(line.get("reasons", []), for_supplier),
            )
        )
    verdict = result.verdict
    if for_supplier and verdict == MatchVerdict.MATCHED_WITHIN_TOLERANCE:
        verdict = MatchVerdict.MATCHED
    return ExplanationView(
        verdict=verdict,
        policy_version="" if for_supplier else result.policy_version,
        policy_scope="" if for_supplier else data.get("policy", {}).get("scope", ""),
        engine_version=result.engine_version,
        input_hash="" if for_supplier else result.input_hash,
        lines=lines,
        variances=[] if for_supplier else data.get("variances", []),
        reasons=_reasons(data.get("reasons", []), for_supplier),
    )
