"""数电 XML (EInvoice) parser: the two real samples and files built from the format note."""

from datetime import date
from decimal import Decimal

import pytest

from invoicing.formats import cn_xml
from invoicing.formats.detect import parse_invoice
from invoicing.formats.model import DocumentType, Format, Refused, Severity
from invoicing.formats.safexml import parse_xml
from tests.invoicing.cn_xml_builder import (
    BUYER_ID,
    NUMBER,
    ORIGINAL_NUMBER,
    SELLER_ID,
    build_cn_xml,
    discount,
    item,
)
from tests.invoicing.samples import sample


def parse_bytes(data: bytes):
    return cn_xml.parse(parse_xml(data))


# -- the real samples ------------------------------------------------------------------------


def test_signed_training_sample_yields_its_printed_values():
    inv = parse_invoice(sample("einvoice-cn-xml/sdp-xml-2025-ordinary-training-signed.xml").read_bytes())

    assert inv.format == Format.CN_XML
    assert inv.document_type == DocumentType.INVOICE
    assert inv.invoice_number == "25322000000365404822"
    assert inv.invoice_code is None
    assert inv.issue_date == date(2025, 8, 8)
    assert inv.currency == "CNY"
    assert (inv.seller.name, inv.seller.tax_id) == ("无锡市安协安全培训中心", "52320200509244470T")
    assert inv.seller.address == "无锡市梁溪区上马墩路16号三号"
    assert (inv.buyer.name, inv.buyer.tax_id) == ("江苏苏豪天鹏农产品集团有限公司", "9132020013590404XW")
    assert (inv.totals.net, inv.totals.tax, inv.totals.gross, inv.totals.payable) == (
        Decimal("235.85"),
        Decimal("14.15"),
        Decimal("250.00"),
        Decimal("250.00"),
    )
    [line] = inv.lines
    assert line.name == "*非学历教育服务*培训费"
    assert line.quantity == Decimal("1")
    assert line.unit == "人"
    assert line.unit_price == Decimal("235.8490566037736")
    assert (line.net, line.tax_rate, line.tax) == (Decimal("235.85"), Decimal("0.06"), Decimal("14.15"))
    assert line.item_code == "3070201020000000000"
    assert inv.signature.present is True
    assert inv.signature.digests_valid is None and inv.signature.signature_valid is None
    assert inv.signature.detail == "detached SM2 CMS; signed bytes are not public"
    assert inv.signature.status == "unverified"
    assert inv.extra["invoice_kind"] == "普通发票"
    assert inv.extra["platform_tag"] == "SWEI3200"
    assert inv.issues == []


def test_unsigned_telecom_sample_has_an_untaxed_line_and_a_private_buyer():
    inv = parse_invoice(
        sample("einvoice-cn-xml/sdp-xml-2026-ordinary-telecom-untaxed-unsigned.xml").read_bytes()
    )

    assert inv.invoice_number == "26347000000117553300"
    assert inv.issue_date == date(2026, 5, 5)
    assert (inv.seller.name, inv.seller.tax_id) == (
        "中国联合网络通信有限公司亳州市分公司",
        "913416007050059877",
    )
    assert (inv.buyer.name, inv.buyer.tax_id) == ("高宗林（个人）", "")
    assert (inv.totals.net, inv.totals.tax, inv.totals.gross) == (
        Decimal("19.00"),
        Decimal("0.00"),
        Decimal("19.00"),
    )
    [line] = inv.lines
    assert line.name == "*电信服务*通信服务费"
    assert (line.quantity, line.unit, line.unit_price) == (Decimal("1"), "项", Decimal("19"))
    assert line.net == Decimal("19.00")
    assert line.tax_rate is None  # "*": not taxable
    assert line.tax == Decimal("0")
    assert inv.signature.present is False
    assert inv.signature.status == "unsigned"
    assert inv.extra["remark"] == "业务号码:13156770132;账期:202604"
    assert inv.extra["issue_channel"] == "自建平台开票(乐企自用开票)"


def test_the_sample_read_as_gbk_gives_the_same_invoice():
    text = sample("einvoice-cn-xml/sdp-xml-2025-ordinary-training-signed.xml").read_text("utf-8")
    gbk = text.replace('encoding="utf-8"', 'encoding="GBK"').encode("gbk")

    assert parse_invoice(gbk) == parse_invoice(text.encode("utf-8"))


# -- built invoices --------------------------------------------------------------------------


