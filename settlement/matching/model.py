"""Plain data for the matching engine: what goes in and what comes out.

Ids are strings (ints are turned into strings); amounts and quantities are Decimals (ints and
numeric strings are turned into Decimals, floats are refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from core.money import as_decimal as to_decimal

ENGINE_VERSION = "4"  # 4: a line spread across PO lines of the same item at any price, each part
# judged against its own PO line
# 3: stated prices always compared, references in notes, split lines, open first
# 2: exact pairs first, unique tie-break, excess-only variance
ZERO = Decimal(0)


def _normalise(obj: object, *, decimals: tuple[str, ...] = (), ids: tuple[str, ...] = ()) -> None:
    """Coerce fields of a frozen dataclass in place (used from ``__post_init__``)."""
    for name in decimals:
        value = getattr(obj, name)
        if value is not None:
            object.__setattr__(obj, name, to_decimal(value))
    for name in ids:
        value = getattr(obj, name)
        if value is not None and not isinstance(value, str):
            object.__setattr__(obj, name, str(value))


class DocumentType(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class Verdict(StrEnum):
    MATCHED = "matched"
    MATCHED_WITHIN_TOLERANCE = "matched_within_tolerance"
    EXCEPTION = "exception"

    @property
    def rank(self) -> int:
        return _VERDICT_RANK[self]


_VERDICT_RANK = {Verdict.MATCHED: 0, Verdict.MATCHED_WITHIN_TOLERANCE: 1, Verdict.EXCEPTION: 2}


def worst(verdicts: list[Verdict] | tuple[Verdict, ...]) -> Verdict:
    # the highest rank, found by looking for each verdict from the worst down (once per line)
    if Verdict.EXCEPTION in verdicts:
        return Verdict.EXCEPTION
    if Verdict.MATCHED_WITHIN_TOLERANCE in verdicts:
        return Verdict.MATCHED_WITHIN_TOLERANCE
    return Verdict.MATCHED


class MatchType(StrEnum):
    THREE_WAY = "three_way"  # invoice ↔ PO ↔ goods receipts
    TWO_WAY = "two_way"  # invoice ↔ PO, for lines that get no receipts (services)


class PairedBy(StrEnum):
    PO_LINE_REFERENCE = "po_line_reference"
    ITEM_CODE = "item_code"
    NAME = "name"


class ReasonCode(StrEnum):
    """Stable machine codes; the wording of messages may change, these do not."""

    # the invoice as a whole
    NO_LINES = "no_lines"
    LINES_DO_NOT_ADD_UP = "lines_do_not_add_up"
    CREDIT_NOTE_WITHOUT_ORIGINAL = "credit_note_without_original"
    INVOICE_TOTAL_ABOVE_TOLERANCE = "invoice_total_above_tolerance"
    INVOICE_TOTAL_BELOW_TOLERANCE = "invoice_total_below_tolerance"
    INVOICE_TOTAL_WITHIN_TOLERANCE = "invoice_total_within_tolerance"
    TAX_TOTAL_MISMATCH = "tax_total_mismatch"
    TAX_TOTAL_ROUNDING_WITHIN_ALLOWANCE = "tax_total_rounding_within_allowance"
    # pairing a line with a PO line
    INVALID_QUANTITY = "invalid_quantity"
    PO_LINE_REFERENCE_UNKNOWN = "po_line_reference_unknown"
    NO_PO_LINE = "no_po_line"
    CURRENCY_MISMATCH = "currency_mismatch"
    PAIRED_WITH_OPEN_QUANTITY = "paired_with_open_quantity"  # information, never an exception
    SPLIT_ACROSS_PO_LINES = "split_across_po_lines"  # information, never an exception
    TAX_RATE_MISMATCH = "tax_rate_mismatch"
    # quantity
    QUANTITY_NOT_RECEIVED = "quantity_not_received"
    QUANTITY_NOT_ORDERED = "quantity_not_ordered"
    QUANTITY_ALREADY_INVOICED = "quantity_already_invoiced"
    QUANTITY_WITHIN_TOLERANCE = "quantity_within_tolerance"
    CREDIT_EXCEEDS_INVOICED = "credit_exceeds_invoiced"
    # price and amount
    PRICE_ABOVE_TOLERANCE = "price_above_tolerance"
    PRICE_BELOW_TOLERANCE = "price_below_tolerance"
    PRICE_WITHIN_TOLERANCE = "price_within_tolerance"
    AMOUNT_ABOVE_TOLERANCE = "amount_above_tolerance"
    AMOUNT_BELOW_TOLERANCE = "amount_below_tolerance"
    AMOUNT_WITHIN_TOLERANCE = "amount_within_tolerance"
    # tax
    TAX_AMOUNT_MISMATCH = "tax_amount_mismatch"
    TAX_ROUNDING_WITHIN_ALLOWANCE = "tax_rounding_within_allowance"


# ---------------------------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class PoLine:
    """A purchase-order line. ``unit_price`` is net of tax; ``tax_rate`` is a fraction (0.13).

    ``receipt_required=False`` marks a line that gets no goods receipts (a service): it is matched
    two-way, invoice against the ordered quantity, and receipts given for it are ignored.
    """

    id: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    item_code: str | None = None
    name: str = ""
    receipt_required: bool = True
    currency: str = "CNY"
    label: str = ""  # how finance users know the line, e.g. "PO-2024-0017/10"; default: the id

    def __post_init__(self) -> None:
        _normalise(self, decimals=("quantity", "unit_price", "tax_rate"), ids=("id", "item_code"))

    @property
    def display(self) -> str:
        return self.label or self.id


@dataclass(frozen=True)
class ReceiptLine:
    """A goods-receipt line: what was accepted into stock for one PO line, less what went back."""

    id: str
    po_line_id: str
    receipt_date: date
    accepted_quantity: Decimal
    returned_quantity: Decimal = ZERO

    def __post_init__(self) -> None:
        _normalise(self, decimals=("accepted_quantity", "returned_quantity"), ids=("id", "po_line_id"))

    @property
    def net_quantity(self) -> Decimal:
        return self.accepted_quantity - self.returned_quantity


@dataclass(frozen=True)
class EarlierAllocation:
    """Quantity that another document already allocated: to a receipt line, or, for two-way lines,
    to the PO line itself (``receipt_line_id=None``). Credit notes' allocations are negative and name
    the invoice they correct in ``original_invoice_id``."""

    invoice_id: str
    po_line_id: str
    quantity: Decimal
    receipt_line_id: str | None = None
    original_invoice_id: str | None = None

    def __post_init__(self) -> None:
        _normalise(
            self,
            decimals=("quantity",),
            ids=("invoice_id", "po_line_id", "receipt_line_id", "original_invoice_id"),
        )


@dataclass(frozen=True)
class InvoiceLine:
    """One line of an invoice or credit note. ``amount`` and ``unit_price`` are net of tax.

    ``unit_price=None`` means the document gave none; it is then taken as ``amount / quantity``.
    """

    id: str
    quantity: Decimal
    amount: Decimal
    tax_rate: Decimal
    tax_amount: Decimal
    unit_price: Decimal | None = None
    po_line_id: str | None = None
    item_code: str | None = None
    name: str = ""

    def __post_init__(self) -> None:
        _normalise(
            self,
            decimals=("quantity", "amount", "tax_rate", "tax_amount", "unit_price"),
            ids=("id", "po_line_id", "item_code"),
        )


@dataclass(frozen=True)
class Invoice:
    """The document being matched. ``net_total`` excludes tax, ``tax_total`` is the tax.

    A credit note (``document_type=CREDIT_NOTE``) names the invoice it corrects in
    ``original_invoice_id``; its quantities and amounts may be given with either sign, they are
    always read as reductions.
    """

    id: str
    lines: tuple[InvoiceLine, ...]
    net_total: Decimal
    tax_total: Decimal
    document_type: DocumentType = DocumentType.INVOICE
    currency: str = "CNY"
    original_invoice_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(self.lines))
        object.__setattr__(self, "document_type", DocumentType(self.document_type))
        _normalise(self, decimals=("net_total", "tax_total"), ids=("id", "original_invoice_id"))

    @property
    def is_credit_note(self) -> bool:
        return self.document_type is DocumentType.CREDIT_NOTE


# --------------------------------------------------------------------------------------------- outputs


@dataclass(frozen=True)
class Allocation:
    """Quantity of an invoice line set against a receipt line (``None`` for two-way lines).
    Negative for credit notes: it releases quantity for later invoices."""

    invoice_line_id: str
    po_line_id: str
    receipt_line_id: str | None
    quantity: Decimal


@dataclass(frozen=True)
class Variance:
    """A difference found, as ``invoiced - expected``.

    Kinds: ``quantity``, ``unit_price``, ``line_amount``, ``tax`` and ``tax_rounding`` on lines;
    ``invoice_total``, ``tax_total`` and ``tax_rounding`` on the invoice. Only non-zero differences are
    listed. For credit notes all figures are the (positive) size of the reduction.
    """

    kind: str
    invoiced: Decimal
    expected: Decimal
    difference: Decimal
    percent: Decimal | None  # of ``expected``, 2 places; None when expected is zero


@dataclass(frozen=True)
class Reason:
    """Why a line or invoice got its verdict: a stable ``code``, the ``rule`` applied and a sentence
    for finance users. ``severity`` is the verdict this reason alone would give."""

    code: ReasonCode
    severity: Verdict
    message: str
    rule: str
    line_id: str | None = None
    # the message as a core.texts code with parameters, read in the reader's language where it
    # is shown ({"code": ..., "params": {...}}); None where only the English exists
    text: dict | None = None


@dataclass(frozen=True)
class LineResult:
    invoice_line_id: str
    po_line_id: str | None
    paired_by: PairedBy | None
    match_type: MatchType | None
    invoiced_quantity: Decimal
    matched_quantity: Decimal  # allocated, as a positive size also for credit notes
    variances: tuple[Variance, ...]
    reasons: tuple[Reason, ...]
    verdict: Verdict


@dataclass(frozen=True)
class MatchResult:
    invoice_id: str
    document_type: DocumentType
    original_invoice_id: str | None
    verdict: Verdict
    lines: tuple[LineResult, ...]
    allocations: tuple[Allocation, ...]
    variances: tuple[Variance, ...]  # invoice level
    reasons: tuple[Reason, ...]  # invoice level
    policy_version: str
    engine_version: str
    input_hash: str

    @property
    def all_reasons(self) -> tuple[Reason, ...]:
        return tuple(reason for line in self.lines for reason in line.reasons) + self.reasons

    def line(self, invoice_line_id: str) -> LineResult:
        return next(line for line in self.lines if line.invoice_line_id == invoice_line_id)

    def as_earlier_allocations(self) -> tuple[EarlierAllocation, ...]:
        """These allocations as input for matching later documents."""
        original = self.original_invoice_id if self.document_type is DocumentType.CREDIT_NOTE else None
        return tuple(
            EarlierAllocation(
                invoice_id=self.invoice_id,
                po_line_id=a.po_line_id,
                receipt_line_id=a.receipt_line_id,
                quantity=a.quantity,
                original_invoice_id=original,
            )
            for a in self.allocations
        )
