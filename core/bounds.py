"""The business limits of every number, amount, rate, currency and date a person or a system types.

One place for the limits and one checker per kind of value; the same checker serves the services
(every view and API call goes through them), Django forms (``form_field``/``validator``) and
django-ninja schemas (the ``Annotated`` types at the bottom). A value out of bounds raises
``OutOfBounds``: a ``DomainError`` with status 422, code ``validation_error`` and
``details = {"field": …, "reason": …, …}``; its message is translated into the reader's language.

Limits (all strictly checked, nothing is silently rounded away):
- money (prices, amounts): below ``MONEY_MAX`` (10^12, what every money column's integer
  digits hold) and at most 6 (prices) or 2 (amounts) decimals; not negative unless said so;
- a line's amount (quantity × price): below ``MONEY_MAX`` too, so that a sum of lines always
  fits the 16 integer digits of a total column;
- quantities: more than zero (or zero where said so), at most ``QUANTITY_MAX`` (10^9), 6 decimals;
- rates: 0 to 1 (4 decimals); tax rates: one of ``TAX_RATES``;
- currencies: an ISO 4217 code of ``CURRENCIES``;
- dates: not in the past / not in the future / on or after another date, and always between
  ``MIN_DATE`` and ``MAX_DATE`` (a typo such as 0202 or 2206 is refused).

The write guard at the end (``check_columns``, connected to ``pre_save`` in ``core.apps``) refuses
any Decimal that would not fit its column: SQLite stores such a value as it is and then every read
of the row fails (the 500 "for good"); PostgreSQL refuses it with a database error.
"""

from __future__ import annotations

from datetime import date
from decimal import Context, Decimal, InvalidOperation
from typing import Annotated

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.currency import ISO_4217

from .errors import DomainError
from .money import to_decimal

MONEY_MAX = Decimal(10) ** 12
QUANTITY_MAX = Decimal(10) ** 9
PRICE_PLACES = 6
AMOUNT_PLACES = 2
QUANTITY_PLACES = 6
RATE_PLACES = 4
MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2100, 12, 31)  # 2099-12-31 is the usual "open-ended"
_WIDE = Context(prec=60)  # no value we accept can overflow the precision when quantised
TAX_RATES = tuple(Decimal(r) for r in ("0.13", "0.09", "0.06", "0.05", "0.03", "0.01", "0"))

# ISO 4217 active codes, without funds, metals and testing codes (XXX, XTS, XAU …): one list, core.currency.
CURRENCIES = ISO_4217

LABELS = {
    "unit_price": _("Unit price"),
    "price": _("Price"),
    "estimated_unit_price": _("Estimated unit price"),
    "amount": _("Amount"),
    "budget_amount": _("Budget amount"),
    "quantity": _("Quantity"),
    "quantity_cap": _("Quantity cap"),
    "accepted_qty": _("Accepted quantity"),
    "rejected_qty": _("Rejected quantity"),
    "tax_rate": _("Tax rate"),
    "rate": _("Rate"),
    "currency": _("Currency"),
    "required_date": _("Required date"),
    "promised_date": _("Promised delivery date"),
    "receipt_date": _("Receipt date"),
    "return_date": _("Return date"),
    "shipped_on": _("Shipped on"),
    "expected_on": _("Expected on"),
    "valid_until": _("Valid until"),
    "valid_from": _("Valid from"),
    "valid_to": _("Valid to"),
    "deadline": _("Deadline"),
    "needed_by": _("Needed by"),
    "paid_on": _("Paid on"),
    "line_amount": _("Line amount"),
    "promised_dates": _("Promised delivery date"),
    "starts_on": _("Starts on"),
    "ends_on": _("Ends on"),
    "lead_time_days": _("Lead time"),
    "period_from": _("Period from"),
    "period_to": _("Period to"),
    "delivery_address": _("Delivery address"),
    "payment_terms": _("Payment terms"),
}


class OutOfBounds(DomainError):
    """A value outside its business limits (422 ``validation_error``, ``details["field"]``)."""

    status = 422
    code = "validation_error"

    def __init__(self, field: str, reason: str, message, **params):
        self.field = field
        self.reason = reason
        super().__init__(str(message), details={"field": field, "reason": reason, **params})


def label(field: str) -> str:
    return str(LABELS.get(field, field.replace("_", " ").capitalize()))


# --- numbers -----------------------------------------------------------------------------------


def _number(value, field: str) -> Decimal:
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, float):
        value = repr(value)
    try:
        number = value if isinstance(value, Decimal) else _parse(str(value))
    except (InvalidOperation, ValueError, TypeError):
        number = None
    if number is None or not number.is_finite():
        raise OutOfBounds(
            field, "not_a_number", _("%(field)s: “%(value)s” is not a number.") % _p(field, value=value)
        )
    return number


