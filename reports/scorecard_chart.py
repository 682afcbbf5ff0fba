"""The scorecard chart, drawn the same way on the reports page and on a supplier's page."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from core.charts import grouped_bar_chart


def series() -> list[str]:
    """The bars of each group, in the order of ``selectors.scorecard_bars``."""
    return [_("overall score"), _("on time"), _("quality"), _("answer speed")]


def _one_decimal(value) -> str:
    return f"{value:.1f}"


def draw(groups: Sequence[tuple[str, Sequence[Decimal | None]]], *, title: str, id_prefix: str) -> SafeString:
    # core.charts escapes every text it draws
    return mark_safe(  # noqa: S308
        grouped_bar_chart(groups, series(), title=title, fmt=_one_decimal, axis_max=100, id_prefix=id_prefix)
    )
