"""Lists: filters, sorting, pagination and CSV export, one way for every list page.

A view declares a :class:`ListSpec` (columns, filters, default order) and calls :func:`list_page`
with the user's already scoped queryset (from a selector). Filter values are checked against the
spec: an unknown sort key or choice is ignored, never passed to the ORM. The page is a slice of
the queryset, so a page costs the same queries whatever the number of rows, as long as the
queryset selects what its columns read (``select_related``/annotations in the selector).
"""

from __future__ import annotations

import csv
import html
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.template.base import render_value_in_context
from django.template.context import Context
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import cached_property
from django.utils.html import conditional_escape, escape
from django.utils.http import content_disposition_header, urlencode
from django.utils.safestring import SafeString, mark_safe

from . import formatting
from .chips import chip_family


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    value: Callable[[object], object]  # row → shown / exported value
    sort: str | None = None  # ORM field to order by, or None: not sortable
    numeric: bool = False
    link: Callable[[object], str] | None = None  # row → URL the cell links to
    currency: Callable[[object], str] | None = None  # row → currency code: the page shows an amount


@dataclass(frozen=True)
class Filter:
    """``kind``: ``choice`` (exact match from ``choices``), ``search`` (icontains over ``lookups``),
    ``date_from`` / ``date_to`` (``lookups[0]`` >= / <= an ISO date)."""

    name: str
    label: str
    kind: str
    lookups: tuple[str, ...]
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ListSpec:
    columns: tuple[Column, ...]
    filters: tuple[Filter, ...] = ()
    default_sort: str = ""  # a column key, "-key" for descending
    page_size: int = 25
    csv_name: str = "export"

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


@dataclass
class ListPage:
    page: object
    spec: ListSpec
    values: dict[str, str]
    sort: str
    querystring: str  # the filters and sort, without the page: for pager and CSV links
    filters: list[dict] = field(default_factory=list)
    headers: list[dict] = field(default_factory=list)

    @property
    def rows(self) -> Iterator[list[dict]]:
        """Per row, per column: the value, its link, whether it is a number and the column's
        label (shown beside the value when a phone-width table stacks its cells)."""
        labels = [conditional_escape(c.label) for c in self.spec.columns]  # translated once a page
        for obj in self.page:
            yield [
                {
                    "value": shown(c.value(obj), c.currency(obj) if c.currency else None),
                    "link": c.link(obj) if c.link else "",
                    "numeric": c.numeric,
                    "label": label,
                    # a column keyed "state" shows as a status chip coloured by its family
                    "chip": chip_family(getattr(obj, "state", ""), obj._meta.label_lower)
                    if c.key == "state" and hasattr(obj, "_meta")
                    else "",
                }
                for c, label in zip(self.spec.columns, labels, strict=True)
            ]

    @property
    def html_rows(self) -> Iterator[SafeString]:
        """:attr:`rows` as the table rows ``core/_list.html`` shows, made here: the same markup and
        escaping as the template's cell loop gave, at a fraction of its cost per cell."""
        context = Context()
        for row in self.rows:
            yield table_row(row, context)


def table_row(cells: list[dict], context: Context | None = None, *, css_class: str = "") -> SafeString:
    """One ``<tr>`` of a page's table, made in Python rather than by a template's loop over the
    cells (the lists here; the exception desk, a statement's lines): a ``{{ … }}`` and a filter per
    cell cost more than the row's share of the page's query. Each cell is a dict: ``value``
    (localised and escaped as ``{{ value }}`` renders it; None as "—"), and optionally ``link``
    (the value as a link; an empty value as "—"), ``numeric`` (``class="num"``), ``label`` (the
    column's name, ``data-label``, for a phone-width table that stacks its cells), ``chip`` (the
    value in a status chip of that family), ``html`` (safe markup shown instead of the value) and
    ``after`` (safe markup after it). ``css_class``: the row's own class."""
    context = context or Context()  # a template's defaults: autoescape on, localisation as the settings say
    tr = f'<tr class="{escape(css_class)}">' if css_class else "<tr>"
    return mark_safe(tr + "".join(_cell_html(cell, context) for cell in cells) + "</tr>")  # noqa: S308


def _cell_html(cell: dict, context: Context) -> str:
    """One ``<td>``, exactly as ``{{ … }}`` renders (localised, escaped) in the template it replaces."""
    value = cell.get("value")
    attrs = (' class="num"' if cell.get("numeric") else "") + (
        f' data-label="{conditional_escape(cell["label"])}"' if cell.get("label") else ""
    )
    if cell.get("html") is not None:
        inner = conditional_escape(cell["html"])
    elif cell.get("chip"):
        inner = f'<span class="state chip-{escape(cell["chip"])}">{_shown(value, context)}</span>'
    elif cell.get("link"):
        inner = f'<a href="{_shown(cell["link"], context)}">{_shown(value or "—", context)}</a>'
    else:
        inner = _shown("—" if value is None else value, context)
    return f"<td{attrs}>{inner}{conditional_escape(cell.get('after', ''))}</td>"


