"""Tax rounding differences stay within their own small allowance and are never price variances."""

from decimal import Decimal as D

from matching_builders import STRICT, codes, invoice, line, match, po_line, receipt

from settlement.matching import ReasonCode, TolerancePolicy, Verdict

BOLTS = po_line("P1", 10, "10.00", item_code="BOLT-M8")
RECEIVED = [receipt("R1", "P1", 1, 10)]
PRICE_CODES = {"price_above_tolerance", "price_below_tolerance", "price_within_tolerance"}
AMOUNT_CODES = {"amount_above_tolerance", "amount_below_tolerance", "amount_within_tolerance"}


def kinds(result):
    return [v.kind for x in result.lines for v in x.variances] + [v.kind for v in result.variances]


def test_one_cent_of_tax_rounding_is_within_the_allowance_and_not_a_price_variance():
    result = match(invoice("INV-1", [line("L1", 10, "10.00", tax="13.01", ref="P1")]), [BOLTS], RECEIVED)

    assert result.verdict is Verdict.MATCHED_WITHIN_TOLERANCE
    assert codes(result) == ["tax_rounding_within_allowance", "tax_total_rounding_within_allowance"]
    assert kinds(result) == ["tax_rounding", "tax_total_rounding"]
    assert result.all_reasons[0].message == (
        "Tax 13.01 differs by 0.01 from 13% of the line amount 100.00, which is 13.00; this is within the tax "
        "rounding allowance of 0.01 per line and is a rounding difference, not a price difference "
        "(rule: tax rounding allowance per line)."
    )


def test_same_gross_split_differently_into_net_and_tax_is_tax_rounding_not_a_price_variance():
    # a supplier that prices gross: 113.00 split as 99.99 + 13.01 instead of 100.00 + 13.00
    document = invoice("INV-1", [line("L1", 10, "9.999", amount="99.99", tax="13.01", ref="P1")])
    result = match(document, [BOLTS], RECEIVED, policy=STRICT)

    assert result.verdict is Verdict.MATCHED_WITHIN_TOLERANCE
    assert not PRICE_CODES & set(codes(result))
    assert not AMOUNT_CODES & set(codes(result))
    assert "unit_price" not in kinds(result) and "line_amount" not in kinds(result)
    assert codes(result) == ["tax_rounding_within_allowance", "tax_total_rounding_within_allowance"]
    assert (
        "split the gross differently from what the PO prices give, net 100.00 and tax 13.00"
        in result.all_reasons[0].message
    )


def test_unit_price_with_more_decimals_is_not_a_variance_when_the_amount_is_exact():
    po = po_line("P1", 1, "8.85", item_code="X")  # a gross price of 10.00 at 13 %
    document = invoice("INV-1", [line("L1", 1, "8.84955752", amount="8.85", tax="1.15", ref="P1")])
    result = match(document, [po], [receipt("R1", "P1", 1, 1)])

    assert result.verdict is Verdict.MATCHED
    assert result.all_reasons == ()


def test_real_price_difference_of_one_cent_is_still_a_price_variance():
    document = invoice("INV-1", [line("L1", 10, "9.99", ref="P1")])  # net 99.90, tax 12.99: consistent
    result = match(document, [BOLTS], RECEIVED, policy=STRICT)

    assert "price_below_tolerance" in codes(result)


def test_tax_difference_beyond_the_allowance_is_a_tax_exception_not_a_price_variance():
    result = match(invoice("INV-1", [line("L1", 10, "10.00", tax="13.02", ref="P1")]), [BOLTS], RECEIVED)

    assert result.verdict is Verdict.EXCEPTION
    assert codes(result)[0] == "tax_amount_mismatch"
    assert not PRICE_CODES & set(codes(result))


def test_the_allowance_per_line_is_configurable():
    no_allowance = TolerancePolicy(version="no-rounding", tax_rounding_per_line=D("0"))
    result = match(
        invoice("INV-1", [line("L1", 10, "10.00", tax="13.01", ref="P1")]),
        [BOLTS],
        RECEIVED,
        policy=no_allowance,
    )

    assert result.lines[0].verdict is Verdict.EXCEPTION
    assert result.lines[0].reasons[0].code is ReasonCode.TAX_AMOUNT_MISMATCH


def test_tax_total_rounded_on_the_whole_invoice_is_within_the_per_invoice_allowance():
    po = [po_line(f"P{i}", 1, "0.33", item_code=f"X{i}") for i in range(5)]
    receipts = [receipt(f"R{i}", f"P{i}", 1, 1) for i in range(5)]
    lines = [line(f"L{i}", 1, "0.33", ref=f"P{i}") for i in range(5)]  # 0.04 tax each, 0.20 in all
    document = invoice("INV-1", lines, tax_total="0.21")  # the supplier taxed the total: 1.65 x 13 % = 0.21
    result = match(document, po, receipts)

    assert result.verdict is Verdict.MATCHED_WITHIN_TOLERANCE
    assert codes(result) == ["tax_total_rounding_within_allowance"]


def test_tax_total_beyond_the_per_invoice_allowance_is_an_exception():
    document = invoice("INV-1", [line("L1", 10, "10.00", ref="P1")], tax_total="13.10")
    result = match(document, [BOLTS], RECEIVED)

    assert result.verdict is Verdict.EXCEPTION
    assert [r.code for r in result.reasons] == [ReasonCode.TAX_TOTAL_MISMATCH]
    assert result.reasons[0].message == (
        "The tax total 13.10 differs by 0.10 from the sum of each line's amount × tax rate, 13.00; the tax "
        "rounding allowance is 0.06 per invoice, so this invoice is an exception "
        "(rule: tax rounding allowance per invoice)."
    )
