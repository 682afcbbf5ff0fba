"""Figures for the charts. Each takes the user and refuses anyone who is not buyer-organisation
staff: the figures span every supplier. Every function costs a fixed number of queries."""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Cast, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext

from core.errors import PermissionDenied
from core.models import TransitionLog
from core.money import q2
from core.permissions import is_internal
from invoicing.models import Invoice, InvoiceState
from procurement.models import POState, PurchaseOrder, PurchaseOrderLine
from procurement.selectors import SCORE_WINDOW_DAYS, supplier_scores
from suppliers.models import Supplier
from suppliers.scorecard import SupplierScore

COMMITTED_PO_STATES = [
    POState.APPROVED,
    POState.SENT,
    POState.ACKNOWLEDGED,
    POState.PARTIALLY_RECEIVED,
    POState.RECEIVED,
    POState.CLOSED,
]
AGING_BUCKETS = ((0, 2, "0–2"), (3, 7, "3–7"), (8, 30, "8–30"), (31, None, ">30"))


def _check(user) -> None:
    if not is_internal(None, user):
        raise PermissionDenied(gettext("Reports span every supplier: buyer-organisation staff only."))


def months_back(today: date, count: int) -> list[date]:
    """The first days of the last ``count`` months, oldest first, ending with today's month."""
    first = today.replace(day=1)
    out = []
    for _ in range(count):
        out.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return out[::-1]


