"""Decimal helpers: the one place where rounding happens.

Amounts carry 2 decimal places, quantities up to 6, and every rounding is ROUND_HALF_UP through
:func:`round_half_up`. Floats are refused: ``Decimal(0.1)`` is not 0.1.
"""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
MICRO = Decimal("0.000001")


def to_decimal(value: Decimal | int | str) -> Decimal:
    """Return ``value`` as a Decimal; ints and numeric strings are accepted, floats and bools are not."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"expected a Decimal, int or numeric string, got {type(value).__name__}: {value!r}")
    return Decimal(value)


def round_half_up(value: Decimal | int | str, exponent: Decimal) -> Decimal:
    """Round ``value`` to the places of ``exponent`` (e.g. ``CENT``), halves away from zero."""
    return to_decimal(value).quantize(exponent, rounding=ROUND_HALF_UP)


def q2(value: Decimal | int | str) -> Decimal:
    """An amount: 2 decimal places, ROUND_HALF_UP."""
    return round_half_up(value, CENT)


def q6(value: Decimal | int | str) -> Decimal:
    """A quantity (or a unit price): 6 decimal places, ROUND_HALF_UP."""
    return round_half_up(value, MICRO)
