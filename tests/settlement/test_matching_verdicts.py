"""Verdicts and the words behind them: exact matches, tolerances and each kind of exception."""

from decimal import Decimal as D

import pytest
from matching_builders import STRICT, allocated, codes, invoice, line, match, po_line, receipt

from settlement.matching import (
    ENGINE_VERSION,
    Invoice,
    Limit,
    MatchType,
    PairedBy,
    ReasonCode,
    Tolerance,
    TolerancePolicy,
    Verdict,
)

BOLTS = po_line("P1", 10, "10.00", item_code="BOLT-M8", name="Bolt M8", label="PO-7/10")
BOLTS_RECEIVED = [receipt("R1", "P1", 1, 10)]

PRICE_2PCT_OR_050 = TolerancePolicy(
    version="tol-1",
    unit_price=Tolerance(
        upper=Limit(percent="2", absolute="0.50"), lower=Limit(percent="5", absolute="1.00")
    ),
    line_amount=Tolerance.symmetric(percent="2", absolute="5.00"),
    invoice_total=Tolerance.symmetric(percent="2", absolute="5.00"),
)


def reason(result, code):
    return next(r for r in result.all_reasons if r.code is code)


def test_invoice_that_agrees_with_po_and_receipt_is_matched_without_reasons():
    result = match(invoice("INV-1", [line("L1", 10, "10.00", item_code="BOLT-M8")]), [BOLTS], BOLTS_RECEIVED)

    assert result.verdict is Verdict.MATCHED
    assert result.all_reasons == ()
    assert result.lines[0].variances == () and result.variances == ()
    assert allocated(result) == [("L1", "R1", D(10))]
    assert result.lines[0].match_type is MatchType.THREE_WAY
    assert result.lines[0].paired_by is PairedBy.ITEM_CODE


def test_result_echoes_policy_version_and_engine_version():
    result = match(
        invoice("INV-1", [line("L1", 10, "10.00", ref="P1")]), [BOLTS], BOLTS_RECEIVED, policy=STRICT
    )

    assert result.policy_version == "strict-1"
    assert result.engine_version == ENGINE_VERSION
    assert len(result.input_hash) == 64


def test_small_price_increase_is_matched_within_tolerance_and_says_so():
    result = match(
        invoice("INV-1", [line("L1", 10, "10.10", ref="P1")]),
        [BOLTS],
        BOLTS_RECEIVED,
        policy=PRICE_2PCT_OR_050,
    )

    assert result.verdict is Verdict.MATCHED_WITHIN_TOLERANCE
    assert codes(result) == [
        "price_within_tolerance",
        "amount_within_tolerance",
        "invoice_total_within_tolerance",
    ]
    assert reason(result, ReasonCode.PRICE_WITHIN_TOLERANCE).message == (
        "Unit price 10.10 is 0.10 CNY (1.00%) above the PO price 10.00 of PO line PO-7/10; the policy "
        "(version tol-1) allows at most +2.00% and +0.50 CNY, so this is accepted within tolerance "
        "(rule: unit price upper limit)."
    )
    assert allocated(result) == [("L1", "R1", D(10))]


def test_price_above_tolerance_is_an_exception_that_cites_numbers_and_rule():
    result = match(
        invoice("INV-1", [line("L1", 10, "10.50", ref="P1")]),
        [BOLTS],
        BOLTS_RECEIVED,
        policy=PRICE_2PCT_OR_050,
    )

    assert result.verdict is Verdict.EXCEPTION
    price = reason(result, ReasonCode.PRICE_ABOVE_TOLERANCE)
    assert price.message == (
        "Unit price 10.50 is 0.50 CNY (5.00%) above the PO price 10.00 of PO line PO-7/10; the policy "
        "(version tol-1) allows at most +2.00% and +0.50 CNY, so this line is an exception "
        "(rule: unit price upper limit)."
    )
    assert price.rule == "unit price upper limit"
    assert price.line_id == "L1"
    variance = result.lines[0].variances[0]
    assert (variance.kind, variance.difference, variance.percent) == ("unit_price", D("0.50"), D("5.00"))


