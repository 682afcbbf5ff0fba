"""Allocating invoiced quantity to receipts: oldest first, never more than received and not yet invoiced."""

from decimal import Decimal as D

from matching_builders import allocated, codes, earlier, invoice, line, match, po_line, receipt

from settlement.matching import Limit, MatchType, ReasonCode, Tolerance, TolerancePolicy, Verdict

BOLTS = po_line("P1", 100, "10.00", item_code="BOLT-M8", label="PO-7/10")


def test_invoice_line_is_split_across_two_receipts_oldest_first():
    receipts = [receipt("R2", "P1", 9, 50), receipt("R1", "P1", 2, 30)]
    result = match(invoice("INV-1", [line("L1", 40, "10.00", ref="P1")]), [BOLTS], receipts)

    assert result.verdict is Verdict.MATCHED
    assert allocated(result) == [("L1", "R1", D(30)), ("L1", "R2", D(10))]


def test_receipts_on_the_same_day_are_taken_in_id_order():
    receipts = [receipt("GR-10", "P1", 2, 5), receipt("GR-9", "P1", 2, 5)]
    result = match(invoice("INV-1", [line("L1", 7, "10.00", ref="P1")]), [BOLTS], receipts)

    assert allocated(result) == [("L1", "GR-9", D(5)), ("L1", "GR-10", D(2))]


def test_invoicing_more_than_received_allocates_only_what_was_received():
    result = match(
        invoice("INV-1", [line("L1", 12, "10.00", ref="P1")]), [BOLTS], [receipt("R1", "P1", 1, 10)]
    )

    assert allocated(result) == [("L1", "R1", D(10))]
    assert result.verdict is Verdict.EXCEPTION
    assert codes(result)[0] == "quantity_not_received"
    assert result.all_reasons[0].message == (
        "Invoiced quantity 12 is more than is left to invoice on PO line PO-7/10: received 10; 10 matched and 2 "
        "not. The 2 not matched is 20.00% of the 10 matched; the policy (version strict-1) allows no difference, "
        "so this line is an exception (rule: quantity upper limit)."
    )
    quantity = result.lines[0].variances[0]
    assert (quantity.kind, quantity.invoiced, quantity.expected, quantity.difference) == (
        "quantity",
        D(12),
        D(10),
        D(2),
    )


def test_line_with_nothing_received_is_an_exception_whatever_the_tolerance():
    generous = TolerancePolicy(version="loose", quantity=Tolerance(upper=Limit(percent=None, absolute=None)))
    result = match(invoice("INV-1", [line("L1", 5, "10.00", ref="P1")]), [BOLTS], [], policy=generous)

    assert result.allocations == ()
    assert result.lines[0].verdict is Verdict.EXCEPTION
    assert result.all_reasons[0].code is ReasonCode.QUANTITY_NOT_RECEIVED
    assert result.all_reasons[0].message.endswith(
        "Nothing could be matched, so this line is an exception (rule: never invoice more than received)."
    )


def test_small_excess_quantity_is_accepted_within_tolerance_but_never_allocated():
    policy = TolerancePolicy(
        version="weigh-1",
        quantity=Tolerance(upper=Limit(percent="1", absolute="1")),
        line_amount=Tolerance(upper=Limit(percent="1", absolute="10")),
        invoice_total=Tolerance(upper=Limit(percent="1", absolute="10")),
    )
    result = match(
        invoice("INV-1", [line("L1", "100.5", "10.00", ref="P1")]),
        [BOLTS],
        [receipt("R1", "P1", 1, 100)],
        policy=policy,
    )

    assert result.verdict is Verdict.MATCHED_WITHIN_TOLERANCE
    assert allocated(result) == [("L1", "R1", D(100))]
    assert codes(result) == [
        "quantity_within_tolerance",
        "amount_within_tolerance",
        "invoice_total_within_tolerance",
    ]
    assert (
        "The 0.5 not matched is 0.50% of the 100 matched; the policy (version weigh-1) allows at most +1.00% and "
        "+1, so this is accepted within tolerance and the 0.5 stays unallocated"
        in result.all_reasons[0].message
    )


def test_returned_quantity_cannot_be_invoiced():
    receipts = [receipt("R1", "P1", 1, 10, returned=3)]
    result = match(invoice("INV-1", [line("L1", 10, "10.00", ref="P1")]), [BOLTS], receipts)

    assert allocated(result) == [("L1", "R1", D(7))]
    assert codes(result)[0] == "quantity_not_received"
    assert "received 7 (10 accepted, 3 returned); 7 matched and 3 not" in result.all_reasons[0].message


def test_fully_returned_receipt_is_skipped_for_the_next_one():
    receipts = [receipt("R1", "P1", 1, 10, returned=10), receipt("R2", "P1", 2, 10)]
    result = match(invoice("INV-1", [line("L1", 10, "10.00", ref="P1")]), [BOLTS], receipts)

    assert allocated(result) == [("L1", "R2", D(10))]
    assert result.verdict is Verdict.MATCHED