def _shown(value: object, context: Context) -> str:
    """``{{ value }}``: a plain string only escaped (what localising leaves it), anything else
    through the template engine's own rendering (dates, numbers, lazy and safe strings)."""
    if type(value) is str:
        return html.escape(value)  # what django.utils.html.escape does, without its lazy-string wrapper
    return render_value_in_context(value, context)


def shown(value: object, currency: str | None = None) -> object:
    """A cell as a person reads it (core.formatting): dates per language, an amount with its
    currency, other decimals grouped with at least two places; text as it is."""
    if isinstance(value, datetime):
        return formatting.moment(value)
    if isinstance(value, date):
        return formatting.day(value)
    if currency is not None and isinstance(value, Decimal | int) and not isinstance(value, bool):
        return formatting.amount(value, currency)
    if isinstance(value, Decimal):
        return formatting.price(value)
    return value


def csv_value(value: object) -> object:
    """A cell for CSV: machine-readable (ISO dates, ungrouped decimals) and without float noise: a
    quantity stored with six places keeps only the digits it has, at least two
    (``12.500000`` → ``12.50``, ``100.000000`` → ``100.00``)."""
    if isinstance(value, Decimal) and value.is_finite():
        exact = value.normalize()
        exponent = exact.as_tuple().exponent
        places = max(2, -exponent) if isinstance(exponent, int) else 2
        return format(value, f".{places}f")
    return value


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


# A search over a related row's column (``supplier__name``) first finds the related rows' ids
# (at most this many; more, and it joins as before): an OR of the list's own columns and
# ``supplier_id IN (…)`` is one bitmap scan of indexes, where an OR across a join scans every row.
SEARCH_RELATED_IDS = 500


def search_condition(model, lookups: tuple[str, ...], raw: str) -> Q:
    """``icontains`` over ``lookups``, OR'd, written so that the trigram indexes can answer it."""
    condition = Q()
    for lookup in lookups:
        relation, _, column = lookup.rpartition("__")
        if relation and "__" not in relation:
            related = model._meta.get_field(relation).related_model._default_manager
            ids = list(
                related.filter(**{f"{column}__icontains": raw})
                .order_by()
                .values_list("pk", flat=True)[: SEARCH_RELATED_IDS + 1]
            )
            if len(ids) <= SEARCH_RELATED_IDS:
                condition |= Q(**{f"{relation}__in": ids})
                continue
        condition |= Q(**{f"{lookup}__icontains": raw})
    return condition


def apply_filters(spec: ListSpec, params, qs: QuerySet) -> tuple[QuerySet, dict[str, str]]:
    values: dict[str, str] = {}
    for flt in spec.filters:
        raw = (params.get(flt.name) or "").strip()[:100]
        if not raw:
            continue
        if flt.kind == "choice":
            if raw not in {code for code, _ in flt.choices}:
                continue
            qs = qs.filter(**{flt.lookups[0]: raw})
        elif flt.kind == "search":
            qs = qs.filter(search_condition(qs.model, flt.lookups, raw))
        elif flt.kind in ("date_from", "date_to"):
            day = _parse_date(raw)
            if day is None:
                continue
            op = "gte" if flt.kind == "date_from" else "lte"
            qs = qs.filter(**{f"{flt.lookups[0]}__{op}": day})
        else:  # pragma: no cover - a programming error in a spec
            raise ValueError(f"unknown filter kind {flt.kind!r}")
        values[flt.name] = raw
    return qs, values


def apply_sort(spec: ListSpec, raw: str, qs: QuerySet) -> tuple[QuerySet, str]:
    raw = raw or spec.default_sort
    column = spec.column(raw.lstrip("-"))
    if column is None or column.sort is None:
        raw = spec.default_sort
        column = spec.column(raw.lstrip("-"))
        if column is None or column.sort is None:
            return qs, ""
    descending = raw.startswith("-")
    return qs.order_by(f"{'-' if descending else ''}{column.sort}", "-pk" if descending else "pk"), raw


# The pager counts rows only this far (or to the page after the one asked for): a COUNT(*) over
# every row of a long list costs more than the page itself; past it the pager says "or more".
COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """A paginator whose count stops at ``COUNT_CAP`` rows, or at the page after ``wanted`` when
    that is further: every page up to the one asked for exists, and it has a next page when more
    rows follow. ``capped`` tells the pager the real total is larger."""

    def __init__(self, object_list: QuerySet, per_page: int, wanted: object = None):
        super().__init__(object_list, per_page)
        try:
            wanted_page = max(1, int(str(wanted)))
        except ValueError:
            wanted_page = 1
        self.cap = max(COUNT_CAP, (wanted_page + 1) * per_page)
        self.capped = False

    @cached_property
    def count(self) -> int:
        counted = self.object_list.order_by().values("pk")[: self.cap + 1].count()
        self.capped = counted > self.cap
        return counted


