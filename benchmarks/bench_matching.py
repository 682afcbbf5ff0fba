"""How many invoices per second the matching engine gets through (pure Python, no database).

``run()`` returns one row per case: ``{"name", "unit", "median", "runs"}``, the median over several
timed runs of invoices matched per second. The whole module takes a few seconds.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import date, timedelta
from decimal import Decimal

from settlement.matching import (
    EarlierAllocation,
    Invoice,
    InvoiceLine,
    PoLine,
    ReceiptLine,
    Tolerance,
    TolerancePolicy,
    match_invoice,
    q2,
)

POLICY = TolerancePolicy(
    version="bench-1",
    unit_price=Tolerance.symmetric("2", "0.50"),
    quantity=Tolerance.symmetric("1", "1"),
    line_amount=Tolerance.symmetric("2", "50"),
    invoice_total=Tolerance.symmetric("1", "100"),
)
RATE = Decimal("0.13")


def _line(id: str, quantity: Decimal, price: Decimal, **fields) -> InvoiceLine:
    amount = q2(quantity * price)
    return InvoiceLine(
        id=id,
        quantity=quantity,
        amount=amount,
        tax_rate=RATE,
        tax_amount=q2(amount * RATE),
        unit_price=price,
        **fields,
    )


def _invoice(id: str, lines: list[InvoiceLine]) -> Invoice:
    return Invoice(
        id=id,
        lines=tuple(lines),
        net_total=sum((x.amount for x in lines), Decimal(0)),
        tax_total=sum((x.tax_amount for x in lines), Decimal(0)),
    )


def typical_case() -> dict:
    """A 20-line invoice against a 20-line PO, 3 receipts per line, an earlier invoice on the first receipts."""
    po_lines, receipts, earlier, lines = [], [], [], []
    for i in range(1, 21):
        price = Decimal(10 + i) + Decimal("0.25")
        po_lines.append(
            PoLine(id=f"P{i}", quantity=Decimal(30), unit_price=price, tax_rate=RATE, item_code=f"ITEM-{i}")
        )
        for k in range(3):
            receipts.append(
                ReceiptLine(f"R{i}-{k}", f"P{i}", date(2024, 3, 1) + timedelta(days=k), Decimal(10))
            )
        earlier.append(EarlierAllocation("INV-0", f"P{i}", Decimal(4), receipt_line_id=f"R{i}-0"))
        lines.append(_line(f"L{i}", Decimal(15), price, item_code=f"ITEM-{i}"))
    return {
        "invoice": _invoice("INV-1", lines),
        "po_lines": po_lines,
        "receipt_lines": receipts,
        "earlier_allocations": earlier,
    }


def ambiguous_case(groups: int, per_group: int) -> dict:
    """Lines that share an item code in groups, with different quantities and prices, in shuffled order."""
    shuffler = random.Random(7)
    po_lines, receipts, lines = [], [], []
    for g in range(groups):
        for k in range(per_group):
            id = f"P{g}-{k}"
            quantity = Decimal(5 + k * 3)
            price = Decimal(20 + k) + Decimal("0.50")
            po_lines.append(
                PoLine(id=id, quantity=quantity, unit_price=price, tax_rate=RATE, item_code=f"G{g}")
            )
            receipts.append(ReceiptLine(f"R{g}-{k}", id, date(2024, 3, 1), quantity))
            lines.append((quantity, price, f"G{g}"))
    shuffler.shuffle(lines)
    invoice_lines = [_line(f"L{n}", q, p, item_code=code) for n, (q, p, code) in enumerate(lines)]
    return {
        "invoice": _invoice("INV-1", invoice_lines),
        "po_lines": po_lines,
        "receipt_lines": receipts,
        "earlier_allocations": [],
    }


def unstructured_case(size: int) -> dict:
    """The worst case for pairing: one item code, every line and PO line with its own random quantity
    and price, so nothing pairs exactly and the whole group is one assignment problem."""
    shuffler = random.Random(11)
    po_lines, receipts, lines = [], [], []
    for k in range(size):
        quantity, price = Decimal(shuffler.randint(1, 100)), Decimal(shuffler.randint(1000, 1100)) / 100
        po_lines.append(PoLine(id=f"P{k}", quantity=quantity, unit_price=price, tax_rate=RATE, item_code="X"))
        receipts.append(ReceiptLine(f"R{k}", f"P{k}", date(2024, 3, 1), quantity))
        quantity, price = Decimal(shuffler.randint(1, 100)), Decimal(shuffler.randint(1000, 1100)) / 100
        lines.append(_line(f"L{k}", quantity, price, item_code="X"))
    return {
        "invoice": _invoice("INV-1", lines),
        "po_lines": po_lines,
        "receipt_lines": receipts,
        "earlier_allocations": [],
    }


def _rate(case: dict, repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        match_invoice(**case, policy=POLICY)
    return repeat / (time.perf_counter() - started)


def _measure(name: str, case: dict, *, repeat: int, runs: int) -> dict:
    _rate(case, 1)  # warm up
    rates = [_rate(case, repeat) for _ in range(runs)]
    return {"name": name, "unit": "invoices/s", "median": statistics.median(rates), "runs": runs}


def run() -> list[dict]:
    return [
        _measure("matching: 20-line invoice, 20 PO lines x 3 receipts", typical_case(), repeat=40, runs=7),
        _measure("matching: 200 lines, ambiguous in groups of 5", ambiguous_case(40, 5), repeat=5, runs=5),
        _measure("matching: 200 lines, all with one item code", ambiguous_case(1, 200), repeat=1, runs=5),
        _measure(
            "matching: 200 lines, one item code, nothing exact (worst case: one 200 x 200 assignment)",
            unstructured_case(200),
            repeat=1,
            runs=3,
        ),
    ]


if __name__ == "__main__":
    for row in run():
        print(f"{row['name']}: {row['median']:.1f} {row['unit']} (median of {row['runs']})")