def spend_by_supplier_and_month(user, *, months: int = 12, top: int = 6, today: date | None = None) -> dict:
    """Net PO value committed (approved or later) per supplier and month of the order, in CNY.
    The ``top`` suppliers by total get their own series; the rest are summed as "other"."""
    _check(user)
    today = today or timezone.localdate()
    axis = months_back(today, months)
    net = ExpressionWrapper(
        F("quantity") * F("unit_price"), output_field=DecimalField(max_digits=30, decimal_places=8)
    )
    rows = (
        PurchaseOrderLine.objects.filter(
            po__state__in=COMMITTED_PO_STATES, po__currency="CNY", po__created_at__date__gte=axis[0]
        )
        .annotate(month=TruncMonth("po__created_at"))
        .values("po__supplier_id", "po__supplier__name", "month")
        .annotate(total=Sum(net))
        .order_by()
    )
    per_supplier: dict[tuple[int, str], dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in rows:
        month = row["month"].date() if hasattr(row["month"], "date") else row["month"]
        per_supplier[(row["po__supplier_id"], row["po__supplier__name"])][month] += row["total"] or Decimal(0)
    ranked = sorted(per_supplier.items(), key=lambda kv: (-sum(kv[1].values()), kv[0][0]))
    series = [(name, [q2(values.get(m, Decimal(0))) for m in axis]) for (_, name), values in ranked[:top]]
    rest = ranked[top:]
    if rest:
        series.append(("other", [q2(sum((v.get(m, Decimal(0)) for _, v in rest), Decimal(0))) for m in axis]))
    totals = [(name, q2(sum(values, Decimal(0)))) for name, values in series]
    return {"months": [m.strftime("%Y-%m") for m in axis], "series": series, "totals": totals}


def _first_logs(model, transitions: list[str], since) -> dict[str, dict[str, object]]:
    """{object id: {transition: first time}} for one document model."""
    content_type = ContentType.objects.get_for_model(model)
    firsts: dict[str, dict[str, object]] = defaultdict(dict)
    logs = (  # grouped by the database: one row per document and transition, not every log row
        TransitionLog.objects.filter(content_type=content_type, transition__in=transitions, at__gte=since)
        .order_by()
        .values("object_id", "transition")
        .annotate(first=Min("at"))
        .values_list("object_id", "transition", "first")
    )
    for object_id, name, at in logs:
        firsts[object_id][name] = at
    return firsts


def po_cycle_time(user, *, months: int = 12, today: date | None = None) -> dict:
    """Median days from submitting a PO for approval to the supplier's acknowledgement, per month
    of acknowledgement (first submit, first acknowledgement)."""
    _check(user)
    today = today or timezone.localdate()
    axis = months_back(today, months)
    since = timezone.make_aware(
        timezone.datetime.combine(axis[0] - timedelta(days=90), timezone.datetime.min.time())
    )
    per_month: dict[str, list[float]] = defaultdict(list)
    for stamps in _first_logs(PurchaseOrder, ["submit", "acknowledge"], since).values():
        if "submit" in stamps and "acknowledge" in stamps:
            acknowledged = timezone.localtime(stamps["acknowledge"])
            if acknowledged.date() >= axis[0]:
                days = (stamps["acknowledge"] - stamps["submit"]).total_seconds() / 86400
                per_month[acknowledged.strftime("%Y-%m")].append(days)
    labels = [m.strftime("%Y-%m") for m in axis]
    return {
        "months": labels,
        "median_days": [round(statistics.median(per_month[m]), 1) if per_month[m] else 0.0 for m in labels],
        "counts": [len(per_month[m]) for m in labels],
    }


def first_pass_match_rate(user, *, months: int = 12, today: date | None = None) -> dict:
    """Per month: of the invoices whose matching first decided in that month, the share matched
    without a person (their first match decision was ``match``, not ``raise_exception``)."""
    _check(user)
    today = today or timezone.localdate()
    axis = months_back(today, months)
    since = timezone.make_aware(timezone.datetime.combine(axis[0], timezone.datetime.min.time()))
    decided: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # month: [auto, total]
    for stamps in _first_logs(Invoice, ["match", "raise_exception"], since).values():
        first = min(stamps.items(), key=lambda kv: kv[1])
        month = timezone.localtime(first[1]).strftime("%Y-%m")
        decided[month][1] += 1
        if first[0] == "match":
            decided[month][0] += 1
    labels = [m.strftime("%Y-%m") for m in axis]
    return {
        "months": labels,
        "rate": [round(100 * decided[m][0] / decided[m][1], 1) if decided[m][1] else 0.0 for m in labels],
        "auto": [decided[m][0] for m in labels],
        "total": [decided[m][1] for m in labels],
    }


def exception_aging(user, *, now=None) -> dict:
    """Invoices waiting in the exception state, by days since they entered it."""
    _check(user)
    now = now or timezone.now()
    content_type = ContentType.objects.get_for_model(Invoice)
    waiting = list(Invoice.objects.filter(state=InvoiceState.EXCEPTION).values_list("pk", "created_at"))
    entered = dict(
        TransitionLog.objects.filter(
            content_type=content_type,
            target=InvoiceState.EXCEPTION,
            object_id__in=[str(pk) for pk, _ in waiting],
        )
        .order_by("object_id", "at")
        .values_list("object_id", "at")
    )  # later rows overwrite earlier: the last time each entered the exception state
    counts = {label: 0 for *_, label in AGING_BUCKETS}
    for pk, created_at in waiting:
        days = (now - entered.get(str(pk), created_at)).days
        for low, high, label in AGING_BUCKETS:
            if days >= low and (high is None or days <= high):
                counts[label] += 1
                break
    return {"buckets": list(counts.items()), "total": len(waiting)}


@dataclass(frozen=True)
class SupplierScoreRow:
    """One supplier on the scorecard chart: its score (``suppliers.scorecard.supplier_score``,
    as next to each quote) and, from invoicing, its first-pass match rate in the same window."""

    supplier_id: int
    name: str
    score: SupplierScore
    invoices_decided: int
    invoices_first_pass: int

    @property
    def first_pass_pct(self) -> Decimal | None:
        if not self.invoices_decided:
            return None
        return percent(Decimal(self.invoices_first_pass) / self.invoices_decided)

    @property
    def on_time_pct(self) -> Decimal | None:
        return percent(self.score.on_time_rate)

    @property
    def quality_pct(self) -> Decimal | None:
        return percent(self.score.quality_rate)

    @property
    def ack_speed_pct(self) -> Decimal | None:
        return percent(self.score.ack_speed)


def percent(rate: Decimal | None) -> Decimal | None:
    """A 0–1 rate as a percentage with one decimal (None stays None: nothing to measure)."""
    return None if rate is None else (100 * rate).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def scorecard_bars(score: SupplierScore) -> list[Decimal | None]:
    """The bars of one scorecard, in the order of the chart's series: overall, on time, quality,
    answer speed (0–100 each, None where there is nothing to measure)."""
    return [score.score, percent(score.on_time_rate), percent(score.quality_rate), percent(score.ack_speed)]


def supplier_scorecards(user, *, as_of: datetime | None = None, window_days: int = SCORE_WINDOW_DAYS) -> dict:
    """Every supplier with deliveries or purchase orders sent in the last ``window_days``, best
    overall score first (suppliers with activity but nothing measurable yet come last), each with
    its first-pass match rate (invoices whose first match decision in the window was ``match``).
    A fixed number of queries, whatever the number of suppliers."""
    _check(user)
    as_of = as_of or timezone.now()
    since = as_of - timedelta(days=window_days)
    candidates = PurchaseOrder.objects.order_by().values_list("supplier_id", flat=True).distinct()
    scores = {
        pk: score
        for pk, score in supplier_scores(user, list(candidates), as_of=as_of, window_days=window_days).items()
        if score.deliveries or score.acknowledgements
    }
    names = dict(Supplier.objects.filter(pk__in=scores).values_list("pk", "name")) if scores else {}
    decided: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # supplier: [first pass, decided]
    if scores:
        content_type = ContentType.objects.get_for_model(Invoice)
        logs = TransitionLog.objects.filter(
            content_type=content_type,
            transition__in=["match", "raise_exception"],
            at__gte=since,
            at__lte=as_of,
        )
        first = Subquery(  # the invoice's first match decision in the window
            logs.filter(object_id=Cast(OuterRef("pk"), CharField()))
            .order_by("at", "id")
            .values("transition")[:1]
        )
        counted = (  # per supplier, by the database: no log row comes into Python
            Invoice.objects.filter(
                supplier_id__in=scores,
                pk__in=logs.annotate(invoice_id=Cast("object_id", IntegerField())).values("invoice_id"),
            )
            .alias(first=first)
            .order_by()
            .values("supplier_id")
            .annotate(
                n=Count("pk"),
                first_pass=Sum(Case(When(first="match", then=1), default=0, output_field=IntegerField())),
            )
        )
        for row in counted:
            decided[row["supplier_id"]] = [row["first_pass"] or 0, row["n"]]
    rows = [
        SupplierScoreRow(
            supplier_id=pk,
            name=names.get(pk, str(pk)),
            score=score,
            invoices_decided=decided[pk][1],
            invoices_first_pass=decided[pk][0],
        )
        for pk, score in scores.items()
    ]
    rows.sort(key=lambda r: (r.score.score is None, -(r.score.score or 0), r.name, r.supplier_id))
    return {"rows": rows, "window_days": window_days, "since": timezone.localdate(since), "as_of": as_of}


def dashboard_figures(user) -> dict:
    """Every figure of the reports page. They span every supplier, so they are the same for every
    internal user: kept in the cache for ``REPORTS_CACHE_SECONDS`` (0: computed each time), so a
    page view within that time costs no aggregation at all. The caller is checked first, always."""
    return dashboard_figures_kept(user)[0]


def dashboard_figures_kept(user) -> tuple[dict, float]:
    """:func:`dashboard_figures` and how many seconds the cache keeps them yet."""
    return dashboard_cached(user, "figures", lambda: (_figures(user), None))


def _figures(user) -> dict:
    return {
        "spend": spend_by_supplier_and_month(user),
        "cycle": po_cycle_time(user),
        "rate": first_pass_match_rate(user),
        "aging": exception_aging(user),
        "scorecards": supplier_scorecards(user),
    }


def dashboard_cached(user, part: str, make) -> tuple[object, float]:
    """One part of the reports page (its figures, or its body in one language) and how many
    seconds the cache keeps it yet: from the cache, or made by ``make()`` and kept for
    ``REPORTS_CACHE_SECONDS`` (0: made each time). ``make()`` gives the value and at most how
    many seconds it may be kept (None: no limit of its own), so that what is made from cached
    figures is kept no longer than those figures are. The caller is checked first, always: a
    supplier never reads what the cache holds."""
    _check(user)
    seconds = settings.REPORTS_CACHE_SECONDS
    if not seconds:
        return make()[0], 0
    key = f"reports:dashboard:v2:{part}:{timezone.localdate():%Y-%m-%d}"
    kept = cache.get(key)
    if kept is not None:
        value, until = kept
        return value, until - time.time()
    value, within = make()
    keep = seconds if within is None else min(seconds, within)
    if keep >= 1:
        cache.set(key, (value, time.time() + keep), int(keep))
    return value, keep