def test_several_lines_with_mixed_rates_are_read_in_order():
    data = build_cn_xml(
        items=[
            item("*电子计算机*路由器", "2.00000000", "9433.96226415094", "0.13"),
            item("*信息技术服务*安装服务", "1", "500", "0.06", unit="项"),
            item("*运输服务*运费", "3", "33.33", "0.09", unit="次"),
        ]
    )
    inv = parse_bytes(data)

    assert [line.line_id for line in inv.lines] == ["1", "2", "3"]
    assert [line.tax_rate for line in inv.lines] == [Decimal("0.13"), Decimal("0.06"), Decimal("0.09")]
    first = inv.lines[0]
    assert first.quantity == Decimal("2")
    assert first.unit_price == Decimal("9433.96226415094")
    assert (first.net, first.tax) == (Decimal("18867.92"), Decimal("2452.83"))
    assert inv.lines[2].net == Decimal("99.99")
    assert inv.totals.net == Decimal("19467.91")
    assert inv.totals.tax == Decimal("2452.83") + Decimal("30.00") + Decimal("9.00")
    assert inv.totals.gross == inv.totals.net + inv.totals.tax
    assert inv.extra["invoice_kind"] == "增值税专用发票"
    assert all(isinstance(line.net, Decimal) for line in inv.lines)


def test_red_letter_invoice_is_a_credit_note_naming_the_original():
    data = build_cn_xml(
        blue=False,
        items=[item("*电子计算机*路由器", "-1", "1000", "0.13")],
        original_number=ORIGINAL_NUMBER,
        red_confirmation="35010025030000123456",
    )
    inv = parse_bytes(data)

    assert inv.document_type == DocumentType.CREDIT_NOTE
    assert inv.corrects_invoice == ORIGINAL_NUMBER
    assert inv.corrects_invoice_code == ""
    assert inv.extra["red_confirmation_number"] == "35010025030000123456"
    assert (inv.totals.net, inv.totals.tax, inv.totals.gross) == (
        Decimal("-1000.00"),
        Decimal("-130.00"),
        Decimal("-1130.00"),
    )
    assert inv.lines[0].quantity == Decimal("-1")
    assert inv.lines[0].discount_for == ""  # negative, but a red invoice, not a discount


def test_red_letter_original_number_falls_back_to_the_remark():
    data = build_cn_xml(
        blue=False,
        items=[item("*电子计算机*路由器", "-1", "1000", "0.13")],
        remark=f"被红冲蓝字数电票号码：{ORIGINAL_NUMBER} 红字发票信息确认单编号：35010025030000123456",
    )
    inv = parse_bytes(data)

    assert inv.document_type == DocumentType.CREDIT_NOTE
    assert inv.corrects_invoice == ORIGINAL_NUMBER


def test_red_letter_without_any_reference_has_an_empty_corrects_invoice():
    inv = parse_bytes(build_cn_xml(blue=False, items=[item("*电子计算机*路由器", "-1", "1000", "0.13")]))

    assert inv.document_type == DocumentType.CREDIT_NOTE
    assert inv.corrects_invoice == ""


def test_red_e_invoice_element_alone_marks_a_credit_note():
    inv = parse_bytes(build_cn_xml(original_number=ORIGINAL_NUMBER))

    assert inv.document_type == DocumentType.CREDIT_NOTE
    assert inv.corrects_invoice == ORIGINAL_NUMBER


def test_discount_rows_point_at_the_item_they_reduce():
    data = build_cn_xml(
        items=[
            item("*电子计算机*路由器", "2", "1000", "0.13"),
            discount("*电子计算机*路由器", "-200", "0.13"),
            item("*信息技术服务*安装服务", "1", "300", "0.06", unit="项"),
            discount("*信息技术服务*安装服务", "-30", "0.06"),
        ]
    )
    inv = parse_bytes(data)

    assert [line.discount_for for line in inv.lines] == ["", "1", "", "3"]
    row = inv.lines[1]
    assert (row.quantity, row.unit_price) == (None, None)
    assert (row.net, row.tax, row.tax_rate) == (Decimal("-200.00"), Decimal("-26.00"), Decimal("0.13"))
    assert inv.totals.net == Decimal("2070.00")
    assert inv.totals.tax == Decimal("260.00") - Decimal("26.00") + Decimal("18.00") - Decimal("1.80")


@pytest.mark.parametrize(
    ("rate_text", "tax_text", "rate", "tax"),
    [
        ("*", "*", None, Decimal("0")),
        ("免税", "***", None, Decimal("0")),
        ("不征税", "*", None, Decimal("0")),
        ("0", "0.00", Decimal("0"), Decimal("0")),
        ("6%", "6.00", Decimal("0.06"), Decimal("6.00")),
        ("0.030", "3.00", Decimal("0.03"), Decimal("3.00")),
    ],
)
def test_exempt_and_odd_tax_rates(rate_text, tax_text, rate, tax):
    data = build_cn_xml(items=[item("*图书*教材", "1", "100", rate_text, tax=tax_text, unit="本")])
    [line] = parse_bytes(data).lines

    assert line.tax_rate == rate
    assert line.tax == tax


def test_untaxed_total_printed_as_asterisk_counts_as_zero():
    data = build_cn_xml(items=[item("*图书*教材", "1", "100", "免税")], totals=("100.00", "*", "100.00"))

    assert parse_bytes(data).totals.tax == Decimal("0.00")


