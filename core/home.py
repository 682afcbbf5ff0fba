"""Home-page dashboards: each app registers what needs a person's action now (apps.py ready()).

Keeps `core` free of imports from the apps that build on it. A panel that knows how many items
wait (``count``) becomes a tile at the top of the home page (the count, a link to the full list
and when the oldest item started waiting); its card below shows the oldest items themselves.
Figures are the few numbers that matter to a role (open amounts, spend), each one aggregate query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Min, QuerySet


@dataclass(frozen=True)
class Panel:
    title: str
    template: str
    context: dict
    count: int | None = None  # how many items wait for this person (None: not a work queue)
    url: str = ""  # the page listing all of them
    oldest: date | datetime | None = None  # since when the longest-waiting item waits
    tone: str = ""  # "attention" / "bad": a tile that should catch the eye when not zero


@dataclass(frozen=True)
class Figure:
    """One number on a dashboard; ``value`` a Decimal or int, ``unit`` e.g. a currency code."""

    label: str
    value: object
    unit: str = ""
    url: str = ""
    hint: str = ""
    money: bool = False


PanelFn = Callable[[object], Panel | None]
FigureFn = Callable[[object], list[Figure]]
_PANELS: list[PanelFn] = []
_FIGURES: list[FigureFn] = []


def register(fn: PanelFn) -> PanelFn:
    if fn not in _PANELS:
        _PANELS.append(fn)
    return fn


def register_figures(fn: FigureFn) -> FigureFn:
    if fn not in _FIGURES:
        _FIGURES.append(fn)
    return fn


def panels_for(user) -> list[Panel]:
    return [p for p in (fn(user) for fn in _PANELS) if p is not None]


def figures_for(user) -> list[Figure]:
    return [f for fn in _FIGURES for f in (fn(user) or [])]


def queue_facts(qs: QuerySet, since: str = "created_at") -> tuple[int, object]:
    """How many rows ``qs`` holds and the earliest ``since`` among them, in one query."""
    facts = qs.order_by().aggregate(n=Count("pk", distinct=True), oldest=Min(since))
    return facts["n"], facts["oldest"]


def queue_panel(
    title,
    template: str,
    key: str,
    qs: QuerySet,
    *,
    url: str = "",
    since: str = "created_at",
    limit: int = 10,
    tone: str = "",
    extra: dict | None = None,
) -> Panel:
    """A work-queue panel: the count and oldest date of ``qs`` and its ``limit`` oldest rows
    (as ``ctx[key]`` in ``template``)."""
    count, oldest = queue_facts(qs, since)
    rows = list(qs.order_by(since, "pk")[:limit]) if count else []
    return Panel(
        title,
        template,
        {key: rows, "more": count - len(rows), **(extra or {})},
        count=count,
        url=url,
        oldest=oldest,
        tone=tone,
    )
