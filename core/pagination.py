"""Cursor pagination for the API's document lists (docs/integration.md, "Reading lists").

A list is read in a stable order over ``(key, id)`` (``key`` the document's creation time), and a
page ends with an opaque cursor naming the last row it returned. The next page starts strictly
after that row, so documents created between two requests never shift a page: with
``order=oldest`` (what an ERP sync uses) they come at the end of the walk, with ``order=newest``
(the default, the order these lists always had) they are before the walk's start and not
repeated. Each row is returned exactly once either way; offsets skip and repeat rows as soon as
rows are added, which is why ``offset`` is kept only for old clients (deprecated, answered with a
``Deprecation`` header).

The body stays a JSON array; the next page is announced in headers:
``Link: <…?cursor=…>; rel="next"`` and ``X-Next-Cursor`` while more rows exist. With
``order=oldest`` the last page still carries ``X-Next-Cursor``: kept, it fetches later the rows
created since. A cursor is signed (``django.core.signing``) and names the list it belongs to; a
changed, foreign or malformed cursor is refused with ``invalid_cursor`` (422).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from django.core import signing
from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from ninja import Field, Schema

from core.errors import DomainError

MAX_LIMIT = 500
_SALT = "core.pagination.cursor"


class InvalidCursor(DomainError):
    status = 422
    code = "invalid_cursor"


class PageIn(Schema):
    """The paging query parameters of a document list."""

    # a larger limit is served as MAX_LIMIT rows (clamped, as before cursors: old clients keep working)
    limit: int = Field(100, ge=1, description="Rows per page (1–500; more reads as 500).")
    cursor: str = Field("", max_length=500, description="The `X-Next-Cursor` of the previous page.")
    order: str = Field("newest", pattern="^(newest|oldest)$", description="`newest` first or `oldest` first.")
    offset: int | None = Field(
        None, ge=0, le=10**9, description="Deprecated: skips and repeats rows while documents arrive."
    )


def _invalid() -> DomainError:
    return InvalidCursor(
        gettext("The cursor is not valid for this list; start again without a cursor."),
        details={"field": "cursor"},
    )


def _decode(cursor: str, *, scope: str, order: str) -> tuple[datetime, int]:
    try:
        data = signing.loads(cursor, salt=_SALT)
        if data["s"] != scope or data["o"] != order:
            raise ValueError
        return datetime.fromisoformat(data["k"]), int(data["i"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise _invalid() from None


def _encode(row, *, key: str, scope: str, order: str) -> str:
    return signing.dumps(
        {"s": scope, "o": order, "k": getattr(row, key).isoformat(), "i": row.pk}, salt=_SALT
    )


def paginate(request, response, qs: QuerySet, page: PageIn, *, scope: str, key: str = "created_at") -> list:
    """One page of ``qs`` (already scoped to the caller) in ``(key, id)`` order; sets the paging
    headers on ``response`` (django-ninja's temporal response)."""
    newest = page.order == "newest"
    qs = qs.order_by(f"-{key}", "-pk") if newest else qs.order_by(key, "pk")
    if page.cursor:
        at, pk = _decode(page.cursor, scope=scope, order=page.order)
        if newest:
            qs = qs.filter(Q(**{f"{key}__lt": at}) | Q(**{key: at, "pk__lt": pk}))
        else:
            qs = qs.filter(Q(**{f"{key}__gt": at}) | Q(**{key: at, "pk__gt": pk}))
    elif page.offset:
        response["Deprecation"] = "true"
        qs = qs[page.offset :]
    limit = min(page.limit, MAX_LIMIT)
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    if rows and (more or not newest):
        token = _encode(rows[-1], key=key, scope=scope, order=page.order)
        response["X-Next-Cursor"] = token
        if more:
            params = {k: v for k, v in request.GET.items() if k not in ("cursor", "offset")}
            params["cursor"] = token
            response["Link"] = f'<{request.path}?{urlencode(params)}>; rel="next"'
    elif page.cursor and not newest:  # nothing new yet: the same resume point
        response["X-Next-Cursor"] = page.cursor
    return rows
