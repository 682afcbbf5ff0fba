"""Code lists used by the EN 16931 code-list rules (BR-CL-*) and by the parsers.

Written here from the public standards (ISO 4217, ISO 3166-1, UN/CEFACT UNTDID / UNCL lists,
ISO/IEC 6523 ICD). Long lists are built from ranges where the standard allows it.
"""

from __future__ import annotations

from itertools import product
from string import ascii_uppercase


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# ISO 4217 alpha-3: the codes in use, plus a few withdrawn ones (MRO, STD, SLL, ZWL, HRK, VEF, BYR)
# that EN 16931 validators still meet in the wild.
CURRENCIES = _words(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP
    BYN BYR BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN
    ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR ISK JMD
    JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP
    MRO MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR
    RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STD STN SVC SYP SZL THB TJS TMT
    TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VEF VES VND VUV WST XAF XAG XAU XBA
    XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWG ZWL
    """
)

# ISO 3166-1 alpha-2, plus the two user-assigned codes EN 16931 accepts: 1A (Kosovo) and
# XI (United Kingdom, Northern Ireland).
COUNTRIES = _words(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
    BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
    EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
    HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
    LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
    NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
    TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
    1A XI
    """
)

# VAT identifiers start with the country code; Greece uses EL (BR-CO-09).
VAT_PREFIXES = COUNTRIES | {"EL"}

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

# ISO/IEC 6523 ICD: 0002-0240, less the codes never issued (0092, 0103, 0181, 0182).
ICD = frozenset(f"{n:04d}" for n in range(2, 241) if n not in (92, 103, 181, 182))

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
    value = " ".join(value.split())
    return bool(value) and " " not in value and value in codes
