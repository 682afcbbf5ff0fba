"""Accounts-payable figures: received but not invoiced (GR/IR), match exceptions by cause, supplier
and item category, and tolerance near misses. Buyer-organisation staff only (the figures span every
supplier); each function costs a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.money import q2
from invoicing.models import Invoice
from procurement.models import GoodsReceiptLine, POState, PurchaseOrderLine, ReceiptKind
from settlement.matching import reason_label
from settlement.models import ExceptionCase, MatchAllocation, MatchResult, MatchVerdict
from settlement.services.match_inputs import CREDIT_COUNTS, DEAD_INVOICE_STATES
from settlement.services.match_policies import to_engine

from .near_miss import LimitUse, near_miss
from .selectors import _check

ZERO = Decimal(0)
GRIR_BUCKETS = ((0, 30, "0–30"), (31, 60, "31–60"), (61, 90, "61–90"), (91, None, ">90"))
DEFAULT_DAYS, MAX_DAYS = 90, 366
TOP_SUPPLIERS = 6


def _since(days: int, now: datetime | None = None) -> datetime:
    today = timezone.localdate(now or timezone.now())
    return timezone.make_aware(datetime.combine(today - timedelta(days=days - 1), time.min))


def _bucket(days: int) -> str:
    for low, high, label in GRIR_BUCKETS:
        if days >= low and (high is None or days <= high):
            return label
    return GRIR_BUCKETS[0][2]


# ------------------------------------------------------------------------------ received, not invoiced


@dataclass
class GrirRow:
    supplier_id: int
    supplier: str
    po_id: int
    po_number: str
    currency: str
    buckets: dict[str, Decimal] = field(default_factory=dict)
    oldest: date | None = None

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)

    @property
    def amounts(self) -> list[Decimal]:
        return [self.buckets.get(label, ZERO) for *_, label in GRIR_BUCKETS]


def _live_allocations():
    """The allocations that count as invoiced, as the engine counts earlier allocations: current
    results of invoices that are not rejected or cancelled; a credit note's only once it counts."""
    return (
        MatchAllocation.objects.filter(result__is_current=True)
        .exclude(invoice__state__in=DEAD_INVOICE_STATES)
        .exclude(Q(quantity__lt=0) & ~Q(invoice__state__in=CREDIT_COUNTS))
    )


