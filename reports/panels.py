"""On a supplier's page: its scorecard (suppliers must not import procurement, which reads the
events, so reports contributes the panel). Internal users see any supplier's card; a supplier
user only its own — ``procurement.selectors.supplier_scores`` does the scoping."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.documents import register_panel
from core.home import Panel
from procurement.selectors import SCORE_WINDOW_DAYS, supplier_scores

from . import scorecard_chart
from .selectors import percent, scorecard_bars

# The full window (as next to each quote) and two shorter ones: recent against the year is the
# trend, for one query set per window.
SCORECARD_WINDOWS = (30, 90, SCORE_WINDOW_DAYS)


def _window_label(days: int) -> str:
    return _("last 12 months") if days == SCORE_WINDOW_DAYS else _("last %(days)s days") % {"days": days}


def supplier_scorecard_panel(user, supplier) -> Panel | None:
    as_of = timezone.now()
    cards = []
    for days in SCORECARD_WINDOWS:
        score = supplier_scores(user, [supplier.pk], as_of=as_of, window_days=days).get(supplier.pk)
        if score is None:  # not this user's supplier
            return None
        cards.append(
            {
                "days": days,
                "label": _window_label(days),
                "since": timezone.localdate(as_of - timedelta(days=days)),
                "score": score,
                "on_time_pct": percent(score.on_time_rate),
                "quality_pct": percent(score.quality_rate),
                "ack_speed_pct": percent(score.ack_speed),
            }
        )
    active = any(c["score"].deliveries or c["score"].acknowledgements for c in cards)
    chart = (
        scorecard_chart.draw(
            [(c["label"], scorecard_bars(c["score"])) for c in cards],
            title=_("Scorecard of %(supplier)s (0–100)") % {"supplier": supplier.name},
            id_prefix=f"scorecard-{supplier.pk}-",
        )
        if active
        else ""
    )
    return Panel(
        gettext_lazy("Scorecard"),
        "reports/_supplier_scorecard.html",
        {"cards": cards, "chart": chart, "active": active, "year": cards[-1]},
    )


register_panel("suppliers.Supplier", supplier_scorecard_panel)
