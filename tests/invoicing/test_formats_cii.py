"""UN/CEFACT CII parser: values read from the CEN samples, credit notes, broken input."""

from datetime import date
from decimal import Decimal

import pytest

from invoicing.formats import cii
from invoicing.formats.model import DocumentType, Format, Refused, Severity
from invoicing.formats.safexml import parse_xml
from tests.invoicing.samples import SAMPLES, sample

CII_SAMPLES = sorted(p.name for p in (SAMPLES / "en16931" / "cii").glob("*.xml")) or ["(none)"]


def _bytes(rel: str) -> bytes:
    return sample(rel).read_bytes()


def _parse(rel: str):
    return cii.parse(parse_xml(_bytes(rel)))


def _fatal_codes(inv) -> set[str]:
    return {i.code for i in inv.issues if i.severity == Severity.ERROR}


@pytest.mark.parametrize("name", CII_SAMPLES)
def test_every_cen_cii_sample_parses_without_fatal_issue(name):
    inv = _parse(f"en16931/cii/{name}")
    assert inv.format == Format.CII
    assert [i.message for i in inv.issues if i.severity == Severity.ERROR] == []
    assert inv.invoice_number and inv.issue_date and inv.currency
    assert inv.lines
    assert all(
        isinstance(v, Decimal) for v in (inv.totals.net, inv.totals.tax, inv.totals.gross, inv.totals.payable)
    )


def test_cii_example1_values():
    inv = _parse("en16931/cii/CII_example1.xml")
    assert inv.document_type == DocumentType.INVOICE
    assert inv.invoice_number == "12115118"
    assert inv.invoice_code is None
    assert inv.issue_date == date(2015, 1, 9)
    assert inv.currency == "EUR"
    assert inv.seller.name == "De Koksmaat"
    assert inv.seller.tax_id == "NL8200.98.395.B.01"
    assert inv.seller.country == "NL"
    assert inv.buyer.name == "ODIN 59"
    assert inv.totals.net == Decimal("229.6")
    assert inv.totals.tax == Decimal("20.73")
    assert inv.totals.gross == Decimal("250.33")
    assert inv.totals.payable == Decimal("250.33")
    assert len(inv.lines) == 20
    first = inv.lines[0]
    assert (first.line_id, first.name, first.unit) == ("1", "PATAT FRITES 10MM 10KG", "H87")
    assert first.quantity == Decimal("2")
    assert first.unit_price == Decimal("9.95")
    assert first.net == Decimal("19.9")
    assert first.tax_rate == Decimal("0.06")
    assert first.tax == Decimal("1.19")
    assert inv.extra["due_date"] == "2015-01-09"


def test_cii_example5_references_prepaid_and_preceding_invoice():
    inv = _parse("en16931/cii/CII_example5.xml")
    assert inv.invoice_number == "TOSL110"
    assert inv.issue_date == date(2013, 4, 10)
    assert inv.currency == "DKK"
    assert inv.po_references == ["PO4711"]
    assert inv.corrects_invoice == "TOSL109"
    assert inv.lines[0].po_reference == "1"
    assert inv.totals.gross == Decimal("4675")
    assert inv.totals.payable == Decimal("2337.5")
    assert inv.buyer.tax_id == "DK16356607"


def test_negative_line_and_tax_per_line_from_rate():
    inv = _parse("en16931/cii/CII_business_example_01.xml")
    returned = inv.lines[1]
    assert returned.quantity == Decimal("-1")
    assert returned.net == Decimal("-3.96")
    assert returned.tax_rate == Decimal("0.15")
    assert returned.tax == Decimal("-0.59")  # -0.594, half-up to the cent


def test_zero_rated_and_not_subject_to_vat_lines():
    z = _parse("en16931/cii/CII_business_example_Z.xml")
    assert all(line.tax_rate == 0 and line.tax == 0 for line in z.lines)
    o = _parse("en16931/cii/XRechnung-O.xml")
    assert all(line.tax_rate is None for line in o.lines)


def test_type_code_381_is_a_credit_note():
    data = _bytes("en16931/cii/CII_example1.xml").replace(
        b"<ram:TypeCode>380</ram:TypeCode>", b"<ram:TypeCode>381</ram:TypeCode>"
    )
    inv = cii.parse(parse_xml(data))
    assert inv.document_type == DocumentType.CREDIT_NOTE
    assert _fatal_codes(inv) == set()


@pytest.mark.parametrize(
    "name",
    [
        "01.01a-INVOICE_uncefact.xml",
        "01.05a-INVOICE_uncefact.xml",
        "01.14a-INVOICE_uncefact.xml",
        "01.05_minimal_test_uncefact.xml",
    ],
)
def test_valid_xrechnung_cii_has_no_fatal_issue(name):
    assert _fatal_codes(_parse(f"en16931/xrechnung/{name}")) == set()


def test_xrechnung_extension_scheme_ids_fail_the_core_code_lists():
    inv = _parse("en16931/xrechnung/04.05a-INVOICE_uncefact.xml")
    codes = [i.code for i in inv.issues if i.severity == Severity.ERROR]
    assert sorted(codes) == ["BR-CL-10", "BR-CL-10", "BR-CL-10", "BR-CL-21"]


# -- broken input -------------------------------------------------------------------------------

CII_HEAD = (
    '<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" '
    'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" '
    'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">'
)


def test_empty_cii_gives_issues_not_a_crash():
    inv = cii.parse(parse_xml((CII_HEAD + "</rsm:CrossIndustryInvoice>").encode()))
    assert {"BR-02", "BR-03", "BR-05", "BR-16"} <= _fatal_codes(inv)
    assert inv.invoice_number == "" and inv.lines == [] and inv.issue_date is None


def test_bad_cii_date_and_amount_are_issues():
    body = (
        "<rsm:ExchangedDocument><ram:ID>A1</ram:ID><ram:TypeCode>380</ram:TypeCode>"
        "<ram:IssueDateTime><udt:DateTimeString format='102'>9.1.2015</udt:DateTimeString></ram:IssueDateTime>"
        "</rsm:ExchangedDocument><rsm:SupplyChainTradeTransaction><ram:ApplicableHeaderTradeSettlement>"
        "<ram:SpecifiedTradeSettlementHeaderMonetarySummation><ram:DuePayableAmount>abc</ram:DuePayableAmount>"
        "</ram:SpecifiedTradeSettlementHeaderMonetarySummation></ram:ApplicableHeaderTradeSettlement>"
        "</rsm:SupplyChainTradeTransaction>"
    )
    inv = cii.parse(parse_xml((CII_HEAD + body + "</rsm:CrossIndustryInvoice>").encode()))
    codes = [i.code for i in inv.issues]
    assert "bad_date" in codes and "bad_number" in codes
    assert inv.invoice_number == "A1"
    assert inv.issue_date is None
    assert inv.totals.payable == Decimal("0")


def test_not_cii_is_refused():
    with pytest.raises(Refused) as err:
        cii.parse(parse_xml(b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'/>"))
    assert err.value.code == "cii_root"
