"""Code lists used by the EN 16931 code-list rules (BR-CL-*) and by the parsers.

Written here from the public standards (ISO 4217, ISO 3166-1, UN/CEFACT UNTDID / UNCL lists,
ISO/IEC 6523 ICD). Long lists are built from ranges where the standard allows it.
"""

from __future__ import annotations

from itertools import product
from string import ascii_uppercase

from . import codelists_long as long


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# ISO 4217 currencies and ISO 3166-1 countries as release 1.3.16 lists them (see codelists_long).
CURRENCIES = long.CURRENCIES
COUNTRIES = long.COUNTRIES_UBL
COUNTRIES_BY_SYNTAX = {"ubl": long.COUNTRIES_UBL, "cii": long.COUNTRIES_CII}

# VAT identifiers start with the country code; Greece uses EL (BR-CO-09).
VAT_PREFIXES = long.COUNTRIES_UBL | long.COUNTRIES_CII | {"EL"}

# UNTDID 1001 document types EN 16931 allows (BR-CL-01): credit-note types and invoice types.
CREDIT_NOTE_TYPES = _words("81 83 261 262 296 308 381 396 420 458 532")
INVOICE_TYPES = _words(
    """
    71 80 81 82 84 102 130 202 203 204 211 218 219 295 325 326 331 380 382 383 384 385 386 387 388
    389 390 393 394 395 456 457 471 472 473 500 501 502 503 527 553 575 623 633 751 780 817 870 875
    876 877 935
    """
)
DOCUMENT_TYPES = INVOICE_TYPES | CREDIT_NOTE_TYPES

# BT-8 VAT point date code: UBL uses UNTDID 2005 (3, 35, 432), CII uses UNTDID 2475 (5, 29, 72).
TAX_POINT_CODES = {"ubl": _words("3 35 432"), "cii": _words("5 29 72")}

# UNCL 5305 duty/tax/fee categories allowed by EN 16931.
VAT_CATEGORIES = _words("S Z E AE K G O L M B")

# UNCL 4461 payment means: 1-70, 74-78, 91-98 and ZZZ.
PAYMENT_MEANS = frozenset([str(n) for n in (*range(1, 71), *range(74, 79), *range(91, 99))] + ["ZZZ"])

# UNCL 5189 allowance reasons (the subset EN 16931 uses).
ALLOWANCE_REASONS = _words("41 42 60 62 63 64 65 66 67 68 70 71 88 95 100 102 103 104 105")

# ISO/IEC 6523 ICD: 0002-0248, less the codes never issued (0092, 0103, 0181, 0182).
ICD = long.ICD

# The long lists (BR-CL-07, -08, -20, -22, -23, -25).
REFERENCE_SCHEMES = long.REFERENCE_SCHEMES
NOTE_SUBJECTS = {"ubl": long.NOTE_SUBJECTS_UBL, "cii": long.NOTE_SUBJECTS_CII}
CHARGE_REASONS = long.CHARGE_REASONS
VATEX = long.VATEX
UNITS = long.UNITS
EAS = long.EAS

# UNTDID 7143 item type identification codes (BR-CL-13): every two-letter code AA-BZ, the other
# assigned codes, and the lettered series SRS-SRZ, SSA-SSZ, STA-STZ, SUA-SUM, TSN-TSU.
_AB = ["".join(p) for p in product("AB", ascii_uppercase)]


def _series(prefix: str, first: str, last: str) -> list[str]:
    return [prefix + c for c in ascii_uppercase if first <= c <= last]


ITEM_CLASSIFICATIONS = frozenset(
    _AB
    + [
        *_words(
            """CC CG CL CR CV DR DW EC EF EMD EN FS GB GN GMN GS HS IB IN IS IT IZ MA MF MN MP NB ON PD PL
            PO PPI PV QS RC RN RU RY SA SG SK SN SS ST TG UA UP VN VP VS VX ZZZ"""
        )
    ]
    + _series("SR", "S", "Z")
    + _series("SS", "A", "Z")
    + _series("ST", "A", "Z")
    + _series("SU", "A", "M")
    + _series("TS", "N", "U")
)

# MIME types allowed for attached documents (BR-CL-24).
MIME_CODES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.spreadsheet",
    }
)


def in_list(value: str | None, codes: frozenset[str]) -> bool:
    """A coded value is valid when, whitespace-normalised, it is one word of the list."""
    if value is None:
        return False
    if value in codes:  # the common case: no code of a list holds whitespace, so it is one word
        return True
    value = " ".join(value.split())
    return bool(value) and " " not in value and value in codes
