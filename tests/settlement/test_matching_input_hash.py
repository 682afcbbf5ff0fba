"""The input hash: the same inputs always give the same hash, any change gives another one."""

import dataclasses
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st
from matching_builders import STRICT, earlier, invoice, line, match, po_line, receipt

from settlement.matching import (
    EarlierAllocation,
    InvoiceLine,
    Limit,
    PoLine,
    ReceiptLine,
    Tolerance,
    input_hash,
)
from settlement.matching.hashing import _dumps, canonical, canonical_text

PO = [po_line("P1", 10, "10.00", item_code="X"), po_line("P2", 5, "20.00", item_code="Y")]
RECEIPTS = [receipt("R1", "P1", 1, 10), receipt("R2", "P2", 2, 5)]
EARLIER = [earlier("INV-0", "P1", 2, "R1")]
DOCUMENT = invoice("INV-1", [line("L1", 8, "10.00", item_code="X"), line("L2", 5, "20.00", item_code="Y")])


def digest(document=DOCUMENT, po=PO, receipts=RECEIPTS, before=EARLIER, policy=STRICT):
    return match(document, po, receipts, before, policy).input_hash


def test_same_inputs_give_the_same_hash_every_time():
    assert digest() == digest()
    assert digest() == input_hash(
        DOCUMENT, po_lines=PO, receipt_lines=RECEIPTS, earlier_allocations=EARLIER, policy=STRICT
    )


def test_hash_does_not_depend_on_the_order_of_inputs():
    reordered = dataclasses.replace(DOCUMENT, lines=DOCUMENT.lines[::-1])
    assert digest(reordered, PO[::-1], RECEIPTS[::-1]) == digest()


def test_hash_does_not_depend_on_how_many_trailing_zeros_a_number_has():
    same = [
        PoLine(id="P1", quantity=D("10.000"), unit_price=D("10"), tax_rate=D("0.130"), item_code="X"),
        PO[1],
    ]
    assert digest(po=same) == digest()


def test_hash_changes_when_a_receipt_changes():
    changed = [dataclasses.replace(RECEIPTS[0], returned_quantity=D(1)), RECEIPTS[1]]
    assert digest(receipts=changed) != digest()


def test_hash_changes_when_a_po_price_changes():
    changed = [dataclasses.replace(PO[0], unit_price=D("10.01")), PO[1]]
    assert digest(po=changed) != digest()


def test_hash_changes_when_another_invoice_allocates_the_same_receipt():
    assert digest(before=[*EARLIER, earlier("INV-9", "P1", 1, "R1")]) != digest()


def test_hash_changes_when_the_policy_changes():
    looser = dataclasses.replace(STRICT, unit_price=Tolerance(upper=Limit(percent="1")))
    assert digest(policy=looser) != digest()
    assert digest(policy=dataclasses.replace(STRICT, version="strict-2")) != digest()


def test_own_earlier_allocations_do_not_change_the_hash():
    first = match(DOCUMENT, PO, RECEIPTS, EARLIER)
    assert digest(before=[*EARLIER, *first.as_earlier_allocations()]) == first.input_hash


texts = st.text(max_size=10)
numbers = st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-9999, max_value=9999)
plain_items = st.one_of(
    st.builds(
        PoLine, id=texts, quantity=numbers, unit_price=numbers, tax_rate=numbers, item_code=texts | st.none()
    ),
    st.builds(ReceiptLine, id=texts, po_line_id=texts, receipt_date=st.dates(), accepted_quantity=numbers),
    st.builds(
        EarlierAllocation,
        invoice_id=texts,
        po_line_id=texts,
        quantity=numbers,
        receipt_line_id=texts | st.none(),
    ),
    st.builds(
        InvoiceLine,
        id=texts,
        quantity=numbers,
        amount=numbers,
        tax_rate=numbers,
        tax_amount=numbers,
        name=texts,
    ),
)


@settings(max_examples=200, deadline=None)
@given(plain_items)
def test_the_fast_text_of_a_line_equals_its_canonical_json(item):
    assert canonical_text(item) == _dumps(canonical(item))