def list_page(request, qs: QuerySet, spec: ListSpec) -> ListPage:
    qs, values = apply_filters(spec, request.GET, qs)
    qs, sort = apply_sort(spec, request.GET.get("sort", ""), qs)
    wanted = request.GET.get("page")
    page = CappedPaginator(qs, spec.page_size, wanted).get_page(wanted)
    querystring = urlencode({**values, **({"sort": sort} if sort else {})})
    result = ListPage(page=page, spec=spec, values=values, sort=sort, querystring=querystring)
    result.filters = [
        {"filter": f, "value": values.get(f.name, ""), "id": f"filter-{f.name}"} for f in spec.filters
    ]
    for column in spec.columns:
        header = {"column": column, "url": "", "direction": ""}
        if column.sort:
            ascending = sort == column.key
            header["direction"] = (
                "ascending" if ascending else "descending" if sort == f"-{column.key}" else ""
            )
            header["url"] = "?" + urlencode({**values, "sort": f"-{column.key}" if ascending else column.key})
        result.headers.append(header)
    return result


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(request, qs: QuerySet, spec: ListSpec) -> StreamingHttpResponse:
    """The filtered, sorted list as CSV (UTF-8 with a BOM so spreadsheet programs read Chinese),
    streamed in chunks so an export of many rows keeps memory flat."""
    qs, _ = apply_filters(spec, request.GET, qs)
    qs, _ = apply_sort(spec, request.GET.get("sort", ""), qs)
    writer = csv.writer(_Echo())

    def rows():
        yield "\ufeff" + writer.writerow([str(c.label) for c in spec.columns])
        for obj in qs.iterator(chunk_size=500):
            yield writer.writerow([csv_cell(csv_value(c.value(obj))) for c in spec.columns])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{spec.csv_name}.csv")
    return response


def list_response(request, qs: QuerySet, spec: ListSpec, template: str):
    """A list view's answer: the CSV export with ``?format=csv``, else ``template`` rendered with
    ``listing`` (one page of ``qs``, filtered and sorted as the request asks)."""
    if request.GET.get("format") == "csv":
        return csv_response(request, qs, spec)
    return render(request, template, {"listing": list_page(request, qs, spec)})


# What makes a spreadsheet program read a cell as a formula: the ASCII starters, their
# full-width forms (Excel and WPS in Chinese locales convert ＝＋－＠ on input), and a tab, CR or LF
# at the start (a leading whitespace run before a starter is skipped by some programs).
FORMULA_STARTERS = frozenset("=+-@\t\r\n＝＋－＠")


def csv_cell(value: object) -> str:
    """A CSV cell a spreadsheet program will not run as a formula (numbers stay numbers): the one
    guard every CSV export of the portal puts every text cell through."""
    text = "" if value is None else str(value)
    stripped = text.lstrip(" \t\r\n\u3000")
    if (text[:1] in FORMULA_STARTERS or stripped[:1] in FORMULA_STARTERS) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def id_url(name: str, *before: object) -> Callable[[object], str]:
    """``reverse(name, args=[*before, pk])`` for many ids at the cost of one ``reverse``: for a view
    whose last argument is an int id, on pages that link every row (a ``{% url %}`` per row costs
    more than the row's share of the query)."""
    marker = 987654321
    head, tail = reverse(name, args=[*before, marker]).rsplit(str(marker), 1)
    return lambda pk: f"{head}{int(pk)}{tail}"


@lru_cache(maxsize=256)
def _id_url_parts(urlconf: str, prefix: str, name: str) -> tuple[str, str]:
    marker = 987654321
    head, tail = reverse(name, urlconf=urlconf, args=[marker]).split(str(marker))
    return head, tail


def pk_link(name: str) -> Callable[[object], str]:
    """A column's ``link``: ``reverse(name, args=[row.pk])``, the URL worked out once per URL
    configuration and script prefix (a view whose one argument is the row's int id)."""

    def link(obj) -> str:
        head, tail = _id_url_parts(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), name)
        return f"{head}{int(obj.pk)}{tail}"

    return link


def rows_csv_response(filename: str, header, rows) -> StreamingHttpResponse:
    """Figures that are not a queryset (a report's table) as CSV, the way ``csv_response`` writes a
    list: UTF-8 with a BOM, machine-readable numbers, every cell through the formula guard."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow([csv_cell(str(label)) for label in header])
        for row in rows:
            yield writer.writerow([csv_cell(csv_value(value)) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{filename}.csv")
    return response
