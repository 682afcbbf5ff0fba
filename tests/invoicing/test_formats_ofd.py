"""OFD e-invoices: the four real samples, synthetic OFDs built in memory, and mutations."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoicing.formats import ofd
from invoicing.formats.model import DocumentType, Format, Refused, Severity
from invoicing.formats.safezip import read_zip
from tests.invoicing.samples import sample

SDP = "einvoice-cn/ofdrw-sdp-2024-vat-special-customtag-unsigned.ofd"
ZJ = "einvoice-cn/ofdrw-vat-einvoice-2020-zj-signed-origxml.ofd"
NUONUO = "einvoice-cn/ofdrw-vat-einvoice-2022-nuonuo-signed-xbrl.ofd"
MISMATCH = "einvoice-cn/ofdrw-vat-einvoice-2020-signed-digest-mismatch.ofd"
NS = "http://www.ofdspec.org/2016"


def read(rel: str) -> bytes:
    return sample(rel).read_bytes()


def rezip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def codes(invoice) -> list[str]:
    return [issue.code for issue in invoice.issues]


def build_ofd(custom_data: dict[str, str], *, ns: str = NS, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal OFD: OFD.xml with CustomData, an empty page, and optional further members."""
    items = "".join(f'<ofd:CustomData Name="{k}">{v}</ofd:CustomData>' for k, v in custom_data.items())
    ofd_xml = (
        f'<ofd:OFD xmlns:ofd="{ns}" DocType="OFD" Version="1.0"><ofd:DocBody><ofd:DocInfo>'
        f"<ofd:DocID>x</ofd:DocID><ofd:CustomDatas>{items}</ofd:CustomDatas></ofd:DocInfo>"
        "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
    )
    document = (
        f'<ofd:Document xmlns:ofd="{ns}"><ofd:CommonData><ofd:MaxUnitID>9</ofd:MaxUnitID></ofd:CommonData>'
        '<ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>'
    )
    page = f'<ofd:Page xmlns:ofd="{ns}"><ofd:Content><ofd:Layer ID="2"/></ofd:Content></ofd:Page>'
    members = {
        "OFD.xml": ofd_xml.encode(),
        "Doc_0/Document.xml": document.encode(),
        "Doc_0/Pages/Page_0/Content.xml": page.encode(),
    }
    members.update(extra or {})
    return rezip(members)


BLUE = {
    "发票代码": "033002000211",
    "发票号码": "83089647",
    "开票日期": "2020年07月23日",
    "合计金额": "510.68",
    "合计税额": "15.32",
    "价税合计": "526.00",
    "购买方名称": "买方公司",
    "购买方纳税人识别号": "91320115MA202UKD7X",
    "销售方名称": "卖方餐厅",
    "销售方纳税人识别号": "92330781MA2EDMFU50",
}


# --- the real samples ---------------------------------------------------------------------------


def test_sdp_2024_special_invoice_from_custom_tags():
    inv = ofd.parse(read(SDP))
    assert inv.format == Format.OFD
    assert inv.document_type == DocumentType.INVOICE
    assert inv.invoice_number == "24112000000048542163"
    assert inv.invoice_code is None  # 数电: no 发票代码
    assert inv.issue_date == date(2024, 5, 28)
    assert inv.currency == "CNY"
    assert (inv.seller.name, inv.seller.tax_id) == ("北京互联三六五科技有限公司", "91110108690017781B")
    assert (inv.buyer.name, inv.buyer.tax_id) == ("海南麒麟云服科技有限公司", "91460300MAA92DJN95")
    assert inv.totals.net == Decimal("4197.17")
    assert inv.totals.tax == Decimal("251.83")
    assert inv.totals.gross == inv.totals.payable == Decimal("4449.00")
    assert len(inv.lines) == 1
    line = inv.lines[0]
    assert line.name == "*信息技术服务*技术服务费"  # two text objects joined
    assert line.quantity == Decimal("1")
    assert line.unit_price == Decimal("4197.16981132075")
    assert line.net == Decimal("4197.17")
    assert line.tax_rate == Decimal("0.06")
    assert line.tax == Decimal("251.83")
    assert inv.extra["invoice_type"] == "电子发票（增值税专用发票）"
    assert inv.extra["lines_from"] == "CustomTag.xml"
    assert inv.extra["note"] == "收款人:李蓉蓉;    复核人:周欣铭;"
    assert inv.signature.status == "unsigned"
    assert inv.issues == []


