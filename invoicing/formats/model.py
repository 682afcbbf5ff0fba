"""The normalised invoice every format parser produces (plain dataclasses, no Django)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum


class Refused(Exception):
    """The file is not accepted at all: hostile, malformed or unsupported.

    ``code`` is stable and machine-readable (e.g. ``xml_doctype``, ``zip_bomb``),
    ``message`` is one plain sentence saying why.
    """

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class Format(StrEnum):
    OFD = "ofd"
    CN_XML = "cn-xml"
    UBL = "ubl"
    CII = "cii"
    FACTURX = "factur-x"  # a Factur-X / ZUGFeRD / XRechnung PDF carrying a CII (or UBL) invoice


class DocumentType(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class Severity(StrEnum):
    ERROR = "error"  # the invoice cannot be accepted
    WARNING = "warning"  # accepted, shown to the user


@dataclass(frozen=True)
class Issue:
    code: str  # stable, e.g. "BR-CO-10", "arith_line_net", "seller_tax_id_check"
    severity: Severity
    message: str  # plain words, cites the numbers (English)
    # the same as a core.texts code with parameters ({"code": ..., "params": {...}}), so a page
    # shows it in the reader's language; None where a parser has only the English
    text: dict | None = None


@dataclass(frozen=True)
class Party:
    name: str = ""
    tax_id: str = ""
    address: str = ""
    country: str = ""


@dataclass(frozen=True)
class InvoiceLine:
    name: str
    quantity: Decimal | None = None
    unit: str = ""
    unit_price: Decimal | None = None
    net: Decimal = Decimal("0")
    tax_rate: Decimal | None = None  # 0.13 for 13 %; None when exempt / not taxable ("*")
    tax: Decimal = Decimal("0")
    item_code: str = ""  # seller's or tax classification code
    po_reference: str = ""  # order line / PO reference when the format carries one
    line_id: str = ""
    discount_for: str = ""  # a discount row (数电 折扣行): line_id of the line it reduces; else ""
    # EN 16931: line-level charges minus allowances (BT-141 − BT-136), part of the line net amount
    allowances_charges: Decimal = Decimal("0")


@dataclass(frozen=True)
class TaxBreakdown:
    """One VAT breakdown (EN 16931 BG-23): the VAT is computed and rounded per breakdown."""

    rate: Decimal | None  # 0.19 for 19 %; None when the category has no rate
    taxable: Decimal
    tax: Decimal


@dataclass(frozen=True)
class Totals:
    net: Decimal
    tax: Decimal
    gross: Decimal
    payable: Decimal


@dataclass(frozen=True)
class SignatureInfo:
    present: bool = False
    digests_valid: bool | None = None  # None: not checked / not applicable
    signature_valid: bool | None = None  # None: present but unverifiable (e.g. 数电 XML CMS)
    signer: str = ""  # signer certificate subject
    detail: str = ""  # e.g. "digest mismatch: Doc_0/Document.xml"

    @property
    def status(self) -> str:
        """unsigned | valid | tampered | invalid | unverified"""
        if not self.present:
            return "unsigned"
        if self.digests_valid is False:
            return "tampered"
        if self.signature_valid is False:
            return "invalid"
        if self.signature_valid is None:
            return "unverified"
        return "valid"


@dataclass
class NormalisedInvoice:
    format: Format
    document_type: DocumentType
    invoice_number: str
    issue_date: date | None
    currency: str
    seller: Party
    buyer: Party
    totals: Totals
    lines: list[InvoiceLine] = field(default_factory=list)
    invoice_code: str | None = None  # old-style VAT 发票代码; None where the format has none
    corrects_invoice: str = ""  # number of the original invoice a credit note (红字发票) corrects
    corrects_invoice_code: str = ""
    po_references: list[str] = field(default_factory=list)
    signature: SignatureInfo = field(default_factory=SignatureInfo)
    issues: list[Issue] = field(default_factory=list)  # problems found while parsing
    extra: dict[str, str] = field(default_factory=dict)  # format-specific facts worth showing
    tax_breakdown: list[TaxBreakdown] = field(default_factory=list)  # EN 16931 only; else empty
    # XRechnung (BR-DE-*) findings, EN 16931 only: they count where the buyer switched the rules on
    xrechnung_issues: list[Issue] = field(default_factory=list)
