"""Rounding helpers shared by every app: amounts 2 places, quantities / unit prices 6, ROUND_HALF_UP.

Pure module (no Django). Floats are refused: they have lost the exact value already.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
MICRO = Decimal("0.000001")


def _dec(value) -> Decimal:
    if isinstance(value, float):
        raise TypeError("money values must be Decimal, int or str, never float")
    return value if isinstance(value, Decimal) else Decimal(str(value))


def q2(value) -> Decimal:
    """An amount: 2 decimal places, half up."""
    return _dec(value).quantize(CENT, rounding=ROUND_HALF_UP)


def q6(value) -> Decimal:
    """A quantity or unit price: 6 decimal places, half up."""
    return _dec(value).quantize(MICRO, rounding=ROUND_HALF_UP)
