"""Accounts-payable report pages: each a chart, its figures as a table and the same figures as CSV
(``?format=csv``). Buyer-organisation staff only (``reports.ap`` refuses anyone else)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core import formatting
from core.charts import bar_chart, column_chart
from core.listing import rows_csv_response
from settlement.selectors.matching import WORDS

from . import ap

TOP_BARS = 10


def _bounded(request, name: str, default: int, low: int, high: int, errors: list[str], label: str) -> int:
    """An integer query parameter within [low, high]; anything else is an error and the default."""
    raw = (request.GET.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        errors.append(
            _("%(label)s must be a whole number from %(low)s to %(high)s; showing %(default)s.")
            % {"label": label, "low": low, "high": high, "default": default}
        )
        return default
    return value


def _days(request, errors: list[str]) -> int:
    return _bounded(request, "days", ap.DEFAULT_DAYS, 1, ap.MAX_DAYS, errors, _("Days"))


def _short(name: str, size: int = 16) -> str:
    """A legend entry short enough for three in a row (the table beside it names it in full)."""
    return name if len(name) <= size else name[: size - 1] + "…"


def _svg(markup: str):
    return mark_safe(markup)  # noqa: S308 - core.charts escapes every text it draws


def _money(value) -> str:
    return formatting.amount(value)


@login_required
def received_not_invoiced(request):
    data = ap.received_not_invoiced(request.user)
    if request.GET.get("format") == "csv":
        header = [_("Supplier"), _("Purchase order"), _("Currency"), _("Oldest receipt")]
        header += [_("%(days)s days") % {"days": label} for label in data["buckets"]] + [_("Total")]
        return rows_csv_response(
            "received-not-invoiced",
            header,
            ([r.supplier, r.po_number, r.currency, r.oldest, *r.amounts, r.total] for r in data["rows"]),
        )
    series = [(_short(name) if name else _("other suppliers"), values) for name, values in data["series"]]
    chart = column_chart(
        [_("%(days)s days") % {"days": label} for label in data["buckets"]],
        series,
        title=_("Received but not invoiced by age of the receipt (CNY, net)"),
        fmt=_money,
        id_prefix="grir-",
    )
    return render(request, "reports/received_not_invoiced.html", {"data": data, "chart": _svg(chart)})


@login_required
def exceptions_by_cause(request):
    errors: list[str] = []
    days = _days(request, errors)
    data = ap.exceptions_by_cause(request.user, days=days)
    if request.GET.get("format") == "csv":
        return rows_csv_response(
            "exceptions-by-cause",
            [
                _("Invoice"),
                _("Supplier"),
                _("Reason code"),
                _("Cause"),
                _("Item category"),
                _("Case status"),
                _("Opened"),
                _("Currency"),
                _("Net"),
            ],
            (
                [
                    r.invoice_number,
                    r.supplier,
                    r.cause,
                    r.cause_label,
                    _category(r.category),
                    r.state,
                    formatting.moment(r.opened_at),
                    r.currency,
                    r.net,
                ]
                for r in data["rows"]
            ),
        )
    for tally in data["by_category"]:
        tally.label = _category(tally.key)
    charts = {
        "cause": bar_chart(
            [(t.label, t.cases) for t in data["by_cause"]],
            title=_("Exceptions by cause (cases)"),
            id_prefix="cause-",
        ),
        "supplier": bar_chart(
            [(_short(t.label), t.cases) for t in data["by_supplier"][:TOP_BARS]],
            title=_("Exceptions by supplier (cases)"),
            id_prefix="supplier-",
        ),
        "category": bar_chart(
            [(t.label, t.cases) for t in data["by_category"]],
            title=_("Exceptions by item category (cases)"),
            id_prefix="category-",
        ),
    }
    return render(
        request,
        "reports/exceptions_by_cause.html",
        {"data": data, "charts": {k: _svg(v) for k, v in charts.items()}, "errors": errors, "top": TOP_BARS},
    )


def _category(key: str) -> str:
    if key == "*":
        return _("several categories")
    return key or _("no category")


def near_bands(near: Decimal, over: Decimal) -> list[tuple[Decimal, Decimal, str]]:
    """Two bands below the limit and two above it, as shares: (low, high, label in percent)."""
    mid_low, mid_high = (near + 1) / 2, (1 + over) / 2

    def pct(value: Decimal) -> str:
        return formatting.percent((value * 100).quantize(Decimal("1")))

    return [
        (near, mid_low, f"{pct(near)}–{pct(mid_low)}"),
        (mid_low, Decimal(1), f"{pct(mid_low)}–{pct(Decimal(1))}"),
        (Decimal(1), mid_high, f">{pct(Decimal(1))}–{pct(mid_high)}"),
        (mid_high, over, f">{pct(mid_high)}–{pct(over)}"),
    ]


def _band(share: Decimal, bands) -> int:
    for index, (low, high, _label) in enumerate(bands):
        if (share >= low if index in (0, 1) else share > low) and share <= high:
            return index
    return len(bands) - 1


def _limit_words(use, currency: str) -> str:
    kind = "quantity" if use.kind == "quantity" else "amount"
    parts = []
    if use.percent_limit is not None:
        parts.append(formatting.percent(use.percent_limit))
    if use.absolute_limit is not None:
        parts.append(formatting.figure(use.absolute_limit, kind=kind, currency=currency))
    side = _("above") if use.above else _("below")
    return _("%(side)s: at most %(limits)s") % {"side": side, "limits": _(" and ").join(parts)}


@login_required
def near_misses(request):
    errors: list[str] = []
    days = _days(request, errors)
    near = _bounded(request, "near", 80, 50, 99, errors, _("Close to the limit from (%)"))
    over = _bounded(request, "over", 120, 101, 200, errors, _("Just over the limit up to (%)"))
    data = ap.near_misses(request.user, days=days, near=Decimal(near) / 100, over=Decimal(over) / 100)
    rows = [
        {
            "row": row,
            "measure": str(WORDS.get(row.use.kind, row.use.kind)),
            "limit": _limit_words(row.use, row.currency),
            "share": row.use.share_percent,
        }
        for row in data["rows"]
    ]
    if request.GET.get("format") == "csv":
        return rows_csv_response(
            "tolerance-near-misses",
            [
                _("Invoice"),
                _("Supplier"),
                _("Verdict"),
                _("Policy"),
                _("Measure"),
                _("Line"),
                _("Difference"),
                _("Expected"),
                _("Limit"),
                _("Share of the limit used (%)"),
                _("Decided"),
            ],
            (
                [
                    r["row"].invoice_number,
                    r["row"].supplier,
                    r["row"].verdict_label,
                    r["row"].policy_version,
                    r["measure"],
                    r["row"].line_no,
                    r["row"].use.difference,
                    r["row"].use.expected,
                    r["limit"],
                    r["share"],
                    formatting.moment(r["row"].decided_at),
                ]
                for r in rows
            ),
        )
    bands = near_bands(data["near"], data["over"])
    measures = list(dict.fromkeys(r["row"].use.kind for r in rows)) or ["unit_price"]
    counts = {kind: [0] * len(bands) for kind in measures}
    for r in rows:
        counts[r["row"].use.kind][_band(r["row"].use.share, bands)] += 1
    chart = column_chart(
        [label for *_, label in bands],
        [(str(WORDS.get(kind, kind)), counts[kind]) for kind in measures],
        title=_("Variances by share of their tolerance limit used (invoices)"),
        id_prefix="near-",
    )
    return render(
        request,
        "reports/near_misses.html",
        {
            "data": data,
            "rows": rows,
            "chart": _svg(chart),
            "errors": errors,
            "near": near,
            "over": over,
            "band_rows": [(label, [counts[k][i] for k in measures]) for i, (*_, label) in enumerate(bands)],
            "measure_labels": [str(WORDS.get(k, k)) for k in measures],
        },
    )
