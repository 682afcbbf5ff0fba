"""Small builders for matching tests: defaults that make a clean match, overridable per test."""

from datetime import date
from decimal import Decimal

from settlement.matching import (
    DocumentType,
    EarlierAllocation,
    Invoice,
    InvoiceLine,
    PoLine,
    ReceiptLine,
    TolerancePolicy,
    match_invoice,
    q2,
)

D = Decimal
STRICT = TolerancePolicy(version="strict-1")


def po_line(id, quantity, unit_price, *, tax_rate="0.13", item_code=None, name="", **fields) -> PoLine:
    return PoLine(
        id=id,
        quantity=D(quantity),
        unit_price=D(unit_price),
        tax_rate=D(tax_rate),
        item_code=item_code,
        name=name,
        **fields,
    )


def receipt(id, po_line_id, day, accepted, returned="0") -> ReceiptLine:
    return ReceiptLine(
        id=id,
        po_line_id=po_line_id,
        receipt_date=date(2024, 3, day),
        accepted_quantity=D(accepted),
        returned_quantity=D(returned),
    )


def line(
    id,
    quantity,
    unit_price,
    *,
    tax_rate="0.13",
    amount=None,
    tax=None,
    ref=None,
    item_code=None,
    name="",
    stated_price=True,
) -> InvoiceLine:
    """An invoice line whose amount and tax are computed like a careful supplier would."""
    amount = q2(D(quantity) * D(unit_price)) if amount is None else D(amount)
    tax = q2(amount * D(tax_rate)) if tax is None else D(tax)
    return InvoiceLine(
        id=id,
        quantity=D(quantity),
        amount=amount,
        tax_rate=D(tax_rate),
        tax_amount=tax,
        unit_price=D(unit_price) if stated_price else None,
        po_line_id=ref,
        item_code=item_code,
        name=name,
    )


def invoice(id, lines, *, net_total=None, tax_total=None, **fields) -> Invoice:
    lines = tuple(lines)
    return Invoice(
        id=id,
        lines=lines,
        net_total=sum((x.amount for x in lines), D(0)) if net_total is None else D(net_total),
        tax_total=sum((x.tax_amount for x in lines), D(0)) if tax_total is None else D(tax_total),
        **fields,
    )


def credit_note(id, lines, *, original="INV-1", **fields) -> Invoice:
    return invoice(id, lines, document_type=DocumentType.CREDIT_NOTE, original_invoice_id=original, **fields)


def earlier(invoice_id, po_line_id, quantity, receipt_line_id=None, original=None) -> EarlierAllocation:
    return EarlierAllocation(
        invoice_id=invoice_id,
        po_line_id=po_line_id,
        quantity=D(quantity),
        receipt_line_id=receipt_line_id,
        original_invoice_id=original,
    )


def match(document, po_lines, receipts=(), earlier_allocations=(), policy=STRICT):
    return match_invoice(
        document,
        po_lines=po_lines,
        receipt_lines=receipts,
        earlier_allocations=earlier_allocations,
        policy=policy,
    )


def codes(result) -> list[str]:
    return [reason.code.value for reason in result.all_reasons]


def allocated(result) -> list[tuple]:
    return [(a.invoice_line_id, a.receipt_line_id, a.quantity) for a in result.allocations]
