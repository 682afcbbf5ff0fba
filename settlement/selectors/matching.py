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
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import PermissionDenied
from core.permissions import is_finance
from core.texts import REGISTRY, render, render_value
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
        raise PermissionDenied(gettext("Only finance sees the match runs of an invoice."))
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

    # the codes above in the reader's language, for pages (the API keeps the codes)
    @property
    def verdict_label(self) -> str:
        return _verdict(self.verdict)

    @property
    def match_type_label(self) -> str:
        return _word(self.match_type)

    @property
    def paired_by_label(self) -> str:
        return _word(self.paired_by)


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

    @property
    def verdict_label(self) -> str:
        return _verdict(self.verdict)


def supplier_words(message: str) -> str:
    """The facts of a reason without the buyer's tolerance settings."""
    facts, cut, _ = message.partition("; the policy")
    if not cut:
        return message
    return facts.rstrip(".") + "."


def reason_words(reason: dict, *, for_supplier: bool = False) -> str:
    """A stored reason in the reader's language: from its code and figures where it has them (a
    supplier reads the ``.facts`` variant, without the buyer's tolerance settings), else the
    English it was stored with."""
    text = reason.get("text") or {}
    code = text.get("code", "")
    message = reason.get("message", "")
    if code not in REGISTRY:
        return supplier_words(message) if for_supplier else message
    if for_supplier and f"{code}.facts" in REGISTRY:
        code = f"{code}.facts"
    return render(code, text.get("params") or {}, fallback=message)


def exception_reasons(result: MatchResult) -> list[dict]:
    """The stored reasons that made ``result`` an exception, line reasons first."""
    return explanation_exception_reasons(result.explanation)


def explanation_exception_reasons(explanation: dict | None) -> list[dict]:
    """:func:`exception_reasons` of a stored explanation read without its result."""
    data = explanation or {}
    items = [r for line in data.get("lines", []) for r in line.get("reasons", [])] + data.get("reasons", [])
    return [r for r in items if r.get("severity") == MatchVerdict.EXCEPTION]


def supplier_facts(reason: dict):
    """A reason as a supplier may read it, kept as a text (code and figures) where it has one: its
    ``.facts`` variant (without the buyer's tolerance settings), else the text itself when it
    cites no policy."""
    text = reason.get("text") or {}
    code = text.get("code")
    if f"{code}.facts" in REGISTRY:
        return {"code": f"{code}.facts", "params": text.get("params") or {}}
    if code in REGISTRY and "; the policy" not in reason.get("message", ""):
        return {"code": code, "params": text.get("params") or {}}
    return supplier_words(reason.get("message", ""))


def summary_words(result: MatchResult, *, limit: int = 3) -> str:
    """The exception reasons of ``result`` in the reader's language (at most ``limit``)."""
    return explanation_summary_words(result.explanation, limit=limit)


def explanation_summary_words(explanation: dict | None, *, limit: int = 3) -> str:
    """:func:`summary_words` of a stored explanation read without its result."""
    reasons = explanation_exception_reasons(explanation)
    words = [reason_words(r) for r in reasons[:limit]]
    if len(reasons) > limit:
        words.append(gettext("(+%(count)s more)") % {"count": len(reasons) - limit})
    return " ".join(words)


def _rule_words(reason: dict) -> str:
    rule = ((reason.get("text") or {}).get("params") or {}).get("rule")
    return str(render_value(rule)) if rule else reason.get("rule", "")


# How the codes of a stored explanation read (raw values where a code is not listed).
WORDS = {
    "three_way": _("three-way (order, receipt, invoice)"),
    "two_way": _("two-way (order, invoice)"),
    "po_line_reference": _("PO line reference"),
    "item_code": _("item code"),
    "name": _("name"),
    "quantity": _("Quantity"),
    "amount_rounding": _("Amount rounding"),
    "unit_price": _("Unit price"),
    "line_amount": _("Line amount"),
    "tax_rounding": _("Tax rounding"),
    "tax": _("Tax"),
    "tax_total_rounding": _("Tax total rounding"),
    "tax_total": _("Tax total"),
    "invoice_total_rounding": _("Invoice total rounding"),
    "invoice_total": _("Invoice total"),
}


def _word(code: str | None) -> str:
    return str(WORDS.get(code or "", code or ""))


def _verdict(value: str) -> str:
    return str(MatchVerdict(value).label) if value in MatchVerdict.values else value


def _variances(items: list[dict]) -> list[dict]:
    return [{**v, "kind_label": _word(v.get("kind"))} for v in items]


def _reasons(items: list[dict], for_supplier: bool) -> list[ReasonView]:
    out = []
    for r in items:
        if for_supplier and r.get("severity") != MatchVerdict.EXCEPTION:
            continue  # within tolerance or rounding: nothing for the supplier to do
        out.append(
            ReasonView(
                r.get("code", ""),
                r.get("severity", ""),
                reason_words(r, for_supplier=for_supplier),
                "" if for_supplier else _rule_words(r),
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
                variances=[] if for_supplier else _variances(line.get("variances", [])),
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
        variances=[] if for_supplier else _variances(data.get("variances", [])),
        reasons=_reasons(data.get("reasons", []), for_supplier),
    )
