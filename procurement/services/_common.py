"""Helpers shared by the procurement services (numbering, bounds, other apps' hooks, role checks)."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from core import bounds
from core.errors import NotFound, PermissionDenied
from suppliers.selectors import supplier_id_for

from ..models import DocumentSequence

log = logging.getLogger(__name__)


def next_number(prefix: str) -> str:
    """The next ``PREFIX-YYYY-NNNNNN`` number; the counter row is locked until commit."""
    year = timezone.localdate().year
    with transaction.atomic():
        seq = DocumentSequence.objects.select_for_update().filter(prefix=prefix, year=year).first()
        if seq is None:
            try:
                with transaction.atomic():
                    DocumentSequence.objects.create(prefix=prefix, year=year, last=0)
            except IntegrityError:  # created concurrently: fine, lock the winner's row
                pass
            seq = DocumentSequence.objects.select_for_update().get(prefix=prefix, year=year)
        seq.last += 1
        seq.save(update_fields=["last"])
    return f"{prefix}-{year}-{seq.last:06d}"


# The procurement documents (PO lines, revisions and change proposals, shipping notices,
# receipts, returns) check their numbers and dates with core.bounds, the one place for the
# limits: a value out of range is ``bounds.OutOfBounds`` (422 ``validation_error`` naming the
# field, a message naming the field and the limit). These names stay for the many callers.


def to_quantity(value, *, field: str = "quantity", allow_zero: bool = False) -> Decimal:
    """A quantity: more than zero (or zero if allowed), at most ``bounds.QUANTITY_MAX``, 6 decimals."""
    return bounds.quantity(value, field=field, allow_zero=allow_zero)


def to_price(value, *, field: str = "unit_price", allow_zero: bool = True) -> Decimal:
    """A unit price: zero or more (or more than zero), below ``bounds.MONEY_MAX``, 6 decimals."""
    return bounds.price(value, field=field, allow_zero=allow_zero)


def check_line_amount(*, quantity: Decimal, unit_price: Decimal) -> None:
    """A line's amount (quantity × unit price) below ``bounds.MONEY_MAX``."""
    bounds.line_amount(quantity, unit_price)


def to_date(value, *, field: str = "date") -> date | None:
    """None/"" → None; a date or an ISO date string between ``bounds.MIN_DATE`` and ``MAX_DATE``."""
    parsed = bounds.parse_date(value, field=field)
    return None if parsed is None else bounds.date_sane(parsed, field=field)


def require_not_past(value: date | None, *, field: str) -> None:
    if value is not None:
        bounds.date_not_past(value, field=field)


def require_not_future(value: date | None, *, field: str) -> None:
    if value is not None:
        bounds.date_not_future(value, field=field)


def require_buyer(actor, what: str) -> None:
    if not (actor and actor.is_active and (actor.is_buyer or actor.is_superuser)):
        raise PermissionDenied(gettext("Only buyers may %(what)s.") % {"what": what})


def actor_supplier_id(actor, what: str) -> int:
    """The supplier a supplier user acts for; internal users may not act as a supplier."""
    if not actor or not actor.is_supplier_user:
        raise PermissionDenied(gettext("Only the supplier's own users may %(what)s.") % {"what": what})
    supplier_id = supplier_id_for(actor)
    if supplier_id is None:
        raise PermissionDenied(gettext("Only the supplier's own users may %(what)s.") % {"what": what})
    return supplier_id


def require_same_supplier(actor, supplier_id: int, what: str, label: str) -> None:
    if actor_supplier_id(actor, what) != supplier_id:
        raise NotFound(gettext("%(label)s not found.") % {"label": label})


def require_supplier_approved(supplier) -> None:
    """Only approved suppliers are invited to RFQs or receive POs (the suppliers app's rule)."""
    from suppliers.services import supplier_require_approved

    supplier_require_approved(supplier)


def contract_price_for(*, supplier_id: int, item_code: str, on_date: date | None = None):
    """The active contract price line (``.unit_price``, ``.tax_rate``, ``.pk``) or None."""
    from contracts.selectors import active_price_for

    return active_price_for(
        supplier_id=supplier_id, item_code=item_code, on_date=on_date or timezone.localdate()
    )


def contract_price_hold(*, po_line, actor, quantity) -> None:
    """Make the PO line hold ``quantity`` of its price agreement (approval: the line's quantity;
    cancel: 0). Only the difference to what the line already holds is taken or given back, so a
    revised PO approved again does not take its quantity twice."""
    from contracts.services import price_line_consume

    if not po_line.contract_line_ref:
        return
    delta = quantity - po_line.contract_consumed_qty
    if not delta:
        return
    price = contract_price_for(supplier_id=po_line.po.supplier_id, item_code=po_line.item.code)
    if price is None or str(price.pk) != po_line.contract_line_ref:
        log.warning(
            "contract price line %s of PO line %s is no longer active", po_line.contract_line_ref, po_line.pk
        )
        return
    price_line_consume(line=price, quantity=delta, actor=actor)
    po_line.contract_consumed_qty = quantity
    po_line.save(update_fields=["contract_consumed_qty"])
