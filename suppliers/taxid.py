"""Tax identifiers: the 18-character unified social credit code (GB 32100-2015).

Pure module (no Django), shared by models, forms and the invoice validators.
"""

from __future__ import annotations

import re

# The 31 characters of the code alphabet (no I, O, S, V, Z), in value order 0..30.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(rf"^[{USCC_ALPHABET}]{{18}}$")
# Older taxpayer identification numbers: 15 (e.g. 6-digit area + 9-char organisation code)
# or 20 characters (e.g. an ID-card number + 2); digits and capital letters only.
_LEGACY_RE = re.compile(r"^[0-9A-Z]{15}$|^[0-9A-Z]{17}[0-9X][0-9A-Z]{2}$")


def uscc_check_character(first17: str) -> str:
    """The check character (18th) for the first 17 characters of a USCC."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_error(code: str) -> str | None:
    """Why ``code`` is not a valid unified social credit code, or None when it is."""
    if len(code) != 18:
        return f"A unified social credit code has 18 characters; {code!r} has {len(code)}."
    if not _USCC_RE.match(code):
        bad = sorted({c for c in code if c not in _VALUE})
        return f"{code!r} contains characters not allowed in a unified social credit code: {''.join(bad)}."
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        return f"The check character of {code!r} is {code[17]!r}; it should be {expected!r}."
    return None


def uscc_problem(code: str) -> tuple[str, dict] | None:
    """Why ``code`` is not a valid unified social credit code, as a code with parameters (for a
    message in the reader's language), or None when it is valid."""
    code = (code or "").strip().upper()
    if not code:
        return "tax_id_required", {}
    if len(code) != 18:
        return "tax_id_length", {"length": len(code)}
    if not _USCC_RE.match(code):
        bad = "".join(sorted({c for c in code if c not in _VALUE}))
        return "tax_id_characters", {"characters": bad}
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        return "tax_id_check_character", {"found": code[17], "expected": expected}
    return None


def is_valid_uscc(code: str) -> bool:
    return uscc_error(code) is None


def tax_id_error(code: str, *, allow_legacy: bool = False) -> str | None:
    """Validate a tax id: a USCC, or with ``allow_legacy`` also a 15/20-character taxpayer number."""
    code = (code or "").strip().upper()
    if not code:
        return "The tax id is empty."
    if allow_legacy and len(code) in (15, 20):
        return (
            None
            if _LEGACY_RE.match(code)
            else f"{code!r} is not a valid {len(code)}-character taxpayer number."
        )
    return uscc_error(code)


def normalise_tax_id(code: str) -> str:
    return (code or "").strip().upper()
