"""UBL 2.1 parser: values read from the CEN samples, robustness on broken input."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest

from invoicing.formats import ubl
from invoicing.formats.model import DocumentType, Format, Refused, Severity
from invoicing.formats.safexml import parse_xml
from tests.invoicing.samples import SAMPLES, sample

UBL_SAMPLES = sorted(p.name for p in (SAMPLES / "en16931" / "ubl").glob("*.xml")) or ["(none)"]


def _parse(rel: str):
    return ubl.parse(parse_xml(sample(rel).read_bytes()))


def _fatal(inv) -> list[str]:
    return [i.message for i in inv.issues if i.severity == Severity.ERROR]


@pytest.mark.parametrize("name", UBL_SAMPLES)
def test_every_cen_ubl_sample_parses_without_fatal_issue(name):
    inv = _parse(f"en16931/ubl/{name}")
    assert inv.format == Format.UBL
    assert _fatal(inv) == []
    assert inv.invoice_number and inv.issue_date and inv.currency
    assert inv.lines
    for value in (inv.totals.net, inv.totals.tax, inv.totals.gross, inv.totals.payable):
        assert isinstance(value, Decimal)
    for line in inv.lines:
        assert isinstance(line.net, Decimal)
        assert line.tax_rate is None or isinstance(line.tax_rate, Decimal)


def test_tc434_example1_values():
    inv = _parse("en16931/ubl/ubl-tc434-example1.xml")
    assert inv.document_type == DocumentType.INVOICE
    assert inv.invoice_number == "12115118"
    assert inv.invoice_code is None
    assert inv.issue_date == date(2015, 1, 9)
    assert inv.currency == "EUR"
    assert inv.seller.name == "De Koksmaat"
    assert inv.seller.tax_id == "NL8200.98.395.B.01"
    assert inv.seller.country == "NL"
    assert inv.buyer.name == "ODIN 59"
    assert inv.buyer.country == "NL"
    assert inv.totals.net == Decimal("229.60")
    assert inv.totals.tax == Decimal("20.73")
    assert inv.totals.gross == Decimal("250.33")
    assert inv.totals.payable == Decimal("250.33")
    assert len(inv.lines) == 20
    first = inv.lines[0]
    assert first.line_id == "1"
    assert first.name == "PATAT FRITES 10MM 10KG"
    assert first.quantity == Decimal("2")
    assert first.unit == "EA"
    assert first.unit_price == Decimal("9.95")
    assert first.net == Decimal("19.90")
    assert first.tax_rate == Decimal("0.06")
    assert first.tax == Decimal("1.19")  # 19.90 x 6 % = 1.194, half-up to the cent
    assert first.item_code == "166022"


def test_example5_references_and_prepaid_amount():
    inv = _parse("en16931/ubl/ubl-tc434-example5.xml")
    assert inv.invoice_number == "TOSL110"
    assert inv.currency == "DKK"
    assert inv.po_references == ["PO4711"]
    assert inv.corrects_invoice == "TOSL109"
    assert inv.lines[0].po_reference == "1"
    assert inv.totals.gross == Decimal("4675.00")
    assert inv.totals.payable == Decimal("2337.50")
    assert inv.seller.tax_id == "NL16356706"
    assert inv.buyer.tax_id == "DK16356607"


def test_max_content_line_reference_price_and_exempt_line():
    inv = _parse("en16931/ubl/Invoice-Max_content.xml")
    assert inv.po_references == ["20180117"]
    assert inv.lines[0].po_reference == "20080117/JM"
    assert inv.lines[0].unit == "MTR"
    assert inv.lines[0].unit_price == Decimal("20")
    assert inv.lines[0].tax_rate == Decimal("0.25")
    assert inv.lines[1].tax_rate is None  # exempt line: no rate
    assert inv.lines[1].tax == Decimal("0")


def test_credit_note_root_is_a_credit_note():
    inv = _parse("en16931/ubl/ubl-tc434-creditnote1.xml")
    assert inv.document_type == DocumentType.CREDIT_NOTE
    assert inv.invoice_number == "018304 / 28865"
    assert inv.issue_date == date(2019, 9, 23)
    assert inv.totals.payable == Decimal("100.11")
    assert inv.lines[0].quantity == Decimal("1.00")


def test_foreign_currency_invoice_keeps_document_currency_tax():
    inv = _parse("en16931/ubl/BIS_Billing_30-Valutor_i_faktura.xml")
    assert inv.currency == "USD"
    assert inv.totals.tax == Decimal("23000")
    assert inv.extra["tax_currency"] == "SEK"
    assert inv.extra["tax_total_in_tax_currency"] == "205845.40"


@pytest.mark.parametrize(
    "name",
    [
        "01.01a-INVOICE_ubl.xml",
        "01.05a-INVOICE_ubl.xml",
        "01.14a-INVOICE_ubl.xml",
        "01.05_minimal_test_ubl.xml",
        "04.02a-INVOICE_ubl.xml",
    ],
)
def test_valid_xrechnung_ubl_has_no_fatal_issue(name):
    assert _fatal(_parse(f"en16931/xrechnung/{name}")) == []


def test_cvd_xrechnung_fires_br_cl_13_only():
    inv = _parse("en16931/xrechnung/02.01a-cvd_INVOICE_ubl.xml")
    assert {i.code for i in inv.issues if i.severity == Severity.ERROR} == {"BR-CL-13"}


# -- broken input -------------------------------------------------------------------------------

UBL_HEAD = (
    '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
    'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
)


def _ubl(body: str) -> bytes:
    return (UBL_HEAD + body + "</Invoice>").encode()


def test_empty_invoice_gives_issues_not_a_crash():
    inv = ubl.parse(parse_xml(_ubl("")))
    codes = {i.code for i in inv.issues}
    assert {"BR-01", "BR-02", "BR-03", "BR-05", "BR-06", "BR-16", "BR-CO-18"} <= codes
    assert inv.invoice_number == ""
    assert inv.issue_date is None
    assert inv.totals.net == Decimal("0")
    assert inv.lines == []


def test_bad_numbers_and_dates_are_issues():
    body = (
        "<cbc:ID>X1</cbc:ID><cbc:IssueDate>9.1.2015</cbc:IssueDate>"
        "<cac:LegalMonetaryTotal><cbc:PayableAmount currencyID='EUR'>12,50</cbc:PayableAmount>"
        "</cac:LegalMonetaryTotal>"
        "<cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:InvoicedQuantity unitCode='EA'>1e3</cbc:InvoicedQuantity>"
        "<cbc:LineExtensionAmount currencyID='EUR'>10</cbc:LineExtensionAmount></cac:InvoiceLine>"
    )
    inv = ubl.parse(parse_xml(_ubl(body)))
    codes = [i.code for i in inv.issues]
    assert codes.count("bad_number") == 2
    assert "bad_date" in codes
    assert inv.issue_date is None
    assert inv.totals.payable == Decimal("0")
    assert inv.lines[0].quantity is None
    assert inv.lines[0].net == Decimal("10")


def test_hostile_numbers_and_many_lines_stay_bounded():
    huge = "9" * 100_000
    line = (
        "<cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:InvoicedQuantity unitCode='EA'>99999999999999999999"
        "</cbc:InvoicedQuantity><cbc:LineExtensionAmount currencyID='EUR'>-99999999999999999999.9999999999999999"
        "</cbc:LineExtensionAmount><cac:Price><cbc:PriceAmount>1</cbc:PriceAmount><cbc:BaseQuantity>"
        "0.0000000000000001</cbc:BaseQuantity></cac:Price><cac:Item><cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID>"
        "<cbc:Percent>99999999999999999999</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>"
        "</cac:ClassifiedTaxCategory></cac:Item></cac:InvoiceLine>"
    )
    body = (
        f"<cbc:DocumentCurrencyCode>{huge}</cbc:DocumentCurrencyCode><cac:LegalMonetaryTotal>"
        f"<cbc:PayableAmount currencyID='EUR'>{huge}</cbc:PayableAmount></cac:LegalMonetaryTotal>"
        + line
        * 500
    )
    inv = ubl.parse(parse_xml(_ubl(body)))
    assert len(inv.lines) == 500
    first = inv.lines[0]
    with localcontext(prec=80):  # the line tax is exact, not rounded to 28 digits
        assert first.tax == (first.net * first.tax_rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert any(i.code == "bad_number" for i in inv.issues)  # more than 20 integer digits
    assert max(len(i.message) for i in inv.issues) < 400
    assert (
        max(
            sum(1 for i in inv.issues if i.code == c)
            for c in {i.code for i in inv.issues if i.code.startswith("BR")}
        )
        <= 21
    )


def test_rules_can_be_skipped():
    inv = ubl.parse(parse_xml(_ubl("<cbc:ID>X1</cbc:ID>")), rules=False)
    assert inv.issues == []
    assert inv.invoice_number == "X1"


def test_type_code_381_on_an_invoice_root_is_a_credit_note():
    inv = ubl.parse(parse_xml(_ubl("<cbc:InvoiceTypeCode>381</cbc:InvoiceTypeCode>")))
    assert inv.document_type == DocumentType.CREDIT_NOTE


@pytest.mark.parametrize(
    "xml",
    [
        b"<Order xmlns='urn:oasis:names:specification:ubl:schema:xsd:Order-2'/>",
        b"<Invoice/>",
        b"<rsm:CrossIndustryInvoice xmlns:rsm='urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100'/>",
    ],
)
def test_not_a_ubl_invoice_is_refused(xml):
    with pytest.raises(Refused) as err:
        ubl.parse(parse_xml(xml))
    assert err.value.code == "ubl_root"