def test_zj_2020_invoice_from_original_invoice_xml_with_malformed_custom_tag():
    inv = ofd.parse(read(ZJ))
    assert inv.invoice_number == "83089647"
    assert inv.invoice_code == "033002000211"
    assert inv.issue_date == date(2020, 7, 23)
    assert (inv.seller.name, inv.seller.tax_id) == ("兰溪市悦济舫餐厅", "92330781MA2EDMFU50")
    assert (inv.buyer.name, inv.buyer.tax_id) == ("江苏京利华新材料有限公司", "91320115MA202UKD7X")
    assert inv.seller.address == "兰溪市丹溪大道1055号057988222001"
    assert inv.buyer.address == ""
    assert (inv.totals.net, inv.totals.tax, inv.totals.gross) == (
        Decimal("510.68"),
        Decimal("15.32"),
        Decimal("526.00"),
    )
    assert len(inv.lines) == 1
    line = inv.lines[0]
    assert (line.name, line.quantity, line.unit_price) == (
        "*餐饮服务*餐费",
        Decimal("1"),
        Decimal("510.679612"),
    )
    assert (line.net, line.tax_rate, line.tax) == (Decimal("510.68"), Decimal("0.03"), Decimal("15.32"))
    assert inv.extra["lines_from"] == "original_invoice.xml"
    assert inv.extra["invoice_type"] == "浙江增值税电子普通发票"
    assert inv.extra["check_code"] == "16197833567414507415"
    assert "CustomTag.xml is not well-formed XML and was skipped" in inv.extra["parse_notes"]
    assert inv.signature.status == "valid"
    assert inv.issues == []


def test_nuonuo_2022_invoice_from_xbrl():
    inv = ofd.parse(read(NUONUO))
    assert inv.invoice_number == "99934328"
    assert inv.invoice_code == "033002200211"
    assert inv.issue_date == date(2022, 9, 1)
    assert (inv.seller.name, inv.seller.tax_id) == ("杭州融运科技有限公司", "91330106MA7GAL1299")
    assert (inv.buyer.name, inv.buyer.tax_id) == ("江苏中电创新环境科技有限公司", "913202133140424571")
    assert inv.seller.address == "浙江省杭州市西湖区西溪首座5号楼320室-10571-88771512"
    assert (inv.totals.net, inv.totals.tax, inv.totals.gross) == (
        Decimal("9.91"),
        Decimal("1.29"),
        Decimal("11.20"),
    )
    assert len(inv.lines) == 1
    line = inv.lines[0]
    assert line.name == "*金属制品*A系列一字形螺丝批3.2x75MM"
    assert (line.quantity, line.unit, line.unit_price) == (Decimal("1.00"), "批", Decimal("9.91150442"))
    assert (line.net, line.tax_rate, line.tax) == (Decimal("9.91"), Decimal("0.13"), Decimal("1.29"))
    assert inv.extra["invoice_type"] == "增值税电子普通发票"
    assert inv.signature.status == "valid"
    assert inv.issues == []


def test_digest_mismatch_sample_parses_and_is_flagged_tampered():
    inv = ofd.parse(read(MISMATCH))
    assert inv.invoice_number == "99999951"
    assert inv.invoice_code == "050001700111"
    assert inv.issue_date == date(2020, 10, 10)
    assert (inv.seller.name, inv.seller.tax_id) == ("杭州融易算企业管理咨询有限公司", "91500106MA2CE71F65")
    assert (inv.buyer.name, inv.buyer.tax_id) == ("科游迈利有限公司", "9150010807MGZHI002")
    assert inv.buyer.address == "北京海淀区西钓鱼台嘉园北门13392342520"
    assert (inv.totals.net, inv.totals.tax, inv.totals.gross) == (
        Decimal("300.00"),
        Decimal("18.00"),
        Decimal("318.00"),
    )
    assert len(inv.lines) == 3
    line = inv.lines[0]
    assert (line.name, line.unit, line.quantity, line.unit_price) == (
        "*餐饮服务*餐费",
        "次",
        Decimal("4"),
        Decimal("25"),
    )
    assert (line.net, line.tax_rate, line.tax) == (Decimal("100.00"), Decimal("0.06"), Decimal("6.00"))
    assert [line.line_id for line in inv.lines] == ["1", "2", "3"]
    assert inv.extra["invoice_type"] == "重庆增值税电子普通发票"
    assert inv.signature.status == "tampered"
    assert "Doc_0/Document.xml" in inv.signature.detail
    assert codes(inv) == ["ofd_unsigned_content"]