def test_unsigned_invoice_reports_no_signature():
    inv = parse_bytes(build_cn_xml(signed=False))

    assert inv.signature.present is False
    assert inv.signature.status == "unsigned"


def test_parties_are_read_and_tax_ids_upper_cased():
    data = build_cn_xml(seller=(SELLER_ID.lower(), "卖方"), buyer=(BUYER_ID, "买方"))
    inv = parse_bytes(data)

    assert (inv.seller.tax_id, inv.seller.name, inv.seller.country) == (SELLER_ID, "卖方", "CN")
    assert (inv.buyer.tax_id, inv.buyer.name) == (BUYER_ID, "买方")


def test_issue_date_falls_back_to_issue_time_and_accepts_iso_t():
    assert parse_bytes(build_cn_xml(request_time="", issue_time="2026-01-31")).issue_date == date(2026, 1, 31)
    assert parse_bytes(build_cn_xml(request_time="2026-02-01T08:00:00")).issue_date == date(2026, 2, 1)


def test_missing_dates_give_none():
    assert parse_bytes(build_cn_xml(request_time="", issue_time="")).issue_date is None


def test_number_falls_back_to_eiid_and_a_difference_is_reported():
    data = build_cn_xml(number=NUMBER, eiid="26352000000099999999")
    inv = parse_bytes(data)

    assert inv.invoice_number == NUMBER
    assert [(i.code, i.severity) for i in inv.issues] == [("cn_xml_number_differs", Severity.WARNING)]


def test_hyphenless_gross_total_variant_is_accepted():
    inv = parse_bytes(build_cn_xml(gross_tag="TotalTaxIncludedAmount"))

    assert inv.totals.gross == Decimal("1060.00")


def test_namespace_prefixed_elements_are_matched_by_local_name():
    text = build_cn_xml().decode("utf-8")
    text = text.replace("<EInvoice>", '<ns2:EInvoice xmlns:ns2="urn:example:einvoice">')
    text = text.replace("</EInvoice>", "</ns2:EInvoice>")
    text = text.replace("<BasicInformation>", "<ns2:BasicInformation>")
    text = text.replace("</BasicInformation>", "</ns2:BasicInformation>")
    inv = parse_invoice(text.encode("utf-8"))

    assert inv.format == Format.CN_XML
    assert inv.totals.net == Decimal("1000.00")


def test_empty_elements_count_as_missing():
    text = build_cn_xml().decode("utf-8").replace("<Quantity>1</Quantity>", "<Quantity></Quantity>")
    [line] = parse_bytes(text.encode("utf-8")).lines

    assert line.quantity is None


# -- refusals --------------------------------------------------------------------------------


def test_a_file_without_einvoicedata_is_refused():
    with pytest.raises(Refused) as exc:
        parse_bytes(b"<EInvoice><Header/></EInvoice>")
    assert exc.value.code == "missing_element"


def test_a_missing_total_is_refused():
    text = build_cn_xml().decode("utf-8")
    start = text.index("<TotalTaxAm>")
    text = text[:start] + text[text.index("</TotalTaxAm>") + len("</TotalTaxAm>") :]

    with pytest.raises(Refused) as exc:
        parse_bytes(text.encode("utf-8"))
    assert exc.value.code == "missing_element"
    assert "TotalTaxAm" in exc.value.message


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("<Amount>1000.00</Amount>", "<Amount>1e3</Amount>"),
        ("<Amount>1000.00</Amount>", "<Amount>NaN</Amount>"),
        ("<Quantity>1</Quantity>", "<Quantity>one</Quantity>"),
        ("<TaxRate>0.06</TaxRate>", "<TaxRate>1.5</TaxRate>"),
        ("<TaxRate>0.06</TaxRate>", "<TaxRate>-0.06</TaxRate>"),
        ("<TotalAmWithoutTax>1000.00</TotalAmWithoutTax>", "<TotalAmWithoutTax>Infinity</TotalAmWithoutTax>"),
        ("<RequestTime>2026-03-02 10:11:12</RequestTime>", "<RequestTime>2026-02-30 10:11:12</RequestTime>"),
        ("<RequestTime>2026-03-02 10:11:12</RequestTime>", "<RequestTime>yesterday</RequestTime>"),
    ],
)
def test_unreadable_values_are_refused(old, new):
    text = build_cn_xml().decode("utf-8")
    assert old in text

    with pytest.raises(Refused) as exc:
        parse_bytes(text.replace(old, new).encode("utf-8"))
    assert exc.value.code == "invalid_value"


def test_a_root_other_than_einvoice_is_refused():
    with pytest.raises(Refused) as exc:
        parse_bytes(b"<Invoice/>")
    assert exc.value.code == "not_an_invoice"
