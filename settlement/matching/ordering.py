"""Stable ordering of ids, so results never depend on the order inputs arrive in."""

import re
from functools import lru_cache

_DIGITS = re.compile(r"(\d+)")


@lru_cache(maxsize=65536)
def natural_key(value: object) -> tuple[tuple[tuple[int, int | str], ...], str]:
    """Sort key that orders ids the way people do: ``"line-2"`` before ``"line-10"``.

    The text itself is the final tie-break, so ``"01"`` and ``"1"`` still have a fixed order.
    """
    text = str(value)
    parts = [(0, int(part)) if part.isdecimal() else (1, part) for part in _DIGITS.split(text) if part]
    return tuple(parts), text