@pytest.mark.parametrize("rel", [SDP, ZJ, NUONUO, MISMATCH])
def test_every_amount_is_a_decimal(rel):
    inv = ofd.parse(read(rel))
    totals = inv.totals
    assert all(isinstance(v, Decimal) for v in (totals.net, totals.tax, totals.gross, totals.payable))
    for line in inv.lines:
        assert all(
            isinstance(v, Decimal)
            for v in (line.quantity, line.unit_price, line.net, line.tax, line.tax_rate)
        )
    assert totals.net + totals.tax == totals.gross


def test_namespace_without_2016_is_accepted():
    members = read_zip(read(ZJ))
    renamed = {
        name: content.replace(b"http://www.ofdspec.org/2016", b"http://www.ofdspec.org")
        for name, content in members.items()
    }
    inv = ofd.parse(rezip(renamed), verify_signature=False)
    assert inv.invoice_number == "83089647"
    assert inv.extra["invoice_type"] == "浙江增值税电子普通发票"
    assert "parse_notes" in inv.extra  # only the malformed custom tag, not the namespace
    assert "namespace" not in inv.extra["parse_notes"]


def test_custom_data_fills_gaps_left_by_the_attachment():
    members = read_zip(read(ZJ))
    members["Doc_0/Attachs/original_invoice.xml"] = members["Doc_0/Attachs/original_invoice.xml"].replace(
        b"<fp:BuyerTaxID>91320115MA202UKD7X</fp:BuyerTaxID>", b"<fp:BuyerTaxID></fp:BuyerTaxID>"
    )
    inv = ofd.parse(rezip(members), verify_signature=False)
    assert inv.buyer.tax_id == "91320115MA202UKD7X"  # from OFD.xml CustomData


def test_disagreeing_sources_raise_a_conflict_and_the_attachment_wins():
    members = read_zip(read(ZJ))
    members["OFD.xml"] = members["OFD.xml"].replace(b">510.68<", b">610.68<")
    inv = ofd.parse(rezip(members))
    assert inv.totals.net == Decimal("510.68")
    conflict = next(i for i in inv.issues if i.code == "ofd_field_conflict")
    assert "610.68" in conflict.message and "510.68" in conflict.message
    assert inv.signature.status == "tampered"
    assert "OFD.xml" in inv.signature.detail


def test_custom_tag_is_read_when_the_sdp_custom_data_is_gone():
    members = read_zip(read(SDP))
    ofd_xml = members["OFD.xml"]
    start, end = ofd_xml.index(b"<ofd:CustomDatas>"), ofd_xml.index(b"</ofd:CustomDatas>") + 18
    members["OFD.xml"] = ofd_xml[:start] + ofd_xml[end:]
    inv = ofd.parse(rezip(members))
    assert inv.invoice_number == "24112000000048542163"
    assert inv.issue_date == date(2024, 5, 28)
    assert inv.totals.gross == Decimal("4449.00")
    assert inv.extra["sources"] == "CustomTag.xml"


# --- synthetic OFDs -----------------------------------------------------------------------------


def test_custom_data_only():
    inv = ofd.parse(build_ofd(BLUE))
    assert inv.invoice_number == "83089647"
    assert inv.invoice_code == "033002000211"
    assert inv.totals.gross == Decimal("526.00")
    assert inv.signature.status == "unsigned"
    assert codes(inv) == ["ofd_missing_field"]  # no lines
    assert inv.issues[0].severity == Severity.WARNING


def test_derives_the_missing_total_and_reports_missing_fields():
    data = {"发票号码": "24112000000048542163", "合计金额": "100.00", "合计税额": "13.00"}
    inv = ofd.parse(build_ofd(data))
    assert inv.totals.gross == inv.totals.payable == Decimal("113.00")
    assert inv.invoice_code is None
    messages = " ".join(i.message for i in inv.issues if i.code == "ofd_missing_field")
    for label in (
        "issue date",
        "seller tax id",
        "seller name",
        "buyer name",
        "buyer tax id",
        "No invoice lines",
    ):
        assert label in messages
    assert "invoice code" not in messages  # a 20-digit 数电 number has none
    errors = {i.message for i in inv.issues if i.severity == Severity.ERROR}
    assert any("issue date" in m for m in errors) and any("seller tax id" in m for m in errors)


def test_bad_values_become_issues_not_exceptions():
    data = dict(BLUE, 开票日期="2020年13月45日", 合计金额="五百元", 价税合计="NaN")
    inv = ofd.parse(build_ofd(data))
    assert inv.issue_date is None
    assert inv.totals.net == Decimal("0")
    bad = [i.message for i in inv.issues if i.code == "ofd_bad_value"]
    assert len(bad) == 3


