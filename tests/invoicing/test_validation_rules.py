"""Generic invoice validation: every issue code, firing and not firing."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from core.money import q2, q6, to_decimal
from invoicing.formats.detect import parse_invoice
from invoicing.formats.model import (
    DocumentType,
    Format,
    InvoiceLine,
    NormalisedInvoice,
    Party,
    Severity,
    Totals,
)
from invoicing.validation import ISSUE_CODES, ValidationContext, duplicate_key, validate
from tests.invoicing.cn_xml_builder import BUYER_ID, ORIGINAL_NUMBER, SELLER_ID, build_cn_xml, discount, item
from tests.invoicing.samples import sample

TODAY = date(2026, 3, 10)
CTX = ValidationContext(today=TODAY)
ERROR, WARNING = Severity.ERROR, Severity.WARNING


def line(qty="2", price="100", net="200.00", rate="0.13", tax="26.00", **kw) -> InvoiceLine:
    return InvoiceLine(
        name=kw.pop("name", "*电子计算机*路由器"),
        quantity=None if qty is None else D(qty),
        unit_price=None if price is None else D(price),
        net=D(net),
        tax_rate=None if rate is None else D(rate),
        tax=D(tax),
        **kw,
    )


def invoice(**changes) -> NormalisedInvoice:
    """A clean 数电 invoice: two lines (13 % and 6 %) that add up."""
    base = NormalisedInvoice(
        format=Format.CN_XML,
        document_type=DocumentType.INVOICE,
        invoice_number="26352000000012345678",
        issue_date=date(2026, 3, 2),
        currency="CNY",
        seller=Party(name="福州测试科技有限公司", tax_id=SELLER_ID, country="CN"),
        buyer=Party(name="亳州采购测试有限公司", tax_id=BUYER_ID, country="CN"),
        totals=Totals(net=D("300.00"), tax=D("32.00"), gross=D("332.00"), payable=D("332.00")),
        lines=[
            line(line_id="1"),
            line("1", "100", "100.00", "0.06", "6.00", line_id="2", name="*信息技术服务*安装"),
        ],
    )
    return replace(base, **changes)


def ubl(**changes) -> NormalisedInvoice:
    """A clean UBL invoice from a German seller to one of our entities."""
    fields = {
        "format": Format.UBL,
        "currency": "EUR",
        "seller": Party(name="Muster GmbH", tax_id="DE123456789", country="DE"),
    }
    return invoice(**{**fields, **changes})


def codes(inv: NormalisedInvoice, ctx: ValidationContext = CTX) -> dict[str, Severity]:
    found = validate(inv, ctx)
    for issue in found:
        assert issue.message and issue.code in ISSUE_CODES
    return {i.code: i.severity for i in found}


def test_a_clean_invoice_has_no_issues():
    assert validate(invoice(), CTX) == []
    assert validate(ubl(), CTX) == []


# -- header ----------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["", "   "])
def test_number_missing_fires(number):
    assert codes(invoice(invoice_number=number)) == {"number_missing": ERROR}


@pytest.mark.parametrize("currency", ["cny", "RMB¥", "", "EURO", "12A"])
def test_currency_unsupported_fires(currency):
    assert codes(invoice(currency=currency)) == {"currency_unsupported": ERROR}


@pytest.mark.parametrize("currency", ["CNY", "EUR", "USD"])
def test_currency_unsupported_does_not_fire_for_codes(currency):
    assert "currency_unsupported" not in codes(invoice(currency=currency))


def test_issue_date_missing_fires():
    assert codes(invoice(issue_date=None)) == {"issue_date_missing": ERROR}


def test_issue_date_in_future_fires_beyond_one_day():
    assert codes(invoice(issue_date=TODAY + timedelta(days=2))) == {"issue_date_in_future": ERROR}
    assert codes(invoice(issue_date=TODAY + timedelta(days=1))) == {}
    assert codes(invoice(issue_date=TODAY)) == {}


def test_issue_date_in_future_message_cites_both_dates():
    [issue] = validate(invoice(issue_date=date(2026, 4, 1)), CTX)
    assert "2026-04-01" in issue.message and "2026-03-10" in issue.message


def test_issue_date_too_old_is_a_warning():
    assert codes(invoice(issue_date=TODAY - timedelta(days=366))) == {"issue_date_too_old": WARNING}
    assert codes(invoice(issue_date=TODAY - timedelta(days=365))) == {}
    short = ValidationContext(today=TODAY, max_age_days=30)
    assert codes(invoice(issue_date=TODAY - timedelta(days=31)), short) == {"issue_date_too_old": WARNING}


def test_credit_note_without_reference_fires():
    red = invoice(document_type=DocumentType.CREDIT_NOTE)
    assert codes(red) == {"credit_note_without_reference": ERROR}
    assert codes(ubl(document_type=DocumentType.CREDIT_NOTE)) == {"credit_note_without_reference": WARNING}


def test_credit_note_with_reference_passes():
    assert codes(invoice(document_type=DocumentType.CREDIT_NOTE, corrects_invoice=ORIGINAL_NUMBER)) == {}
    assert codes(invoice(corrects_invoice="")) == {}  # an invoice needs no reference


def test_no_lines_fires():
    assert codes(invoice(lines=[])) == {"no_lines": ERROR}


# -- parties ---------------------------------------------------------------------------------


def test_seller_tax_id_invalid_fires_for_a_wrong_check_character():
    bad = SELLER_ID[:-1] + "X"
    found = validate(invoice(seller=Party(name="S", tax_id=bad, country="CN")), CTX)
    assert [(i.code, i.severity) for i in found] == [("seller_tax_id_invalid", ERROR)]
    assert "'3'" in found[0].message  # the expected check character


@pytest.mark.parametrize("tax_id", ["", "9135010", "91350100M000100Y4O"])
def test_seller_tax_id_invalid_fires_for_empty_short_or_forbidden(tax_id):
    assert codes(invoice(seller=Party(name="S", tax_id=tax_id))) == {"seller_tax_id_invalid": ERROR}


def test_seller_tax_id_accepts_lowercase_and_legacy_numbers_on_chinese_formats():
    assert codes(invoice(seller=Party(name="S", tax_id=SELLER_ID.lower()))) == {}
    assert codes(invoice(seller=Party(name="S", tax_id="350100123456789"))) == {}
    assert codes(invoice(format=Format.OFD, seller=Party(name="S", tax_id="35010019800101123X01"))) == {}


def test_seller_tax_id_of_a_chinese_party_in_ubl_is_checked_without_legacy():
    assert codes(ubl(seller=Party(name="S", tax_id=SELLER_ID, country="CN"))) == {}
    assert codes(ubl(seller=Party(name="S", tax_id="CN" + SELLER_ID))) == {}
    assert codes(ubl(seller=Party(name="S", tax_id="350100123456789", country="CN"))) == {
        "seller_tax_id_invalid": ERROR
    }
    assert codes(ubl(seller=Party(name="S", tax_id="CN" + SELLER_ID[:-1] + "X"))) == {
        "seller_tax_id_invalid": ERROR
    }


def test_foreign_vat_ids_in_ubl_and_cii_are_not_uscc_checked():
    assert codes(ubl(seller=Party(name="S", tax_id="DE123456789", country="DE"))) == {}
    assert codes(ubl(format=Format.CII, seller=Party(name="S", tax_id="FR40303265045", country="FR"))) == {}
    assert codes(ubl(buyer=Party(name="B", tax_id="", country="DE"))) == {}


def test_buyer_tax_id_invalid_fires():
    bad = BUYER_ID[:-1] + "8"
    assert codes(invoice(buyer=Party(name="B", tax_id=bad))) == {"buyer_tax_id_invalid": ERROR}


def test_empty_buyer_tax_id_is_a_warning_for_a_private_person_only():
    assert codes(invoice(buyer=Party(name="高宗林（个人）", tax_id=""))) == {"buyer_tax_id_invalid": WARNING}
    assert codes(invoice(buyer=Party(name="某某有限公司", tax_id=""))) == {"buyer_tax_id_invalid": ERROR}


def test_seller_mismatch_fires_when_the_supplier_differs():
    ctx = ValidationContext(today=TODAY, expected_seller_tax_id="913416007050059877")
    found = validate(invoice(), ctx)
    assert [(i.code, i.severity) for i in found] == [("seller_mismatch", ERROR)]
    assert SELLER_ID in found[0].message and "913416007050059877" in found[0].message


def test_seller_mismatch_ignores_case_and_spaces_and_is_skipped_without_a_supplier():
    ctx = ValidationContext(today=TODAY, expected_seller_tax_id=" " + SELLER_ID.lower() + " ")
    assert codes(invoice(), ctx) == {}
    assert codes(invoice(), CTX) == {}


def test_buyer_not_ours_fires():
    ctx = ValidationContext(today=TODAY, buyer_tax_ids=frozenset({"52320200509244470T"}))
    assert codes(invoice(), ctx) == {"buyer_not_ours": ERROR}


def test_buyer_not_ours_passes_for_our_entity_and_is_skipped_without_a_list():
    ctx = ValidationContext(today=TODAY, buyer_tax_ids=frozenset({"52320200509244470T", BUYER_ID.lower()}))
    assert codes(invoice(), ctx) == {}
    assert codes(invoice(), CTX) == {}


# -- arithmetic ------------------------------------------------------------------------------


def _one_line(ln: InvoiceLine, **changes) -> NormalisedInvoice:
    totals = Totals(net=ln.net, tax=ln.tax, gross=ln.net + ln.tax, payable=ln.net + ln.tax)
    return invoice(lines=[ln], totals=totals, **changes)


def test_line_net_mismatch_fires_beyond_a_cent():
    found = validate(_one_line(line("1", "10", "10.02", "0.13", "1.30")), CTX)
    assert [(i.code, i.severity) for i in found] == [("line_net_mismatch", ERROR)]
    assert "1 × 10 = 10.00" in found[0].message and "10.02" in found[0].message


def test_line_net_mismatch_allows_a_cent():
    assert codes(_one_line(line("1", "10", "10.01", "0.13", "1.30"))) == {}
    assert codes(_one_line(line("1", "10", "9.99", "0.13", "1.30"))) == {}


def test_line_net_tolerance_counts_the_price_shown_to_cents_per_unit():
    # 3 × 10.00: the real price lies in [9.995, 10.005), so the net may be 29.99 … 30.01 (+ rounding)
    assert codes(_one_line(line("3", "10.00", "30.02", "0.13", "3.90"))) == {}
    assert codes(_one_line(line("3", "10.00", "30.03", "0.13", "3.90"))) == {"line_net_mismatch": ERROR}


def test_line_net_tolerance_grows_with_the_unit_price_rounding():
    # 1000 × 9.43396... = 9433.96; the price is shown rounded to 9.43 (1000 × 9.43 = 9430.00)
    assert codes(_one_line(line("1000", "9.43", "9433.96", "0.06", "566.04"))) == {}
    assert codes(_one_line(line("1000", "9.433962264150943", "9433.96", "0.06", "566.04"))) == {}
    assert codes(_one_line(line("1000", "9.43", "9436.00", "0.06", "566.16"))) == {"line_net_mismatch": ERROR}
    assert codes(_one_line(line("1000", "9.433962264150943", "9434.00", "0.06", "566.04"))) == {
        "line_net_mismatch": ERROR
    }


def test_lines_without_quantity_or_price_skip_the_net_check():
    assert codes(_one_line(line(None, None, "50.00", "0.13", "6.50"))) == {}


def test_line_tax_mismatch_fires_beyond_a_cent():
    found = validate(_one_line(line("2", "100", "200.00", "0.13", "26.02")), CTX)
    assert [(i.code, i.severity) for i in found] == [("line_tax_mismatch", ERROR)]
    assert "13%" in found[0].message and "26.02" in found[0].message
    assert codes(_one_line(line("2", "100", "200.00", "0.13", "26.01"))) == {}


def test_line_tax_on_an_untaxed_line_fires():
    assert codes(_one_line(line("1", "19", "19.00", None, "1.00"))) == {"line_tax_mismatch": ERROR}
    assert codes(_one_line(line("1", "19", "19.00", None, "0"))) == {}


def test_line_tax_is_not_checked_for_ubl_lines():
    ln = line("2", "100", "200.00", "0.19", "0")
    inv = ubl(lines=[ln], totals=Totals(D("200.00"), D("38.00"), D("238.00"), D("238.00")))
    assert codes(inv) == {}


def test_net_total_mismatch_fires():
    inv = invoice(totals=Totals(D("300.01"), D("32.00"), D("332.01"), D("332.01")))
    found = validate(inv, CTX)
    assert [(i.code, i.severity) for i in found] == [("net_total_mismatch", ERROR)]
    assert "300.00" in found[0].message and "300.01" in found[0].message


def test_net_total_mismatch_is_a_warning_for_ubl():
    inv = ubl(totals=Totals(D("290.00"), D("32.00"), D("322.00"), D("322.00")))
    assert codes(inv) == {"net_total_mismatch": WARNING}


def test_tax_total_mismatch_fires_for_chinese_invoices():
    inv = invoice(totals=Totals(D("300.00"), D("32.02"), D("332.02"), D("332.02")))
    assert codes(inv) == {"tax_total_mismatch": ERROR}
    inv = invoice(totals=Totals(D("300.00"), D("32.01"), D("332.01"), D("332.01")))
    assert codes(inv) == {}


def test_tax_total_for_ubl_is_computed_per_rate_with_a_cent_per_rate():
    lines = [line("1", "0.05", "0.05", "0.19", "0", line_id=str(i)) for i in range(10)]  # 10 × 0.05 at 19 %
    lines.append(line("1", "10", "10.00", "0.07", "0", line_id="11"))
    # per rate: round(0.50 × 0.19) = 0.10, round(10.00 × 0.07) = 0.70 → 0.80; 2 rates → ±0.02
    for tax, expected in (("0.80", {}), ("0.82", {}), ("0.83", {"tax_total_mismatch": WARNING})):
        totals = Totals(D("10.50"), D(tax), D("10.50") + D(tax), D("10.50") + D(tax))
        assert codes(ubl(lines=lines, totals=totals)) == expected


def test_gross_mismatch_fires():
    inv = invoice(totals=Totals(D("300.00"), D("32.00"), D("333.00"), D("333.00")))
    found = validate(inv, CTX)
    assert [(i.code, i.severity) for i in found] == [("gross_mismatch", ERROR)]
    assert "332.00" in found[0].message and "333.00" in found[0].message


def test_payable_mismatch_is_an_error_for_chinese_and_a_warning_for_ubl():
    totals = Totals(D("300.00"), D("32.00"), D("332.00"), D("300.00"))
    assert codes(invoice(totals=totals)) == {"payable_mismatch": ERROR}
    assert codes(ubl(totals=totals)) == {"payable_mismatch": WARNING}
    assert codes(ubl(totals=replace(totals, payable=D("332.01")))) == {}


def test_red_letter_negative_amounts_add_up():
    lines = [line("-2", "100", "-200.00", "0.13", "-26.00")]
    inv = invoice(
        document_type=DocumentType.CREDIT_NOTE,
        corrects_invoice=ORIGINAL_NUMBER,
        lines=lines,
        totals=Totals(D("-200.00"), D("-26.00"), D("-226.00"), D("-226.00")),
    )
    assert codes(inv) == {}


def test_every_code_is_produced_by_some_broken_invoice():
    broken = invoice(
        invoice_number="",
        currency="??",
        issue_date=None,
        document_type=DocumentType.CREDIT_NOTE,
        seller=Party(name="S", tax_id="91350100M000100Y44"),
        buyer=Party(name="B", tax_id="913416007050059878"),
        lines=[line("2", "100", "201.00", "0.13", "27.00"), line("1", "1", "1.00", None, "1.00")],
        totals=Totals(D("1.00"), D("1.00"), D("5.00"), D("6.00")),
    )
    ctx = ValidationContext(today=TODAY, expected_seller_tax_id=BUYER_ID, buyer_tax_ids=frozenset())
    seen = set(codes(broken, ctx))
    seen |= set(codes(invoice(issue_date=date(2030, 1, 1))))
    seen |= set(codes(invoice(issue_date=date(2020, 1, 1))))
    seen |= set(codes(invoice(lines=[])))
    assert seen == set(ISSUE_CODES)


# -- parsed files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        build_cn_xml(),
        build_cn_xml(
            items=[
                item("*电子计算机*路由器", "2.00000000", "9433.96226415094", "0.13"),
                discount("*电子计算机*路由器", "-1000", "0.13"),
                item("*图书*教材", "3", "12.5", "免税", unit="本"),
                item("*运输服务*运费", "1", "99.99", "0.09", unit="次"),
            ]
        ),
        build_cn_xml(
            blue=False,
            items=[item("*电子计算机*路由器", "-1", "1000", "0.13")],
            original_number=ORIGINAL_NUMBER,
        ),
    ],
    ids=["default", "mixed-with-discount-and-exempt", "red-letter"],
)
def test_built_invoices_validate_clean(data):
    ctx = ValidationContext(
        today=TODAY, expected_seller_tax_id=SELLER_ID, buyer_tax_ids=frozenset({BUYER_ID})
    )
    assert validate(parse_invoice(data), ctx) == []


def test_signed_training_sample_validates_clean():
    inv = parse_invoice(sample("einvoice-cn-xml/sdp-xml-2025-ordinary-training-signed.xml").read_bytes())
    ctx = ValidationContext(
        today=date(2025, 9, 1),
        expected_seller_tax_id="52320200509244470T",
        buyer_tax_ids=frozenset({"9132020013590404XW"}),
    )
    assert validate(inv, ctx) == []


def test_telecom_sample_warns_only_about_the_private_buyer():
    inv = parse_invoice(
        sample("einvoice-cn-xml/sdp-xml-2026-ordinary-telecom-untaxed-unsigned.xml").read_bytes()
    )
    assert codes(inv, ValidationContext(today=date(2026, 5, 6))) == {"buyer_tax_id_invalid": WARNING}


# -- duplicate key ---------------------------------------------------------------------------


def test_duplicate_key_ignores_case_and_white_space():
    a = invoice()
    b = invoice(
        seller=Party(name="other spelling", tax_id=" " + SELLER_ID.lower()),
        invoice_number=" 26352000000012345678 ",
    )
    assert duplicate_key(a) == duplicate_key(b) == (SELLER_ID, "", "26352000000012345678")


def test_duplicate_key_includes_the_old_style_invoice_code():
    old = invoice(format=Format.OFD, invoice_code="035001900111", invoice_number="12345678")
    assert duplicate_key(old) == (SELLER_ID, "035001900111", "12345678")
    assert duplicate_key(old) != duplicate_key(replace(old, invoice_code="035001900112"))


# -- the money helper (invoicing.money) ------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D("2.345"), D("2.35")),
        (D("-2.345"), D("-2.35")),
        (D("2.344999"), D("2.34")),
        (D("0.005"), D("0.01")),
        (D("-0.004"), D("0.00")),
        (7, D("7.00")),
        ("1,234.565", D("1234.57")),
        (D("9433.96226415094") * 2, D("18867.92")),
        (D("1E+40"), D("1" + "0" * 40 + ".00")),  # beyond the default 28-digit context
    ],
)
def test_q2_rounds_half_up_to_cents(value, expected):
    result = q2(value)
    assert result == expected
    assert result.as_tuple().exponent == -2
    assert str(result) != "-0.00"


def test_q6_rounds_quantities_to_six_places():
    assert q6(D("2.00000000")) == D("2.000000")
    assert q6(D("0.3333335")) == D("0.333334")
    assert q6("1") == D("1.000000")


@pytest.mark.parametrize("bad", [1.1, True, None, D("NaN"), D("Infinity"), "", "abc"])
def test_q2_refuses_floats_and_non_numbers(bad):
    with pytest.raises((TypeError, ValueError)):
        q2(bad)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18876.44", D("18876.44")),
        (" -1,234,567.50 ", D("-1234567.50")),
        ("1 000.5", D("1000.5")),
        ("+3", D("3")),
        ("9433.96226415094", D("9433.96226415094")),
        ("0", D("0")),
        ("", None),
        ("   ", None),
        (None, None),
        ("*", None),
        ("***", None),
    ],
)
def test_to_decimal_reads_plain_and_grouped_numbers(text, expected):
    assert to_decimal(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "NaN",
        "nan",
        "Infinity",
        "-inf",
        "1e5",
        "1E-2",
        "0x10",
        "1_000",
        "１２",  # full-width digits
        "١٢",  # Arabic-Indic digits
        "5.",
        ".5",
        "1,2,3",
        "12,34.5",
        "1.000,00",
        "--1",
        "1-",
        "¥100",
        "1" * 19,
        "0." + "1" * 21,
    ],
)
def test_to_decimal_rejects_garbage(text):
    with pytest.raises(ValueError):
        to_decimal(text)


def test_to_decimal_refuses_non_text():
    with pytest.raises(TypeError):
        to_decimal(1.5)  # type: ignore[arg-type]
