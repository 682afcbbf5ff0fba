"""What can still be allocated, and taking from it.

For an invoice, each receipt line offers ``accepted - returned - net earlier allocations`` (never
below zero), oldest receipt first (receipt date, then id). A two-way PO line offers
``ordered - net earlier allocations``.

For a credit note, each receipt line offers what the original invoice (together with earlier credit
notes against it) still claims on it, newest receipt first, so a credit undoes the invoice's latest
allocations before its oldest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from .model import EarlierAllocation, PoLine, ReceiptLine
from .ordering import natural_key

ZERO = Decimal(0)


@dataclass
class Slot:
    receipt_line_id: str | None  # None: the PO line itself (two-way)
    available: Decimal


@dataclass
class PoLineFacts:
    """Figures about one PO line, for explaining quantity shortfalls."""

    two_way: bool
    ordered: Decimal
    accepted: Decimal = ZERO
    returned: Decimal = ZERO
    earlier: Decimal = ZERO  # net allocated by other documents (for a credit note: by its original)
    taken: Decimal = ZERO  # allocated by other lines of this document matched before

    @property
    def received(self) -> Decimal:
        return self.accepted - self.returned


@dataclass
class Ledger:
    slots: dict[str, list[Slot]]  # by PO line id, in the order they are taken from
    facts: dict[str, PoLineFacts] = field(default_factory=dict)

    def open_quantity(self, po_line_id: str) -> Decimal:
        return sum((slot.available for slot in self.slots.get(po_line_id, ())), ZERO)

    def has_open(self, po_line_id: str) -> bool:
        return any(slot.available > 0 for slot in self.slots.get(po_line_id, ()))

    def take(self, po_line_id: str, quantity: Decimal) -> list[tuple[str | None, Decimal]]:
        """Take up to ``quantity``, slot by slot; returns ``(receipt line id, quantity)`` pieces."""
        pieces = []
        remaining = quantity
        for slot in self.slots.get(po_line_id, ()):
            if remaining <= 0:
                break
            piece = min(remaining, slot.available)
            if piece > 0:
                slot.available -= piece
                remaining -= piece
                pieces.append((slot.receipt_line_id, piece))
        self.facts[po_line_id].taken += quantity - remaining
        return pieces


def build_ledger(
    po_lines: Sequence[PoLine],
    receipt_lines: Iterable[ReceiptLine],
    earlier: Iterable[EarlierAllocation],
    *,
    credit_for: str | None,
    is_credit_note: bool,
) -> Ledger:
    """The ledger for an invoice (``is_credit_note=False``) or for a credit note against ``credit_for``."""
    receipts: dict[str, list[ReceiptLine]] = {po.id: [] for po in po_lines}
    for receipt in receipt_lines:
        if receipt.po_line_id in receipts:
            receipts[receipt.po_line_id].append(receipt)

    on_receipt: dict[str, Decimal] = {}  # net earlier allocations by receipt line
    on_po_line: dict[str, Decimal] = {}  # net earlier two-way allocations by PO line
    for allocation in earlier:
        if is_credit_note and (
            credit_for is None or credit_for not in (allocation.invoice_id, allocation.original_invoice_id)
        ):
            continue
        if allocation.receipt_line_id is None:
            on_po_line[allocation.po_line_id] = (
                on_po_line.get(allocation.po_line_id, ZERO) + allocation.quantity
            )
        else:
            rid = allocation.receipt_line_id
            on_receipt[rid] = on_receipt.get(rid, ZERO) + allocation.quantity

    slots: dict[str, list[Slot]] = {}
    facts: dict[str, PoLineFacts] = {}
    for po in po_lines:
        if not po.receipt_required:
            earlier_qty = on_po_line.get(po.id, ZERO)
            offered = earlier_qty if is_credit_note else po.quantity - earlier_qty
            slots[po.id] = [Slot(None, max(offered, ZERO))]
            facts[po.id] = PoLineFacts(two_way=True, ordered=po.quantity, earlier=earlier_qty)
            continue
        ordered = receipts[po.id]
        if len(ordered) > 1:
            ordered.sort(key=lambda r: (r.receipt_date, natural_key(r.id)))
        if is_credit_note:
            ordered.reverse()
        fact = PoLineFacts(two_way=False, ordered=po.quantity)
        slots[po.id] = []
        for receipt in ordered:
            earlier_qty = on_receipt.get(receipt.id, ZERO)
            offered = earlier_qty if is_credit_note else receipt.net_quantity - earlier_qty
            slots[po.id].append(Slot(receipt.id, max(offered, ZERO)))
            fact.accepted += receipt.accepted_quantity
            fact.returned += receipt.returned_quantity
            fact.earlier += earlier_qty
        facts[po.id] = fact
    return Ledger(slots, facts)
