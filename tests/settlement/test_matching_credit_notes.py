"""Credit notes reduce what their original invoice claimed and give the receipt quantity back."""

from decimal import Decimal as D

from matching_builders import allocated, codes, credit_note, earlier, invoice, line, match, po_line, receipt

from settlement.matching import DocumentType, ReasonCode, Verdict

BOLTS = po_line("P1", 10, "10.00", item_code="BOLT-M8", label="PO-7/10")
RECEIPTS = [receipt("R1", "P1", 1, 5), receipt("R2", "P1", 8, 5)]


def original_invoice():
    return match(invoice("INV-1", [line("L1", 10, "10.00", ref="P1")]), [BOLTS], RECEIPTS)


def test_credit_note_releases_quantity_with_negative_allocations_newest_receipt_first():
    claimed = original_invoice().as_earlier_allocations()
    credit = credit_note("CN-1", [line("C1", -3, "10.00", ref="P1")])
    result = match(credit, [BOLTS], RECEIPTS, claimed)

    assert result.document_type is DocumentType.CREDIT_NOTE
    assert result.verdict is Verdict.MATCHED
    assert allocated(result) == [("C1", "R2", D(-3))]
    assert result.lines[0].matched_quantity == D(3)


def test_credit_note_with_positive_quantities_is_read_as_a_reduction_too():
    claimed = original_invoice().as_earlier_allocations()
    negative = match(credit_note("CN-1", [line("C1", -3, "10.00", ref="P1")]), [BOLTS], RECEIPTS, claimed)
    positive = match(credit_note("CN-1", [line("C1", 3, "10.00", ref="P1")]), [BOLTS], RECEIPTS, claimed)

    assert allocated(positive) == allocated(negative)
    assert positive.verdict is negative.verdict is Verdict.MATCHED


def test_released_quantity_can_be_invoiced_again():
    claimed = list(original_invoice().as_earlier_allocations())
    credit = match(credit_note("CN-1", [line("C1", -3, "10.00", ref="P1")]), [BOLTS], RECEIPTS, claimed)
    claimed += credit.as_earlier_allocations()

    assert claimed[-1].original_invoice_id == "INV-1"
    again = match(invoice("INV-2", [line("L1", 3, "10.00", ref="P1")]), [BOLTS], RECEIPTS, claimed)
    assert allocated(again) == [("L1", "R2", D(3))]
    assert again.verdict is Verdict.MATCHED


def test_credit_larger_than_the_invoice_claimed_releases_only_the_claim_and_is_an_exception():
    claimed = original_invoice().as_earlier_allocations()
    result = match(credit_note("CN-1", [line("C1", -12, "10.00", ref="P1")]), [BOLTS], RECEIPTS, claimed)

    assert allocated(result) == [("C1", "R2", D(-5)), ("C1", "R1", D(-5))]
    assert result.verdict is Verdict.EXCEPTION
    assert result.all_reasons[0].code is ReasonCode.CREDIT_EXCEEDS_INVOICED
    assert result.all_reasons[0].message.startswith(
        "Credit quantity 12 is more than invoice INV-1 still claims on PO line PO-7/10: it claims 10 "
        "(after any earlier credit notes); 10 matched and 2 not."
    )


def test_earlier_credit_notes_against_the_same_invoice_lower_what_can_still_be_credited():
    claimed = list(original_invoice().as_earlier_allocations())
    first = match(credit_note("CN-1", [line("C1", -4, "10.00", ref="P1")]), [BOLTS], RECEIPTS, claimed)
    claimed += first.as_earlier_allocations()

    second = match(credit_note("CN-2", [line("C1", -8, "10.00", ref="P1")]), [BOLTS], RECEIPTS, claimed)

    assert sum(a.quantity for a in second.allocations) == D(-6)
    assert "credit_exceeds_invoiced" in codes(second)


def test_credit_note_releases_only_what_its_own_invoice_claimed():
    receipts = [receipt("R1", "P1", 1, 10)]
    claimed = [earlier("INV-1", "P1", 5, "R1"), earlier("INV-OTHER", "P1", 5, "R1")]
    result = match(credit_note("CN-1", [line("C1", -6, "10.00", ref="P1")]), [BOLTS], receipts, claimed)

    assert allocated(result) == [("C1", "R1", D(-5))]
    assert result.verdict is Verdict.EXCEPTION


def test_credit_note_that_names_no_original_invoice_releases_nothing():
    claimed = original_invoice().as_earlier_allocations()
    result = match(
        credit_note("CN-1", [line("C1", -3, "10.00", ref="P1")], original=None), [BOLTS], RECEIPTS, claimed
    )

    assert result.allocations == ()
    assert result.verdict is Verdict.EXCEPTION
    assert codes(result)[0] == "credit_note_without_original"
    assert result.reasons[0].code is ReasonCode.CREDIT_NOTE_WITHOUT_ORIGINAL
    assert result.reasons[0].message.startswith("This credit note does not name the invoice it corrects")


def test_credit_note_price_is_checked_against_the_po_price():
    claimed = original_invoice().as_earlier_allocations()
    result = match(credit_note("CN-1", [line("C1", -3, "12.00", ref="P1")]), [BOLTS], RECEIPTS, claimed)

    assert "price_above_tolerance" in codes(result)
    assert "Unit price 12.00 is 2.00 CNY (20.00%) above the PO price 10.00" in result.all_reasons[0].message


def test_credit_note_for_a_two_way_service_line_releases_the_ordered_quantity():
    consulting = po_line("S1", 5, "800.00", tax_rate="0.06", receipt_required=False)
    claimed = match(invoice("INV-1", [line("L1", 5, "800.00", tax_rate="0.06", ref="S1")]), [consulting], [])
    credit = credit_note("CN-1", [line("C1", -1, "800.00", tax_rate="0.06", ref="S1")])
    result = match(credit, [consulting], [], claimed.as_earlier_allocations())

    assert allocated(result) == [("C1", None, D(-1))]
    assert result.verdict is Verdict.MATCHED


def test_a_credit_for_what_was_ordered_pairs_by_price_not_by_the_ordered_quantity():
    # P1 ordered 10 at 105.15 (2 already credited back, 8 still claimed), P2 ordered 20 at 110.60:
    # a credit of 10 at 110.60 is for P2; that P1 once ordered 10 says nothing about a credit
    po = [po_line("P1", 10, "105.15", item_code="X"), po_line("P2", 20, "110.60", item_code="X")]
    receipts = [receipt("R1", "P1", 1, 10), receipt("R2", "P2", 1, 20)]
    before = [
        earlier("INV-1", "P1", 10, "R1"),
        earlier("INV-1", "P2", 20, "R2"),
        earlier("CN-0", "P1", -2, "R1", original="INV-1"),
    ]
    document = credit_note("CN-1", [line("C1", -10, "110.60", item_code="X")], original="INV-1")
    result = match(document, po, receipts, before)

    assert result.lines[0].po_line_id == "P2"
    assert allocated(result) == [("C1", "R2", D(-10))]
    assert result.verdict is Verdict.MATCHED