def _parse(text: str) -> Decimal:
    """Text as typed: ``1234.5``, ``1,234.50`` (core.money.to_decimal); else any form Decimal
    reads (``1e30``, 25 digits), so that a huge number is reported as too large, not as garbage."""
    try:
        number = to_decimal(text)
    except ValueError:
        number = None
    return number if number is not None else Decimal(text.strip())


def parse_number(value) -> Decimal | None:
    """``value`` as a finite Decimal if it is a number at all (``1e30`` and 25 digits are), else None:
    a caller whose own parser refused it asks ``bounds`` whether it is a number out of range."""
    try:
        number = value if isinstance(value, Decimal) else _parse(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def _p(field: str, **params) -> dict:
    return {"field": label(field), **{k: str(v) for k, v in params.items()}}


def _places(number: Decimal, places: int, field: str) -> Decimal:
    exp = Decimal(1).scaleb(-places)
    try:
        exact = number.quantize(exp, context=_WIDE) == number
    except InvalidOperation:
        exact = False
    if not exact:
        raise OutOfBounds(
            field,
            "too_many_decimals",
            _("%(field)s may have at most %(places)s decimal places.") % _p(field, places=places),
            places=places,
        )
    return number.quantize(exp, context=_WIDE)


def number(
    value,
    *,
    field: str,
    maximum: Decimal,
    places: int,
    allow_zero: bool = True,
    allow_negative: bool = False,
    below: bool = False,
) -> Decimal:
    """``value`` (Decimal, int or text) as a Decimal with ``places`` decimals, or ``OutOfBounds``.
    Its size is at most ``maximum`` (``below``: strictly below it)."""
    n = _number(value, field)
    if n < 0 and not allow_negative:
        raise OutOfBounds(field, "negative", _("%(field)s cannot be negative.") % _p(field))
    if n == 0 and not allow_zero:
        raise OutOfBounds(field, "zero", _("%(field)s must be more than zero.") % _p(field))
    if abs(n) > maximum or (below and abs(n) == maximum):
        message = (
            _("%(field)s is too large: it must be below %(maximum)s.")
            if below
            else _("%(field)s is too large: at most %(maximum)s.")
        )
        raise OutOfBounds(
            field, "too_large", message % _p(field, maximum=_plain(maximum)), maximum=_plain(maximum)
        )
    return _places(n, places, field)


def _plain(d: Decimal) -> str:
    return f"{d:,f}"


def price(value, *, field: str = "unit_price", allow_zero: bool = True) -> Decimal:
    """A unit price: 0 (or more than 0) and below 10^12, at most 6 decimals."""
    return number(
        value, field=field, maximum=MONEY_MAX, places=PRICE_PLACES, allow_zero=allow_zero, below=True
    )


def amount(value, *, field: str = "amount", allow_zero: bool = True, allow_negative: bool = False) -> Decimal:
    """A money amount: below 10^12 (either sign if allowed), at most 2 decimals."""
    return number(
        value,
        field=field,
        maximum=MONEY_MAX,
        places=AMOUNT_PLACES,
        allow_zero=allow_zero,
        allow_negative=allow_negative,
        below=True,
    )


def quantity(value, *, field: str = "quantity", allow_zero: bool = False) -> Decimal:
    """A quantity: more than zero (or zero if allowed), at most 10^9, at most 6 decimals."""
    return number(value, field=field, maximum=QUANTITY_MAX, places=QUANTITY_PLACES, allow_zero=allow_zero)


def line_amount(qty: Decimal, unit_price: Decimal, *, field: str = "line_amount") -> Decimal:
    """quantity × price must stay below ``MONEY_MAX`` (so totals of lines fit their columns)."""
    total = (Decimal(qty) * Decimal(unit_price)).quantize(Decimal("0.01"), context=_WIDE)
    if abs(total) >= MONEY_MAX:
        raise OutOfBounds(
            field,
            "too_large",
            _("The line amount (quantity × unit price) is too large: it must be below %(maximum)s.")
            % _p(field, maximum=_plain(MONEY_MAX)),
            maximum=_plain(MONEY_MAX),
        )
    return total


def rate(value, *, field: str = "rate") -> Decimal:
    """A rate as a fraction: 0 to 1, at most 4 decimals."""
    r = _number(value, field)
    if r < 0 or r > 1:
        raise OutOfBounds(field, "out_of_range", _("%(field)s must be between 0 and 1.") % _p(field))
    return _places(r, RATE_PLACES, field)


def tax_rate(value, *, field: str = "tax_rate") -> Decimal:
    """A VAT rate of China: one of ``TAX_RATES``."""
    r = _number(value, field)
    if r not in TAX_RATES:
        allowed = ", ".join(str(t) for t in TAX_RATES)
        raise OutOfBounds(
            field,
            "not_allowed",
            _("%(field)s %(value)s is not a VAT rate; use one of %(allowed)s.")
            % _p(field, value=value, allowed=allowed),
            allowed=allowed,
        )
    return r.quantize(Decimal(1).scaleb(-RATE_PLACES))


def currency(value, *, field: str = "currency") -> str:
    """An ISO 4217 code (upper-cased); anything else, ``XYZ`` or ``XXXX``, is refused."""
    code = str(value or "").strip().upper()
    if code not in CURRENCIES:
        raise OutOfBounds(
            field,
            "unknown_currency",
            _("%(field)s “%(value)s” is not an ISO 4217 currency code such as CNY, USD or EUR.")
            % _p(field, value=value),
        )
    return code


# --- dates -------------------------------------------------------------------------------------


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _date(value, field: str) -> date:
    if isinstance(value, date):
        return value.date() if hasattr(value, "date") and callable(value.date) else value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise OutOfBounds(
            field,
            "not_a_date",
            _("%(field)s: “%(value)s” is not a date (YYYY-MM-DD).") % _p(field, value=value),
        ) from None


def parse_date(value, *, field: str = "date") -> date | None:
    """A typed date (``YYYY-MM-DD``) or None when blank; anything else is ``OutOfBounds``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _date(value, field)


def date_sane(value, *, field: str, today: date | None = None) -> date:
    """A date between ``MIN_DATE`` and ``MAX_DATE`` (a typo such as 0202 or 2206 is refused)."""
    d = _date(value, field)
    if d > MAX_DATE:
        raise OutOfBounds(
            field,
            "too_far_ahead",
            _("%(field)s %(value)s is too far ahead.") % _p(field, value=d),
            maximum=MAX_DATE,
        )
    if d < MIN_DATE:
        raise OutOfBounds(
            field,
            "too_far_back",
            _("%(field)s %(value)s is too far back.") % _p(field, value=d),
            minimum=MIN_DATE,
        )
    return d


def date_not_past(value, *, field: str, today: date | None = None) -> date:
    """Today or later (and not absurdly far ahead)."""
    d = _date(value, field)
    if d < _today(today):
        raise OutOfBounds(
            field,
            "in_past",
            _("%(field)s %(value)s is in the past.") % _p(field, value=d),
            today=_today(today),
        )
    return date_sane(d, field=field, today=today)


def date_not_future(value, *, field: str, today: date | None = None) -> date:
    """Today or earlier (and not absurdly far back)."""
    d = _date(value, field)
    if d > _today(today):
        raise OutOfBounds(
            field,
            "in_future",
            _("%(field)s %(value)s is in the future.") % _p(field, value=d),
            today=_today(today),
        )
    return date_sane(d, field=field, today=today)


def date_on_or_after(value, other: date | None, *, field: str, other_field: str) -> date:
    """``value`` on or after ``other`` (no check when ``other`` is None)."""
    d = _date(value, field)
    if other is not None and d < other:
        raise OutOfBounds(
            field,
            "before",
            _("%(field)s %(value)s is before %(other)s (%(other_date)s).")
            % _p(field, value=d, other=label(other_field), other_date=other),
            other=other_field,
        )
    return d


# --- Django forms ------------------------------------------------------------------------------


def validator(check, **kwargs):
    """A Django validator from a checker: ``validators=[bounds.validator(bounds.price)]``."""
    from django.core.exceptions import ValidationError

    def validate(value):
        try:
            check(value, **kwargs)
        except OutOfBounds as exc:
            raise ValidationError(exc.message, code=exc.reason) from None

    return validate


def form_field(check, *, field: str, required: bool = True, **kwargs):
    """A Django form field whose ``clean`` returns the checked value (or a form error)::

    unit_price = bounds.form_field(bounds.price, field="unit_price", label=_("Unit price"))
    """
    from django import forms
    from django.core.exceptions import ValidationError

    field_kwargs = {k: kwargs.pop(k) for k in ("label", "help_text", "initial", "widget") if k in kwargs}

    class BoundedField(forms.CharField):
        def clean(self, value):
            value = super().clean(value)
            if value in (None, ""):
                return None
            try:
                return check(value, field=field, **kwargs)
            except OutOfBounds as exc:
                raise ValidationError(exc.message, code=exc.reason) from None

    return BoundedField(required=required, **field_kwargs)


# --- django-ninja / pydantic -------------------------------------------------------------------


def _pydantic(check, **kwargs):
    from pydantic_core import PydanticCustomError

    def validate(value, info):
        if value is None:
            return None
        field = info.field_name or kwargs.get("field")  # the schema's own name for the message
        try:
            return check(value, **{**kwargs, "field": field})
        except OutOfBounds as exc:
            raise PydanticCustomError(exc.reason, exc.message, {"field": field}) from None

    return validate


def _annotated(kind, check, **kwargs):
    from pydantic import AfterValidator

    return Annotated[kind, AfterValidator(_pydantic(check, **kwargs))]


# For schemas: ``unit_price: bounds.Price``; ``quantity: bounds.Quantity | None = None``.
# The field name in the 422 comes from pydantic's ``loc``; the message names the kind of value.
Price = _annotated(Decimal, price, field="unit_price")
Amount = _annotated(Decimal, amount, field="amount")
Quantity = _annotated(Decimal, quantity, field="quantity")
QuantityOrZero = _annotated(Decimal, quantity, field="quantity", allow_zero=True)
Rate = _annotated(Decimal, rate, field="rate")
TaxRate = _annotated(Decimal, tax_rate, field="tax_rate")
Currency = _annotated(str, currency, field="currency")
SaneDate = _annotated(date, date_sane, field="date")
DateNotPast = _annotated(date, date_not_past, field="date")
DateNotFuture = _annotated(date, date_not_future, field="date")


def schema_type(kind, check, **kwargs):
    """Another field type for a schema, e.g. ``schema_type(Decimal, bounds.quantity, field="accepted_qty", allow_zero=True)``."""
    return _annotated(kind, check, **kwargs)


# --- write guard -------------------------------------------------------------------------------

_DECIMAL_FIELDS: dict[type, list] = {}
_SQLITE_READ = Context(prec=15)  # django.db.backends.sqlite3.operations: get_decimalfield_converter


def _decimal_fields(model) -> list:
    fields = _DECIMAL_FIELDS.get(model)
    if fields is None:
        from django.db import models

        fields = [f for f in model._meta.concrete_fields if isinstance(f, models.DecimalField)]
        _DECIMAL_FIELDS[model] = fields
    return fields


def fits_column(value, max_digits: int, decimal_places: int) -> bool:
    """Would ``value`` read back from a ``max_digits``/``decimal_places`` column?

    Exactly (PostgreSQL: rounded to the places, at most ``max_digits`` digits) and through
    SQLite, which keeps a decimal as an 8-byte float and reads it back with 15 significant digits
    (``999999999999.9999`` comes back as ``1.00000000000000E+12``, one digit too many for
    (18, 6): every read of the row would fail)."""
    if isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except InvalidOperation:
            return True  # not a number: Django's own conversion reports it
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        return True  # expressions (F(...)), None: not ours to judge here
    d = Decimal(value)
    if not d.is_finite():
        return False
    exp = Decimal(1).scaleb(-decimal_places)
    column = Context(prec=max_digits)
    try:
        d.quantize(exp, context=column)
        _SQLITE_READ.create_decimal_from_float(float(d)).quantize(exp, context=column)
    except (InvalidOperation, OverflowError):
        return False
    return True


def check_columns(sender, instance, raw=False, **kwargs) -> None:
    """``pre_save``: refuse a Decimal that does not fit its column (422, the field named)."""
    if raw:
        return
    for f in _decimal_fields(type(instance)):
        value = getattr(instance, f.attname, None)
        if value is None or isinstance(value, float):
            continue
        if not fits_column(value, f.max_digits, f.decimal_places):
            maximum = Decimal(10) ** (f.max_digits - f.decimal_places)
            raise OutOfBounds(
                f.name,
                "too_large",
                gettext("%(field)s is too large: at most %(maximum)s.")
                % {"field": label(f.name), "maximum": _plain(maximum)},
                maximum=_plain(maximum),
            )


def tolerate_stored_overflow() -> None:
    """SQLite: read a Decimal stored beyond its column (written before these bounds existed, or
    by ``.update()``) as it is, instead of failing every read of its row with InvalidOperation:
    the page shows the value and the admin (whose form then asks for a valid one) repairs it.
    Only on SQLite: other databases refuse such values on write (and importing SQLite's backend
    while another one is loading is a circular import)."""
    from django.conf import settings

    if not any(db["ENGINE"].endswith("sqlite3") for db in settings.DATABASES.values()):
        return
    from django.db.backends.sqlite3.operations import DatabaseOperations

    original = DatabaseOperations.get_decimalfield_converter
    if getattr(original, "tolerant", False):
        return

    def get_decimalfield_converter(self, expression):
        convert = original(self, expression)
        exact = _SQLITE_READ.create_decimal_from_float

        def converter(value, expression, connection):
            try:
                return convert(value, expression, connection)
            except InvalidOperation:
                return exact(value)

        return converter

    get_decimalfield_converter.tolerant = True
    DatabaseOperations.get_decimalfield_converter = get_decimalfield_converter
