"""Helpers shared by the procurement services (numbering, other apps' hooks, role checks)."""

from __future__ import annotations

import logging
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import bounds
from core.errors import DomainError, NotFound, PermissionDenied
from core.money import q6
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


# Business limits of every quantity and unit price the procurement documents accept (PO lines,
# revisions and change proposals, shipping notices, receipts, returns, RFQ lines, quotes). The
# columns hold 12 integer digits (max_digits 18, 6 places); these limits are far below, so a
# line's amount (quantity × price, at most MAX_LINE_AMOUNT) and a PO's totals always fit too.
MAX_QUANTITY = Decimal("1000000000")  # 10^9 units on one line
MAX_UNIT_PRICE = Decimal("1000000000")  # 10^9 per unit
MAX_LINE_AMOUNT = Decimal("1000000000000")  # 10^12 per line


FIELD_LABELS = {
    "quantity": gettext_lazy("Quantity"),
    "unit_price": gettext_lazy("Unit price"),
    "tax_rate": gettext_lazy("Tax rate"),
    "accepted_qty": gettext_lazy("Accepted quantity"),
    "rejected_qty": gettext_lazy("Rejected quantity"),
    "returned_qty": gettext_lazy("Returned quantity"),
    "promised_date": gettext_lazy("Promised date"),
    "required_date": gettext_lazy("Required date"),
    "receipt_date": gettext_lazy("Receipt date"),
    "return_date": gettext_lazy("Return date"),
    "shipped_on": gettext_lazy("Shipped on"),
    "expected_on": gettext_lazy("Expected on"),
}


def label(field: str) -> str:
    """The field's name in the reader's language (messages name the field, details keep the code)."""
    return str(FIELD_LABELS.get(field, field))


def _number_error(field: str, value, code: str) -> DomainError:
    return DomainError(
        _("%(field)s must be a number, not “%(value)s”.") % {"field": label(field), "value": str(value)[:40]},
        code=code,
        details={"field": field, "value": str(value)[:40]},
    )


def _too_large(field: str, value, limit: Decimal, code: str) -> DomainError:
    return DomainError(
        _("%(field)s %(value)s is too large: at most %(max)s.")
        % {"field": label(field), "value": str(value)[:40], "max": f"{limit:,}"},
        code=code,
        details={"field": field, "value": str(value)[:40], "max": str(limit)},
    )


_DIGITS = re.compile(r"[+-]?[0-9][0-9,]*(?:\.[0-9]+)?")


def _unreadable(field: str, value, limit: Decimal, code: str, too_large_code: str) -> DomainError:
    """A number too long to read is "too large", anything else "not a number"."""
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()) and not value.strip().startswith("-"):
        return _too_large(field, value, limit, too_large_code)
    return _number_error(field, value, code)


def to_quantity(value, *, field: str = "quantity", allow_zero: bool = False) -> Decimal:
    try:
        qty = q6(value)
    except (InvalidOperation, TypeError, ValueError):
        raise _unreadable(field, value, MAX_QUANTITY, "invalid_quantity", "quantity_too_large") from None
    if qty >= MAX_QUANTITY:
        raise _too_large(field, value, MAX_QUANTITY, "quantity_too_large")
    if qty < 0 or (qty == 0 and not allow_zero):
        raise DomainError(
            f"{field} must be {'zero or more' if allow_zero else 'more than zero'}, not {value}.",
            code="invalid_quantity",
            details={"field": field},
        )
    return bounds.quantity(value, field=field, allow_zero=allow_zero)  # ≤ 10^9, 6 decimals


def to_price(value, *, field: str = "unit_price", allow_zero: bool = True) -> Decimal:
    try:
        price = q6(value)
    except (InvalidOperation, TypeError, ValueError):
        raise _unreadable(field, value, MAX_UNIT_PRICE, "invalid_price", "price_too_large") from None
    if price >= MAX_UNIT_PRICE:
        raise _too_large(field, value, MAX_UNIT_PRICE, "price_too_large")
    if price < 0 or (price == 0 and not allow_zero):
        raise DomainError(f"{field} must be more than zero, not {value}.", code="invalid_price")
    return bounds.price(value, field=field, allow_zero=allow_zero)  # < 10^12, 6 decimals


def check_line_amount(*, quantity: Decimal, unit_price: Decimal, line_no=None) -> None:
    """A line's amount (quantity × unit price) within MAX_LINE_AMOUNT."""
    if quantity * unit_price > MAX_LINE_AMOUNT:
        raise DomainError(
            _("Line %(line)s: %(quantity)s × %(price)s is above the limit of %(max)s per line.")
            % {
                "line": line_no or "",
                "quantity": quantity,
                "price": unit_price,
                "max": f"{MAX_LINE_AMOUNT:,}",
            },
            code="line_amount_too_large",
            details={"line_no": line_no, "max": str(MAX_LINE_AMOUNT)},
        )


def to_date(value, *, field: str = "date"):
    """None/"" → None; a date or an ISO date string → date; anything else ``invalid_date``."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise DomainError(
            _("%(field)s: “%(value)s” is not a date (YYYY-MM-DD).")
            % {"field": label(field), "value": str(value)[:40]},
            code="invalid_date",
            details={"field": field},
        ) from None


def require_not_past(value: date | None, *, field: str, code: str = "date_in_past") -> None:
    if value is not None and value < timezone.localdate():
        raise DomainError(
            _("%(field)s %(date)s is in the past.") % {"field": label(field), "date": value.isoformat()},
            code=code,
            details={"field": field, "date": value.isoformat()},
        )


def require_not_future(value: date | None, *, field: str, code: str = "date_in_future") -> None:
    if value is not None and value > timezone.localdate():
        raise DomainError(
            _("%(field)s %(date)s is in the future.") % {"field": label(field), "date": value.isoformat()},
            code=code,
            details={"field": field, "date": value.isoformat()},
        )


def require_buyer(actor, what: str) -> None:
    if not (actor and actor.is_active and (actor.is_buyer or actor.is_superuser)):
        raise PermissionDenied(f"Only buyers may {what}.")


def actor_supplier_id(actor, what: str) -> int:
    """The supplier a supplier user acts for; internal users may not act as a supplier."""
    if not actor or not actor.is_supplier_user:
        raise PermissionDenied(f"Only the supplier's own users may {what}.")
    supplier_id = supplier_id_for(actor)
    if supplier_id is None:
        raise PermissionDenied(f"Only the supplier's own users may {what}.")
    return supplier_id


def require_same_supplier(actor, supplier_id: int, what: str, label: str) -> None:
    if actor_supplier_id(actor, what) != supplier_id:
        raise NotFound(f"{label} not found.")


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
