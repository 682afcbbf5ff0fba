from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.charts import bar_chart, column_chart

from . import scorecard_chart, selectors

SCORECARD_CHART_LIMIT = 20  # the chart shows the best 20; the figures table lists every supplier


@login_required
def dashboard(request):
    """The reports page. Its body is the same for every internal user in one language: kept
    rendered as long as the figures it shows are (reports.selectors.dashboard_cached)."""
    user = request.user

    def body() -> tuple[str, float]:
        figures, left = selectors.dashboard_figures_kept(user)
        return render_to_string("reports/_dashboard_body.html", _body_context(figures), request), left

    html, _ = selectors.dashboard_cached(user, f"body:{get_language()}", body)
    return render(request, "reports/dashboard.html", {"body": mark_safe(html)})  # noqa: S308 - rendered above


def _body_context(figures: dict) -> dict:
    spend, cycle, rate = figures["spend"], figures["cycle"], figures["rate"]
    aging, scorecards = figures["aging"], figures["scorecards"]
    charted = scorecards["rows"][:SCORECARD_CHART_LIMIT]
    short_months = [m[2:] for m in spend["months"]]
    charts = {
        # core.charts escapes every text it draws
        "spend": mark_safe(  # noqa: S308
            column_chart(
                short_months,
                spend["series"],
                title=_("Spend by supplier and month (CNY, net)"),
                id_prefix="spend-",
            )
        ),
        "cycle": mark_safe(  # noqa: S308
            column_chart(
                short_months,
                [(_("median days"), cycle["median_days"])],
                title=_("PO cycle time: submitted to acknowledged (median days)"),
                id_prefix="cycle-",
            )
        ),
        "rate": mark_safe(  # noqa: S308
            column_chart(
                short_months,
                [(_("matched without a person, %"), rate["rate"])],
                title=_("First-pass match rate (%)"),
                id_prefix="rate-",
            )
        ),
        "aging": mark_safe(  # noqa: S308
            bar_chart(aging["buckets"], title=_("Match exceptions by days waiting"), id_prefix="aging-")
        ),
        "scores": scorecard_chart.draw(
            [(row.name, selectors.scorecard_bars(row.score)) for row in charted],
            title=_("Supplier scorecards (0–100)"),
            id_prefix="scores-",
        ),
    }
    return {
        "spend": spend,
        "aging": aging,
        "charts": charts,
        "cycle_rows": list(zip(cycle["months"], cycle["median_days"], cycle["counts"], strict=True)),
        "rate_rows": list(zip(rate["months"], rate["rate"], rate["auto"], rate["total"], strict=True)),
        "scorecards": scorecards,
        "scorecards_charted": len(charted),
    }
