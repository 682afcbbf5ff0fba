"""The one place where amounts, quantities, prices, rates, variances and dates become text a person
reads (pages, PDFs, e-mails), in the active language.

- amount: two decimals, digit groups of three, in its currency (``¥1,234.50``, ``€12.00``,
  ``US$3.00`` in Chinese / ``$3.00`` in English). Rounded half up by :func:`core.money.q2`.
- quantity: as exact as stored, without trailing zeros (``12.500000`` → ``12.5``, ``100.000000``
  → ``100``, ``0.000001`` stays): a quantity is never rounded for display.
- price: a unit price, at least two decimals and more only when it has them (``12.5`` → ``12.50``,
  ``3.141593`` stays).
- rate: a tax rate as a percentage (``0.1300`` → ``13%``, ``0.015`` → ``1.5%``; ``None`` = exempt).
- percent: a figure that already is a percentage (``2.50`` → ``2.5%``).
- variance: a difference with its sign (``+1.00``, ``−0.50``), plus its percentage when given.
- day / moment: dates per the language's Django format (zh-hans ``2026年12月7日``, en ``Dec. 7, 2026``).

Chinese and English both group digits by three with a comma (the way amounts are printed on
Chinese invoices and bank slips); Django's zh-hans format (no separator, groups of four) is not used
for money. Every helper takes a Decimal, an int or a numeric string (match explanations store
Decimals as strings) and never raises: text that is no number is returned unchanged, ``None`` as
``""``. Floats are refused by the money helpers upstream and are shown through ``str`` here.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.utils import formats, timezone
from django.utils.translation import get_language, gettext

from .money import q2

# Currency symbols per language (CLDR's choice for zh and en). A code not listed is written as its
# ISO code before the figure ("CHF 12.00"), which no reader can misread.
_SYMBOLS = {
    "zh": {"CNY": "¥", "USD": "US$", "EUR": "€", "GBP": "£", "JPY": "JP¥", "HKD": "HK$"},
    "en": {"CNY": "CN¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "HKD": "HK$"},
}


def _lang() -> str:
    return (get_language() or "zh-hans").split("-")[0].lower()


def to_number(value) -> Decimal | None:
    """``value`` as a finite Decimal, or None when it is no number (None, "", "*", "abc", NaN)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        number = value
    else:
        try:
            number = Decimal(str(value).strip().replace(",", ""))
        except (InvalidOperation, ValueError):
            return None
    return number if number.is_finite() else None


def _grouped(value: Decimal, places: int | None) -> str:
    """Digits grouped by three; ``places`` fixed, or None for exactly the digits the value has."""
    if places is None:
        exact = value.normalize()
        text = format(exact, ",f")
    else:
        text = format(value, f",.{places}f")
    return text


def _zero_safe(value: Decimal) -> Decimal:
    return value.copy_abs() if value.is_zero() else value


def currency_symbol(code: str | None) -> str:
    code = (code or "").upper()
    return _SYMBOLS.get(_lang(), _SYMBOLS["en"]).get(code, f"{code} " if code else "")


def amount(value, currency: str | None = None) -> str:
    """``¥1,234.50``; without a currency ``1,234.50``. A negative amount: ``-¥12.00``."""
    number = to_number(value)
    if number is None:
        return "" if value is None else str(value)
    rounded = _zero_safe(q2(number))
    sign = "-" if rounded < 0 else ""
    return f"{sign}{currency_symbol(currency)}{_grouped(rounded.copy_abs(), 2)}"


def quantity(value) -> str:
    """Exact, without trailing zeros, grouped: ``12.500000`` → ``12.5``, ``1000`` → ``1,000``."""
    number = to_number(value)
    if number is None:
        return "" if value is None else str(value)
    return _grouped(_zero_safe(number), None)


def price(value) -> str:
    """A unit price: two decimals at least, every further digit it has (``12.5`` → ``12.50``)."""
    number = to_number(value)
    if number is None:
        return "" if value is None else str(value)
    number = _zero_safe(number)
    exponent = number.normalize().as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return _grouped(number, places)


def plain(value) -> str:
    """Machine-readable (form fields, CSV): exact, no grouping, no trailing zeros, no exponent."""
    number = to_number(value)
    if number is None:
        return "" if value is None else str(value)
    return format(_zero_safe(number).normalize(), "f")


def percent(value, *, signed: bool = False) -> str:
    """A figure that is already a percentage: ``2.50`` → ``2.5%``; ``signed`` adds ``+``."""
    number = to_number(value)
    if number is None:
        return "" if value is None else str(value)
    text = quantity(number)
    return f"+{text}%" if signed and number > 0 else f"{text}%"


def rate(value) -> str:
    """A tax rate as a percentage: ``0.1300`` → ``13%``; ``None`` (or ``exempt``) is exempt."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "exempt")):
        return gettext("Exempt")
    number = to_number(value)
    if number is None:
        return str(value)
    return percent(number * 100)


def signed(text: str, number: Decimal) -> str:
    return f"+{text}" if number > 0 else text


def variance(
    difference, percent_of: object = None, *, kind: str = "amount", currency: str | None = None
) -> str:
    """A difference with its sign and, when known, its percentage: ``+1.00 (+8%)``; ``kind`` is
    ``quantity``, ``unit_price`` or anything else (an amount)."""
    number = to_number(difference)
    if number is None:
        return "" if difference is None else str(difference)
    text = figure(number, kind=kind, currency=currency)
    text = signed(text, number)
    if to_number(percent_of) is not None:
        text += f" ({percent(percent_of, signed=True)})"
    return text


def figure(value, *, kind: str = "amount", currency: str | None = None) -> str:
    """A figure of a match variance or explanation by its kind: quantities exact, unit prices with
    two or more decimals, everything else an amount."""
    if kind == "quantity":
        return quantity(value)
    if kind == "unit_price":
        return price(value)
    return amount(value, currency)


def day(value) -> str:
    """A date per the language: ``2026年12月7日`` / ``Dec. 7, 2026``; ISO text is read first."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return formats.date_format(value, "DATE_FORMAT")


def moment(value) -> str:
    """A point in time per the language, in the portal's time zone: ``2026年12月7日 11:20``."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    if isinstance(value, datetime.datetime):
        return f"{formats.date_format(value, 'DATE_FORMAT')} {formats.time_format(value, 'H:i')}"
    return day(value)