def test_several_invoices_share_one_receipt_through_earlier_allocations():
    receipts = [receipt("R1", "P1", 1, 30), receipt("R2", "P1", 5, 50)]
    before = [earlier("INV-A", "P1", 20, "R1")]

    second = match(invoice("INV-B", [line("L1", 40, "10.00", ref="P1")]), [BOLTS], receipts, before)
    assert allocated(second) == [("L1", "R1", D(10)), ("L1", "R2", D(30))]
    assert second.verdict is Verdict.MATCHED

    third = match(
        invoice("INV-C", [line("L1", 25, "10.00", ref="P1")]),
        [BOLTS],
        receipts,
        before + list(second.as_earlier_allocations()),
    )
    assert allocated(third) == [("L1", "R2", D(20))]
    assert codes(third)[0] == "quantity_already_invoiced"
    assert (
        "received 80, 60 already invoiced on other documents; 20 matched and 5 not"
        in third.all_reasons[0].message
    )


def test_earlier_allocations_of_the_same_invoice_are_ignored_so_a_rerun_gives_the_same_answer():
    receipts = [receipt("R1", "P1", 1, 10)]
    document = invoice("INV-1", [line("L1", 10, "10.00", ref="P1")])
    first = match(document, [BOLTS], receipts)

    rerun = match(document, [BOLTS], receipts, first.as_earlier_allocations())

    assert rerun == first


def test_two_lines_for_the_same_po_line_take_receipts_in_turn():
    receipts = [receipt("R1", "P1", 1, 6), receipt("R2", "P1", 2, 6)]
    document = invoice("INV-1", [line("L1", 4, "10.00", ref="P1"), line("L2", 6, "10.00", ref="P1")])
    result = match(document, [BOLTS], receipts)

    assert allocated(result) == [("L1", "R1", D(4)), ("L2", "R1", D(2)), ("L2", "R2", D(4))]
    assert result.verdict is Verdict.MATCHED


def test_second_line_exceeding_what_the_first_left_says_so():
    document = invoice("INV-1", [line("L1", 4, "10.00", ref="P1"), line("L2", 8, "10.00", ref="P1")])
    result = match(document, [BOLTS], [receipt("R1", "P1", 1, 10)])

    assert result.line("L2").matched_quantity == D(6)
    assert "received 10, 4 taken by other lines of this document; 6 matched and 2 not" in (
        result.line("L2").reasons[0].message
    )


def test_earlier_credit_notes_give_receipt_quantity_back():
    receipts = [receipt("R1", "P1", 1, 10)]
    before = [earlier("INV-A", "P1", 10, "R1"), earlier("CN-A", "P1", -4, "R1", original="INV-A")]
    result = match(invoice("INV-B", [line("L1", 4, "10.00", ref="P1")]), [BOLTS], receipts, before)

    assert allocated(result) == [("L1", "R1", D(4))]
    assert result.verdict is Verdict.MATCHED


def test_receipt_already_overinvoiced_offers_nothing_rather_than_a_negative_quantity():
    receipts = [receipt("R1", "P1", 1, 10), receipt("R2", "P1", 2, 5)]
    before = [earlier("INV-A", "P1", 12, "R1")]
    result = match(invoice("INV-B", [line("L1", 5, "10.00", ref="P1")]), [BOLTS], receipts, before)

    assert allocated(result) == [("L1", "R2", D(5))]


# ------------------------------------------------------------------------------ two-way (services)

CONSULTING = po_line("S1", 5, "800.00", tax_rate="0.06", name="Consulting day", receipt_required=False)


def test_service_line_without_receipts_is_matched_two_way_against_the_order():
    result = match(invoice("INV-1", [line("L1", 5, "800.00", tax_rate="0.06", ref="S1")]), [CONSULTING], [])

    assert result.verdict is Verdict.MATCHED
    assert result.lines[0].match_type is MatchType.TWO_WAY
    assert allocated(result) == [("L1", None, D(5))]


def test_service_line_invoiced_beyond_the_order_is_an_exception():
    result = match(invoice("INV-1", [line("L1", 6, "800.00", tax_rate="0.06", ref="S1")]), [CONSULTING], [])

    assert allocated(result) == [("L1", None, D(5))]
    assert codes(result)[0] == "quantity_not_ordered"
    assert "which is matched against the order (no goods receipts): ordered 5; 5 matched and 1 not" in (
        result.all_reasons[0].message
    )


def test_service_line_already_invoiced_in_part_offers_only_the_rest():
    before = [earlier("INV-0", "S1", 3)]
    result = match(
        invoice("INV-1", [line("L1", 3, "800.00", tax_rate="0.06", ref="S1")]), [CONSULTING], [], before
    )

    assert allocated(result) == [("L1", None, D(2))]
    assert codes(result)[0] == "quantity_already_invoiced"


def test_receipts_for_a_two_way_line_are_ignored():
    receipts = [receipt("R1", "S1", 1, 1)]
    result = match(
        invoice("INV-1", [line("L1", 5, "800.00", tax_rate="0.06", ref="S1")]), [CONSULTING], receipts
    )

    assert allocated(result) == [("L1", None, D(5))]


def test_invoice_mixes_three_way_goods_and_two_way_services():
    document = invoice(
        "INV-1",
        [line("L1", 10, "10.00", ref="P1"), line("L2", 2, "800.00", tax_rate="0.06", name="consulting  DAY")],
    )
    result = match(document, [BOLTS, CONSULTING], [receipt("R1", "P1", 1, 10)])

    assert result.verdict is Verdict.MATCHED
    assert [x.match_type for x in result.lines] == [MatchType.THREE_WAY, MatchType.TWO_WAY]