def test_price_below_tolerance_is_an_exception_under_the_lower_limit():
    result = match(
        invoice("INV-1", [line("L1", 10, "9.00", ref="P1")]),
        [BOLTS],
        BOLTS_RECEIVED,
        policy=PRICE_2PCT_OR_050,
    )

    price = reason(result, ReasonCode.PRICE_BELOW_TOLERANCE)
    assert price.message.startswith("Unit price 9.00 is 1.00 CNY (10.00%) below the PO price 10.00")
    assert (
        "allows at most -5.00% and -1.00 CNY, so this line is an exception (rule: unit price lower limit)"
        in (price.message)
    )


@pytest.mark.parametrize(
    ("percent", "absolute", "verdict"),
    [
        ("5", "0.50", Verdict.MATCHED_WITHIN_TOLERANCE),  # 4 % and 0.40: within both
        ("5", "0.30", Verdict.EXCEPTION),  # within the percentage, not the amount
        ("3", "0.50", Verdict.EXCEPTION),  # within the amount, not the percentage
        (None, "0.50", Verdict.MATCHED_WITHIN_TOLERANCE),  # only the amount is checked
        ("5", None, Verdict.MATCHED_WITHIN_TOLERANCE),  # only the percentage is checked
    ],
)
def test_a_price_difference_is_within_tolerance_only_if_within_both_percent_and_amount(
    percent, absolute, verdict
):
    policy = TolerancePolicy(
        version="both",
        unit_price=Tolerance(upper=Limit(percent=percent, absolute=absolute)),
        line_amount=Tolerance(upper=Limit(percent=None, absolute=None)),
        invoice_total=Tolerance(upper=Limit(percent=None, absolute=None)),
    )
    result = match(
        invoice("INV-1", [line("L1", 10, "10.40", ref="P1")]), [BOLTS], BOLTS_RECEIVED, policy=policy
    )

    assert result.lines[0].verdict is verdict


def test_line_amount_that_does_not_follow_from_quantity_and_price_is_an_amount_exception():
    result = match(
        invoice("INV-1", [line("L1", 10, "10.00", amount="101.00", ref="P1")]), [BOLTS], BOLTS_RECEIVED
    )

    assert codes(result)[0] == "amount_above_tolerance"
    assert "price_above_tolerance" not in codes(result)
    assert reason(result, ReasonCode.AMOUNT_ABOVE_TOLERANCE).message == (
        "Line amount 101.00 is 1.00 CNY (1.00%) above the matched quantity at the PO price, 10 × 10.00 = 100.00; "
        "the policy (version strict-1) allows no difference, so this line is an exception "
        "(rule: line amount upper limit)."
    )


def test_line_without_any_matching_po_line_is_an_exception():
    result = match(
        invoice("INV-1", [line("L1", 1, "5.00", item_code="WASHER", name="Washer")]), [BOLTS], BOLTS_RECEIVED
    )

    assert result.verdict is Verdict.EXCEPTION
    assert codes(result)[0] == "no_po_line"
    assert result.lines[0].po_line_id is None
    assert reason(result, ReasonCode.NO_PO_LINE).message == (
        "No PO line has this line's item code WASHER or name “Washer”, so it cannot be matched and this line "
        "is an exception (rule: every invoice line needs a PO line)."
    )
    assert result.allocations == ()


def test_reference_to_an_unknown_po_line_is_not_guessed_around():
    result = match(
        invoice("INV-1", [line("L1", 10, "10.00", ref="P9", item_code="BOLT-M8")]), [BOLTS], BOLTS_RECEIVED
    )

    assert codes(result)[0] == "po_line_reference_unknown"
    assert (
        "refers to PO line P9, which is not among the PO lines being matched" in result.all_reasons[0].message
    )
    assert result.allocations == ()


def test_tax_rate_different_from_the_po_is_an_exception():
    result = match(
        invoice("INV-1", [line("L1", 10, "10.00", tax_rate="0.09", ref="P1")]), [BOLTS], BOLTS_RECEIVED
    )

    assert codes(result) == ["tax_rate_mismatch"]
    assert reason(result, ReasonCode.TAX_RATE_MISMATCH).message == (
        "Tax rate 9% differs from the rate 13% on PO line PO-7/10, so this line is an exception "
        "(rule: tax rate must equal the PO's)."
    )