def test_red_letter_invoice_with_old_style_original_reference():
    note = "对应正数发票代码:033002000211号码:83089647"
    data = dict(
        BLUE, 发票号码="83089999", 合计金额="-510.68", 合计税额="-15.32", 价税合计="-526.00", 备注=note
    )
    inv = ofd.parse(build_ofd(data))
    assert inv.document_type == DocumentType.CREDIT_NOTE
    assert (inv.corrects_invoice, inv.corrects_invoice_code) == ("83089647", "033002000211")
    assert inv.totals.gross == Decimal("-526.00")


def test_red_letter_sdp_invoice_with_original_number_in_the_remark():
    note = "被红冲蓝字数电票号码：24112000000048542163 红字发票信息确认单编号：1100000000000000001"
    data = {
        "发票号码": "24112000000099999999",
        "合计金额": "-100.00",
        "合计税额": "-6.00",
        "开票日期": "2024-06-01",
        "备注": note,
    }
    inv = ofd.parse(build_ofd(data))
    assert inv.document_type == DocumentType.CREDIT_NOTE
    assert inv.corrects_invoice == "24112000000048542163"
    assert inv.corrects_invoice_code == ""
    assert inv.issue_date == date(2024, 6, 1)


def test_negative_totals_alone_make_a_credit_note():
    data = dict(BLUE, 合计金额="-10.00", 合计税额="-1.30", 价税合计="-11.30")
    assert ofd.parse(build_ofd(data)).document_type == DocumentType.CREDIT_NOTE


def test_xbrl_attachment_with_several_lines_and_an_exempt_line():
    line = (
        "<inv:InformationOfTaxableGoodsOrServicesDetailItemsTuple>"
        "<inv:NameOfTaxableGoodsOrServices>{name}</inv:NameOfTaxableGoodsOrServices>"
        "<inv:AmountExcludingTax>{net}</inv:AmountExcludingTax><inv:TaxRate>{rate}</inv:TaxRate>"
        "<inv:TaxAmount>{tax}</inv:TaxAmount></inv:InformationOfTaxableGoodsOrServicesDetailItemsTuple>"
    )
    xbrl = (
        '<xbrl xmlns="http://www.xbrl.org/2003/instance" xmlns:inv="http://xbrl.mof.gov.cn/taxonomy/2021-09-30/inv">'
        "<inv:NumberOfInvoice>00000001</inv:NumberOfInvoice><inv:CodeOfInvoice>033002200211</inv:CodeOfInvoice>"
        "<inv:DateOfIssue>2022-09-01</inv:DateOfIssue>"
        + line.format(name="螺丝", net="100.00", rate="13%", tax="13.00")
        + line.format(name="农产品", net="50.00", rate="免税", tax="***")
        + "<inv:TotalAmountExcludingTax>150.00</inv:TotalAmountExcludingTax>"
        "<inv:TotalTaxAmount>13.00</inv:TotalTaxAmount></xbrl>"
    )
    attachments = (
        f'<ofd:Attachments xmlns:ofd="{NS}"><ofd:Attachment ID="1" Name="data" Format="xbrl">'
        "<ofd:FileLoc>inv.xml</ofd:FileLoc></ofd:Attachment></ofd:Attachments>"
    )
    members = read_zip(build_ofd({}))
    members["Doc_0/Document.xml"] = members["Doc_0/Document.xml"].replace(
        b"</ofd:Document>", b"<ofd:Attachments>Attachs/Attachments.xml</ofd:Attachments></ofd:Document>"
    )
    members["Doc_0/Attachs/Attachments.xml"] = attachments.encode()
    members["Doc_0/Attachs/inv.xml"] = xbrl.encode()
    inv = ofd.parse(rezip(members))
    assert inv.invoice_number == "00000001"
    assert [(ln.name, ln.net, ln.tax_rate, ln.tax) for ln in inv.lines] == [
        ("螺丝", Decimal("100.00"), Decimal("0.13"), Decimal("13.00")),
        ("农产品", Decimal("50.00"), None, Decimal("0")),
    ]
    assert inv.totals.gross == Decimal("163.00")
    assert "ofd_bad_value" not in codes(inv)


# --- refusals -----------------------------------------------------------------------------------


def test_zip_without_ofd_xml_is_not_an_invoice():
    with pytest.raises(Refused) as info:
        ofd.parse(rezip({"word/document.xml": b"<w/>"}))
    assert info.value.code == "not_an_invoice"


def test_non_zip_bytes_are_refused():
    with pytest.raises(Refused) as info:
        ofd.parse(b"%PDF-1.7 not an ofd")
    assert info.value.code == "zip_corrupt"


