"""The one rounding helper of the project: amounts 2 places, quantities 6, ROUND_HALF_UP.

Pure module (no Django). ``Decimal`` only: a ``float`` is refused everywhere, because it has
already lost the exact value before we could round it.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

CENT = Decimal("0.01")
MICRO = Decimal("0.000001")

# Quantising runs in a wide context so that no value we accept can overflow the precision
# (the default context has 28 digits; quantize raises when the result would need more).
_CTX = Context(prec=60, rounding=ROUND_HALF_UP)

# to_decimal limits: 18 integer digits (10^18 yuan is far beyond any invoice) and 20 decimals
# (unit prices in 数电 XML carry about 15).
MAX_INTEGER_DIGITS = 18
MAX_FRACTION_DIGITS = 20

_SEPARATORS = ", \u00a0\u2009\u202f"  # comma, space, no-break space, thin space, narrow no-break space
_PLAIN = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_GROUPED = re.compile(rf"[+-]?[0-9]{{1,3}}(?:[{_SEPARATORS}][0-9]{{3}})+(?:\.[0-9]+)?")
_SEPARATOR_RE = re.compile(f"[{_SEPARATORS}]")


def to_decimal(text: str | None) -> Decimal | None:
    """Read a decimal number written as text, strictly.

    Returns None for a missing value: ``None``, an empty or blank string, or asterisks (``*``,
    which Chinese invoices print where a value does not apply, e.g. the tax of an untaxed line).
    Accepts an optional sign, ASCII digits, an optional ``.`` fraction, and thousands separators
    (comma or space) only in proper groups of three. Raises ``ValueError`` for anything else:
    NaN, Infinity, exponents (``1e5``), hex, underscores, non-ASCII digits, ``5.``, ``.5``,
    badly grouped separators (``1,2,3``) and numbers beyond the digit limits.
    """
    if text is None:
        return None
    if not isinstance(text, str):
        raise TypeError(f"to_decimal expects text, not {type(text).__name__}")
    s = text.strip()
    if not s or set(s) == {"*"}:
        return None
    if _PLAIN.fullmatch(s):
        plain = s
    elif _GROUPED.fullmatch(s):
        plain = _SEPARATOR_RE.sub("", s)
    else:
        raise ValueError(f"{text!r} is not a decimal number")
    digits = plain.lstrip("+-")
    integer, _, fraction = digits.partition(".")
    if len(integer.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise ValueError(f"{text!r} has more than {MAX_INTEGER_DIGITS} integer digits")
    if len(fraction) > MAX_FRACTION_DIGITS:
        raise ValueError(f"{text!r} has more than {MAX_FRACTION_DIGITS} decimal places")
    return Decimal(plain)


def _as_decimal(x: Decimal | int | str) -> Decimal:
    if isinstance(x, bool | float):
        raise TypeError(f"refusing {type(x).__name__} {x!r}: use Decimal or str")
    if isinstance(x, Decimal):
        value = x
    elif isinstance(x, int):
        value = Decimal(x)
    elif isinstance(x, str):
        value = to_decimal(x)
        if value is None:
            raise ValueError(f"{x!r} is not a number")
    else:
        raise TypeError(f"cannot round {type(x).__name__}")
    if not value.is_finite():
        raise ValueError(f"{value} is not a finite number")
    return value


def _quantize(x: Decimal | int | str, exp: Decimal) -> Decimal:
    # a finite Decimal (nearly every call, many per matched line) needs none of _as_decimal's checks
    value = x if type(x) is Decimal and x.is_finite() else _as_decimal(x)
    try:
        result = value.quantize(exp, rounding=ROUND_HALF_UP, context=_CTX)
    except InvalidOperation:
        raise ValueError(f"{x!r} is too large to round") from None
    return result.copy_abs() if result.is_zero() else result  # never "-0.00"


def q2(x: Decimal | int | str) -> Decimal:
    """An amount: 2 decimal places, half up (2.345 → 2.35, -2.345 → -2.35)."""
    return _quantize(x, CENT)


def q6(x: Decimal | int | str) -> Decimal:
    """A quantity: 6 decimal places, half up."""
    return _quantize(x, MICRO)


def as_decimal(value: Decimal | int | str) -> Decimal:
    """``value`` as a Decimal: Decimals, ints and numeric strings are accepted; floats and bools are not."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"expected a Decimal, int or numeric string, got {type(value).__name__}: {value!r}")
    return Decimal(value)