def test_invoice_in_another_currency_than_the_po_line_is_an_exception():
    document = invoice("INV-1", [line("L1", 10, "10.00", ref="P1")], currency="USD")
    result = match(document, [BOLTS], BOLTS_RECEIVED)

    assert "currency_mismatch" in codes(result)
    assert result.verdict is Verdict.EXCEPTION


def test_line_with_zero_quantity_is_an_exception_and_allocates_nothing():
    result = match(
        invoice("INV-1", [line("L1", 0, "10.00", amount="0.00", ref="P1")]), [BOLTS], BOLTS_RECEIVED
    )

    assert codes(result)[0] == "invalid_quantity"
    assert result.allocations == ()


def test_tax_amount_beyond_the_rounding_allowance_is_an_exception():
    result = match(
        invoice("INV-1", [line("L1", 10, "10.00", tax="13.50", ref="P1")]), [BOLTS], BOLTS_RECEIVED
    )

    assert "tax_amount_mismatch" in codes(result)
    assert reason(result, ReasonCode.TAX_AMOUNT_MISMATCH).message == (
        "Tax 13.50 differs by 0.50 from 13% of the line amount 100.00, which is 13.00; the tax rounding "
        "allowance is 0.01 per line, so this line is an exception (rule: tax rounding allowance per line)."
    )
    assert "tax_total_mismatch" in codes(result)
    assert not any(code.startswith("price") for code in codes(result))


def test_lines_that_do_not_add_up_to_the_net_total_make_the_invoice_an_exception():
    document = invoice("INV-1", [line("L1", 10, "10.00", ref="P1")], net_total="110.00")
    result = match(document, [BOLTS], BOLTS_RECEIVED)

    assert result.lines[0].verdict is Verdict.MATCHED
    assert result.verdict is Verdict.EXCEPTION
    assert [r.code.value for r in result.reasons] == ["lines_do_not_add_up", "invoice_total_above_tolerance"]
    assert result.reasons[0].message == (
        "The net total 110.00 differs by 10.00 from the sum of the line amounts, 100.00, so this invoice is an "
        "exception (rule: lines must add up to the net total)."
    )


def test_invoice_total_above_matched_value_cites_the_invoice_total_rule():
    document = invoice("INV-1", [line("L1", 10, "10.40", ref="P1")])
    policy = TolerancePolicy(
        version="tot-1",
        unit_price=Tolerance.symmetric("5", "1"),
        line_amount=Tolerance.symmetric("5", "10"),
        invoice_total=Tolerance.symmetric("1", "100"),
    )
    result = match(document, [BOLTS], BOLTS_RECEIVED, policy=policy)

    assert result.lines[0].verdict is Verdict.MATCHED_WITHIN_TOLERANCE
    assert result.verdict is Verdict.EXCEPTION
    assert result.reasons[0].code is ReasonCode.INVOICE_TOTAL_ABOVE_TOLERANCE
    assert result.reasons[0].message == (
        "The net total 104.00 is 4.00 CNY (4.00%) above the matched quantities at PO prices, 100.00; the policy "
        "(version tot-1) allows at most +1.00% and +100.00 CNY, so this invoice is an exception "
        "(rule: invoice total upper limit)."
    )
    assert result.variances[0].kind == "invoice_total"


def test_document_without_lines_is_an_exception():
    result = match(Invoice(id="INV-1", lines=(), net_total=D(0), tax_total=D(0)), [BOLTS], BOLTS_RECEIVED)

    assert codes(result) == ["no_lines"]
    assert result.verdict is Verdict.EXCEPTION


def test_invoice_verdict_is_the_worst_of_its_lines():
    nuts = po_line("P2", 5, "2.00", item_code="NUT-M8")
    document = invoice("INV-1", [line("L1", 10, "10.00", ref="P1"), line("L2", 5, "2.00", ref="P2")])
    result = match(document, [BOLTS, nuts], BOLTS_RECEIVED)

    assert result.line("L1").verdict is Verdict.MATCHED
    assert result.line("L2").verdict is Verdict.EXCEPTION
    assert result.verdict is Verdict.EXCEPTION