def test_ofd_without_invoice_data_is_not_an_invoice():
    with pytest.raises(Refused) as info:
        ofd.parse(build_ofd({"template-version": "1.0"}))
    assert info.value.code == "not_an_invoice"


def test_ofd_without_doc_root_is_malformed():
    data = rezip({"OFD.xml": f'<ofd:OFD xmlns:ofd="{NS}"><ofd:DocBody/></ofd:OFD>'.encode()})
    with pytest.raises(Refused) as info:
        ofd.parse(data)
    assert info.value.code == "ofd_malformed"


def test_doctype_in_any_xml_member_is_refused():
    members = read_zip(read(ZJ))
    members["Doc_0/Attachs/original_invoice.xml"] = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>'
        + members["Doc_0/Attachs/original_invoice.xml"][39:]
    )
    with pytest.raises(Refused) as info:
        ofd.parse(rezip(members))
    assert info.value.code == "xml_doctype"


def test_zip_bomb_inside_an_ofd_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("OFD.xml", b"<a/>")
        with archive.open("Doc_0/Res/image.png", "w") as member:
            for _ in range(16):
                member.write(bytes(1 << 20))
    with pytest.raises(Refused) as info:
        ofd.parse(buffer.getvalue())
    assert info.value.code == "zip_bomb"


# --- value parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024年05月28日", date(2024, 5, 28)),
        ("2024年5月8日", date(2024, 5, 8)),
        ("2022-09-01", date(2022, 9, 1)),
        ("2020/10/10 15:11:19", date(2020, 10, 10)),
        ("20201010", date(2020, 10, 10)),
        ("2020-02-30", None),
        ("yesterday", None),
    ],
)
def test_dates(text, expected):
    assert ofd._parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13%", Decimal("0.13")),
        ("13.00%", Decimal("0.13")),
        ("6%", Decimal("0.06")),
        ("0%", Decimal("0")),
        ("0.09", Decimal("0.09")),
        ("零税率", Decimal("0")),
        ("13", None),
        ("abc%", None),
    ],
)
def test_rates(text, expected):
    assert ofd._parse_rate(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("¥526.00", Decimal("526.00")),
        ("￥1,234.5", Decimal("1234.5")),
        ("-3.20", Decimal("-3.20")),
        ("NaN", None),
        ("Infinity", None),
        ("1E+999999", None),
        ("", None),
        ("1.2.3", None),
    ],
)
def test_amounts(text, expected):
    assert ofd._decimal(text) == expected


# --- mutations ----------------------------------------------------------------------------------


def _sample_bytes() -> list[bytes]:
    try:
        return [read(rel) for rel in (SDP, ZJ, NUONUO, MISMATCH)]
    except pytest.skip.Exception:
        return []


SAMPLES = _sample_bytes()
needs_samples = pytest.mark.skipif(not SAMPLES, reason="../shared samples are absent")


@needs_samples
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    which=st.integers(min_value=0, max_value=3),
    cut=st.integers(min_value=0, max_value=50_000),
    flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=1, max_value=255)), max_size=8),
)
def test_mutated_ofd_files_only_ever_raise_refused(which, cut, flips):
    data = bytearray(SAMPLES[which])
    if cut:
        del data[len(data) - cut % len(data) :]
    for position, mask in flips:
        if data:
            data[position % len(data)] ^= mask
    try:
        inv = ofd.parse(bytes(data))
    except Refused:
        return
    assert inv.format == Format.OFD


@needs_samples
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    which=st.integers(min_value=0, max_value=3),
    member=st.integers(min_value=0),
    cut=st.integers(min_value=0, max_value=10_000),
    flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=1, max_value=255)), max_size=4),
)
def test_mutated_members_only_ever_raise_refused(which, member, cut, flips):
    """Mutate one member's content and zip it again properly, to reach the XML and ASN.1 readers."""
    members = read_zip(SAMPLES[which])
    name = sorted(members)[member % len(members)]
    content = bytearray(members[name])
    if cut and content:
        del content[len(content) - cut % len(content) :]
    for position, mask in flips:
        if content:
            content[position % len(content)] ^= mask
    members[name] = bytes(content)
    try:
        inv = ofd.parse(rezip(members))
    except Refused:
        return
    assert inv.format == Format.OFD


def test_skipping_the_seal_check_reports_it_unverified_not_unsigned():
    inv = ofd.parse(read(ZJ), verify_signature=False)
    assert inv.signature.present is True
    assert inv.signature.status == "unverified"
    assert ofd.parse(read(SDP), verify_signature=False).signature.status == "unsigned"