def received_not_invoiced(user, *, today: date | None = None) -> dict:
    """Goods accepted but not (yet) on any invoice, valued at the PO price (net), per supplier and
    PO, by age of the receipt (days since the receipt date). Quantity is open on a receipt line by
    what invoices allocated to it; goods returned later come off the newest open receipts first
    (as the matching engine reads returns). Services (no receipts) and cancelled POs are left out."""
    _check(user)
    today = today or timezone.localdate()
    qty = DecimalField(max_digits=24, decimal_places=6)
    allocated = (
        _live_allocations()
        .filter(receipt_line=OuterRef("pk"))
        .order_by()
        .values("receipt_line")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    open_lines = (
        GoodsReceiptLine.objects.filter(receipt__kind=ReceiptKind.RECEIPT, accepted_qty__gt=0)
        .exclude(po_line__item__is_service=True)
        .exclude(po_line__po__state=POState.CANCELLED)
        .annotate(invoiced=Coalesce(Subquery(allocated, output_field=qty), Value(ZERO), output_field=qty))
        .filter(accepted_qty__gt=F("invoiced"))
    )
    rows = list(
        open_lines.values_list(
            "pk",
            "po_line_id",
            "accepted_qty",
            "invoiced",
            "receipt__receipt_date",
            "po_line__unit_price",
            "po_line__po_id",
            "po_line__po__number",
            "po_line__po__currency",
            "po_line__po__supplier_id",
            "po_line__po__supplier__name",
        ).order_by("-receipt__receipt_date", "-pk")  # newest first: returns come off these first
    )
    returned = dict(
        GoodsReceiptLine.objects.filter(returned_qty__gt=0, po_line_id__in=open_lines.values("po_line_id"))
        .order_by()
        .values("po_line_id")
        .annotate(total=Sum("returned_qty"))
        .values_list("po_line_id", "total")
    )
    per_po: dict[int, GrirRow] = {}
    for _pk, po_line_id, accepted, invoiced, received_on, price, po_id, number, currency, sid, sname in rows:
        open_qty = Decimal(accepted) - Decimal(invoiced or 0)
        back = min(returned.get(po_line_id, ZERO), open_qty)
        if back > 0:
            returned[po_line_id] -= back
            open_qty -= back
        if open_qty <= 0:
            continue
        row = per_po.setdefault(po_id, GrirRow(sid, sname, po_id, number, currency))
        label = _bucket((today - received_on).days)
        row.buckets[label] = row.buckets.get(label, ZERO) + q2(open_qty * Decimal(price))
        row.oldest = received_on if row.oldest is None else min(row.oldest, received_on)
    table = sorted(per_po.values(), key=lambda r: (r.currency, -r.total, r.supplier, r.po_number))
    labels = [label for *_, label in GRIR_BUCKETS]
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO] * len(labels))
    for row in table:
        totals[row.currency] = [a + b for a, b in zip(totals[row.currency], row.amounts, strict=True)]
    per_supplier: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO] * len(labels))
    for row in table:
        if row.currency == "CNY":
            per_supplier[row.supplier] = [
                a + b for a, b in zip(per_supplier[row.supplier], row.amounts, strict=True)
            ]
    ranked = sorted(per_supplier.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    series = ranked[:TOP_SUPPLIERS]
    if len(ranked) > TOP_SUPPLIERS:
        rest = [sum(values[i] for _, values in ranked[TOP_SUPPLIERS:]) for i in range(len(labels))]
        series.append(("", rest))  # "" = the other suppliers (named by the page in its language)
    return {
        "buckets": labels,
        "rows": table,
        "totals": {currency: (values, sum(values, ZERO)) for currency, values in sorted(totals.items())},
        "series": series,
        "as_of": today,
    }


# ------------------------------------------------------------------------------ exceptions by cause


@dataclass
class ExceptionRow:
    case_id: int
    invoice_id: int
    invoice_number: str
    supplier_id: int
    supplier: str
    cause: str
    category: str  # "" none, "*" several
    state: str
    opened_at: datetime
    net: Decimal | None
    currency: str

    @property
    def cause_label(self) -> str:
        return reason_label(self.cause)


@dataclass
class Tally:
    key: str
    label: str
    cases: int = 0
    open: int = 0
    net_cny: Decimal = ZERO


def _categories_of_results(result_ids_qs) -> dict[int, str]:
    """Per match result, the item category of the PO lines it was matched against (as the policy
    is chosen): the one they share, ``*`` when they have several, "" when none."""
    through = MatchResult.purchase_orders.through
    pos_of: dict[int, set[int]] = defaultdict(set)
    for result_id, po_id in through.objects.filter(matchresult_id__in=result_ids_qs).values_list(
        "matchresult_id", "purchaseorder_id"
    ):
        pos_of[result_id].add(po_id)
    cats_of_po: dict[int, set[str]] = defaultdict(set)
    po_ids = through.objects.filter(matchresult_id__in=result_ids_qs).values("purchaseorder_id")
    for po_id, category in (
        PurchaseOrderLine.objects.filter(po_id__in=po_ids)
        .order_by()
        .values_list("po_id", "item__category")
        .distinct()
    ):
        if category:
            cats_of_po[po_id].add(category)
    out = {}
    for result_id, pos in pos_of.items():
        categories = set().union(*(cats_of_po[p] for p in pos))
        out[result_id] = categories.pop() if len(categories) == 1 else ("*" if categories else "")
    return out


def exceptions_by_cause(user, *, days: int = DEFAULT_DAYS, now: datetime | None = None) -> dict:
    """Exception cases opened in the last ``days`` days (open or resolved since), each counted once:
    under the first reason that made it an exception (``primary_reason``), its supplier and the
    item category of its PO lines."""
    _check(user)
    since = _since(days, now)
    cases = ExceptionCase.objects.filter(opened_at__gte=since)
    categories = _categories_of_results(cases.values("result_id"))
    rows = [
        ExceptionRow(
            case_id=pk,
            invoice_id=invoice_id,
            invoice_number=number or str(invoice_id),
            supplier_id=supplier_id,
            supplier=supplier,
            cause=cause or "",
            category=categories.get(result_id, ""),
            state=state,
            opened_at=opened_at,
            net=net,
            currency=currency or "CNY",
        )
        for pk, invoice_id, number, supplier_id, supplier, cause, result_id, state, opened_at, net, currency in (
            cases.order_by("-opened_at", "-pk").values_list(
                "pk",
                "invoice_id",
                "invoice__invoice_number",
                "invoice__supplier_id",
                "invoice__supplier__name",
                "primary_reason",
                "result_id",
                "state",
                "opened_at",
                "invoice__net_amount",
                "invoice__currency",
            )
        )
    ]

    def tally(key_of, label_of) -> list[Tally]:
        out: dict[str, Tally] = {}
        for row in rows:
            key = key_of(row)
            entry = out.setdefault(key, Tally(key, label_of(row)))
            entry.cases += 1
            entry.open += row.state != "resolved"
            if row.currency == "CNY" and row.net is not None:
                entry.net_cny += abs(row.net)
        return sorted(out.values(), key=lambda t: (-t.cases, t.label))

    return {
        "days": days,
        "since": timezone.localdate(since),
        "rows": rows,
        "by_cause": tally(lambda r: r.cause, lambda r: r.cause_label),
        "by_supplier": tally(lambda r: str(r.supplier_id), lambda r: r.supplier),
        "by_category": tally(lambda r: r.category, lambda r: r.category),
    }


# ------------------------------------------------------------------------------ tolerance near misses


@dataclass
class NearMissRow:
    result_id: int
    invoice_id: int
    invoice_number: str
    supplier: str
    verdict: str
    policy_version: str
    currency: str
    decided_at: datetime
    use: LimitUse
    line_no: str

    @property
    def verdict_label(self) -> str:
        return str(MatchVerdict(self.verdict).label) if self.verdict in MatchVerdict.values else self.verdict


def near_misses(
    user,
    *,
    days: int = DEFAULT_DAYS,
    near: Decimal = Decimal("0.8"),
    over: Decimal = Decimal("1.2"),
    now: datetime | None = None,
) -> dict:
    """Current match results of the last ``days`` days that came close to a tolerance limit: matched
    within tolerance with a variance using at least ``near`` of its limit, and exceptions for limits
    only that were over by at most ``over`` (see ``reports.near_miss``). Read in chunks, so memory
    stays flat; one query for the results, whatever their number."""
    _check(user)
    since = _since(days, now)
    results = (
        MatchResult.objects.filter(
            is_current=True,
            created_at__gte=since,
            verdict__in=[MatchVerdict.MATCHED_WITHIN_TOLERANCE, MatchVerdict.EXCEPTION],
        )
        .select_related("invoice__supplier", "policy")
        .defer("inputs", "summary", "invoice__po_references")
        .order_by("-created_at", "-pk")
    )
    engine_policies: dict[int, object] = {}
    rows: list[NearMissRow] = []
    for result in results.iterator(chunk_size=200):
        if result.policy_id not in engine_policies:
            try:
                engine_policies[result.policy_id] = to_engine(result.policy)
            except ValueError:  # a stored limit the engine cannot read (out of bounds): no limit to near
                engine_policies[result.policy_id] = None
        if engine_policies[result.policy_id] is None:
            continue
        explanation = result.explanation or {}
        use = near_miss(result.verdict, explanation, engine_policies[result.policy_id], near=near, over=over)
        if use is None:
            continue
        line_labels = (explanation.get("labels") or {}).get("invoice_lines") or {}
        invoice: Invoice = result.invoice
        rows.append(
            NearMissRow(
                result_id=result.pk,
                invoice_id=invoice.pk,
                invoice_number=invoice.invoice_number or str(invoice.pk),
                supplier=invoice.supplier.name,
                verdict=result.verdict,
                policy_version=result.policy_version,
                currency=invoice.currency or "CNY",
                decided_at=result.created_at,
                use=use,
                line_no=str((line_labels.get(use.line_id or "") or {}).get("line_no", ""))
                if use.line_id
                else "",
            )
        )
    rows.sort(key=lambda r: (-r.use.share, -r.result_id))
    return {"days": days, "since": timezone.localdate(since), "rows": rows, "near": near, "over": over}
