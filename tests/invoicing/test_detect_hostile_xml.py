"""parse_invoice / detect_format: routing by content, and a generated corpus of hostile files.

Every hostile file must end in ``Refused`` with a stable code, never another exception.
"""

import codecs
import gzip
import importlib.util
import sys
import types
from datetime import date

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import invoicing.formats
from invoicing.formats.detect import (
    CII_NS,
    UBL_CREDIT_NOTE_NS,
    UBL_INVOICE_NS,
    detect_format,
    parse_invoice,
)
from invoicing.formats.model import Format, NormalisedInvoice, Refused
from invoicing.validation import ValidationContext, validate
from tests.invoicing.cn_xml_builder import build_cn_xml, discount, item

GOOD = build_cn_xml(
    items=[
        item("*电子计算机*路由器", "2", "1000", "0.13"),
        discount("*电子计算机*路由器", "-100", "0.13"),
        item("*图书*教材", "3", "12.5", "免税", unit="本"),
    ]
)


def refusal(data: bytes, **kwargs) -> str:
    with pytest.raises(Refused) as exc:
        parse_invoice(data, **kwargs)
    assert exc.value.message  # always a sentence
    return exc.value.code


# -- the hostile corpus ----------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<EInvoice><Header><EIid>&lol9;</EIid></Header></EInvoice>"""

XXE_FILE = b"""<?xml version="1.0"?>
<!DOCTYPE EInvoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<EInvoice><EInvoiceData><SellerInformation><SellerName>&xxe;</SellerName></SellerInformation></EInvoiceData></EInvoice>"""

XXE_HTTP = b"""<?xml version="1.0"?>
<!DOCTYPE EInvoice [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/steal">]>
<EInvoice>&xxe;</EInvoice>"""

PARAMETER_ENTITIES = b"""<?xml version="1.0"?>
<!DOCTYPE EInvoice [
 <!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd">
 %remote;
]>
<EInvoice/>"""

DOCTYPE_ALONE = b'<?xml version="1.0"?>\n<!DOCTYPE EInvoice>\n<EInvoice/>'

# A DOCTYPE hidden behind a long comment, beyond the first 64 KiB that are scanned as bytes.
DOCTYPE_LATE = (
    b"<!--" + b"x" * 70_000 + b'-->\n<!DOCTYPE EInvoice [<!ENTITY a "b">]>\n<EInvoice>&a;</EInvoice>'
)

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>News</title><item><title>Hello</title></item></channel></rss>"""

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'

UBL_LOOKALIKE = b'<Invoice xmlns="urn:example:not-ubl"><ID>1</ID></Invoice>'


@pytest.mark.parametrize(
    ("data", "code"),
    [
        pytest.param(BILLION_LAUGHS, "xml_doctype", id="billion-laughs"),
        pytest.param(XXE_FILE, "xml_doctype", id="external-entity-file"),
        pytest.param(XXE_HTTP, "xml_doctype", id="external-entity-http"),
        pytest.param(PARAMETER_ENTITIES, "xml_doctype", id="parameter-entities"),
        pytest.param(DOCTYPE_ALONE, "xml_doctype", id="doctype-alone"),
        pytest.param(DOCTYPE_LATE, "xml_doctype", id="doctype-after-70k-comment"),
        pytest.param(BILLION_LAUGHS.decode().encode("utf-16"), "xml_doctype", id="billion-laughs-utf16"),
        pytest.param(b"<a>" * 100_000 + b"</a>" * 100_000, "xml_malformed", id="100k-deep"),
        pytest.param(
            b"<EInvoice>" + b"<x>" * 1000 + b"</x>" * 1000 + b"</EInvoice>", "xml_malformed", id="1k-deep"
        ),
        pytest.param(GOOD[: len(GOOD) // 2], "xml_malformed", id="truncated"),
        pytest.param(GOOD[:-3], "xml_malformed", id="truncated-end-tag"),
        pytest.param(b"<EInvoice><a>\x00</a></EInvoice>", "xml_malformed", id="nul-character"),
        pytest.param(b"<EInvoice></einvoice>", "xml_malformed", id="mismatched-tag"),
        pytest.param(RSS, "not_an_invoice", id="rss-feed"),
        pytest.param(SVG, "not_an_invoice", id="svg-image"),
        pytest.param(UBL_LOOKALIKE, "not_an_invoice", id="invoice-in-foreign-namespace"),
        pytest.param(b"<html><body>hi</body></html>", "not_an_invoice", id="html"),
        pytest.param(b"", "unsupported_format", id="empty-file"),
        pytest.param(b" \r\n\t " * 100, "unsupported_format", id="only-white-space"),
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "pdf_malformed", id="pdf"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "unsupported_format", id="png"),
        pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF", "unsupported_format", id="jpeg"),
        pytest.param(gzip.compress(GOOD), "unsupported_format", id="gzip"),
        pytest.param(b"Rar!\x1a\x07\x01\x00" + b"\x00" * 20, "unsupported_format", id="rar"),
        pytest.param(b"7z\xbc\xaf\x27\x1c\x00\x04", "unsupported_format", id="7z"),
        pytest.param(b"PK\x05\x06" + b"\x00" * 18, "unsupported_format", id="empty-zip"),
        pytest.param(
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50, "unsupported_format", id="old-office"
        ),
        pytest.param(b'{"invoice": 1}', "unsupported_format", id="json"),
        pytest.param("发票号码 26352000000012345678".encode(), "unsupported_format", id="plain-text"),
        pytest.param(b"\x00\x01\x02\x03\xfe\xfd", "unsupported_format", id="binary-noise"),
    ],
)
def test_hostile_file_is_refused_with_its_code(data, code):
    assert refusal(data) == code


def test_pdf_refusal_names_what_it_looks_like():
    with pytest.raises(Refused) as exc:
        parse_invoice(b"%PDF-1.4\n")
    assert "PDF" in exc.value.message


def test_rss_refusal_names_the_root_element():
    with pytest.raises(Refused) as exc:
        parse_invoice(RSS)
    assert "<rss>" in exc.value.message and "RSS feed" in exc.value.message


def test_over_the_size_limit_is_refused_before_anything_else():
    assert refusal(GOOD, max_bytes=len(GOOD) - 1) == "file_too_large"
    assert parse_invoice(GOOD, max_bytes=len(GOOD)).invoice_number


def test_a_file_just_over_the_default_limit_is_refused():
    assert refusal(b"<a>" + b" " * (20 * 1024 * 1024)) == "file_too_large"


def test_huge_attribute_is_bounded():
    assert refusal(b'<rss a="' + b"x" * 5_000_000 + b'"/>') == "not_an_invoice"
    assert refusal(b'<EInvoice a="' + b"x" * 11_000_000 + b'"/>') == "xml_too_large"


def test_xinclude_is_not_processed():
    text = GOOD.decode("utf-8").replace("<EInvoice>", '<EInvoice xmlns:xi="http://www.w3.org/2001/XInclude">')
    text = text.replace(
        "<SellerName>福州测试科技有限公司</SellerName>",
        '<SellerName><xi:include href="file:///etc/passwd" parse="text"/></SellerName>',
    )
    inv = parse_invoice(text.encode("utf-8"))

    assert inv.seller.name == ""
    assert "root:" not in repr(inv)


def test_xinclude_root_is_refused():
    data = b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/>'
    assert refusal(data) == "not_an_invoice"


# -- encodings -------------------------------------------------------------------------------


def _declared(encoding: str) -> str:
    return GOOD.decode("utf-8").replace("encoding='utf-8'", f"encoding='{encoding}'")


def test_gbk_declared_correctly_parses():
    inv = parse_invoice(_declared("GBK").encode("gbk"))

    assert inv.seller.name == "福州测试科技有限公司"
    assert inv == parse_invoice(GOOD)


def test_latin1_declared_correctly_parses():
    text = _declared("ISO-8859-1").replace("福州测试科技有限公司", "Société Générale")
    text = text.replace("测试开票员", "Zoë")
    text = "".join(c for c in text if ord(c) < 256)  # drop the Chinese text
    inv = parse_invoice(text.encode("latin-1"))

    assert inv.seller.name == "Société Générale"


def test_gb18030_and_gb2312_declarations_parse():
    assert parse_invoice(_declared("GB18030").encode("gb18030")) == parse_invoice(GOOD)
    assert parse_invoice(_declared("gb2312").encode("gbk")) == parse_invoice(GOOD)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_or_without_bom_parses(codec):
    data = _declared("UTF-16").encode(codec)
    assert parse_invoice(data) == parse_invoice(GOOD)
    assert detect_format(data) == Format.CN_XML


def test_utf16_without_declaration_parses():
    text = GOOD.decode("utf-8").split("?>", 1)[1]
    assert parse_invoice(text.encode("utf-16")) == parse_invoice(GOOD)


def test_utf8_with_bom_parses():
    assert parse_invoice(codecs.BOM_UTF8 + GOOD) == parse_invoice(GOOD)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(_declared("utf-8").encode("gbk"), id="gbk-bytes-declared-utf8"),
        pytest.param(GOOD.decode().split("?>", 1)[1].encode("gbk"), id="gbk-bytes-no-declaration"),
        pytest.param(_declared("GBK").encode("utf-8"), id="utf8-bytes-declared-gbk"),
        pytest.param(_declared("ISO-8859-1").encode("utf-8"), id="utf8-bytes-declared-latin1"),
        pytest.param(_declared("UTF-16").encode("utf-8"), id="8-bit-bytes-declared-utf16"),
        pytest.param(_declared("utf-8").encode("utf-16"), id="utf16-bytes-declared-utf8"),
        pytest.param(_declared("UTF-16LE").encode("utf-16-be"), id="utf16be-declared-utf16le"),
        pytest.param(_declared("bogus-charset").encode("utf-8"), id="unknown-encoding"),
        pytest.param(_declared("UTF-7").encode("utf-8"), id="utf-7"),
        pytest.param(_declared("EBCDIC-US").encode("utf-8"), id="ebcdic-name"),
        pytest.param(_declared("UTF-32").encode("utf-32"), id="utf-32"),
        pytest.param(_declared("UTF-16").encode("utf-16")[:-1], id="utf16-odd-length"),
        pytest.param(_declared("us-ascii").encode("utf-8"), id="non-ascii-declared-ascii"),
        pytest.param(codecs.BOM_UTF8 + _declared("GBK").encode("utf-8"), id="utf8-bom-declared-gbk"),
    ],
)
def test_wrong_encoding_is_refused(data):
    assert refusal(data) == "xml_encoding"


def test_encoding_refusal_names_the_bad_byte():
    with pytest.raises(Refused) as exc:
        parse_invoice(_declared("utf-8").encode("gbk"))
    assert "byte" in exc.value.message and "utf-8" in exc.value.message


# -- routing ---------------------------------------------------------------------------------


def test_detect_format_reads_only_the_root():
    assert detect_format(GOOD) == Format.CN_XML
    assert detect_format(f'<Invoice xmlns="{UBL_INVOICE_NS}"><unclosed>'.encode()) == Format.UBL
    assert detect_format(f'<CreditNote xmlns="{UBL_CREDIT_NOTE_NS}">'.encode()) == Format.UBL
    assert detect_format(f'<rsm:CrossIndustryInvoice xmlns:rsm="{CII_NS}">'.encode()) == Format.CII
    assert detect_format(b"PK\x03\x04" + b"\x00" * 26) == Format.OFD


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (RSS, "not_an_invoice"),
        (DOCTYPE_ALONE, "xml_doctype"),
        (DOCTYPE_LATE, "xml_doctype"),
        (b"%PDF-1.4", "pdf_malformed"),
        (b"", "unsupported_format"),
        (b"<", "xml_malformed"),
        (b"<!-- only a comment -->", "xml_malformed"),
        (_declared("utf-8").encode("gbk"), "xml_encoding"),
    ],
)
def test_detect_format_refuses_like_parse_invoice(data, code):
    with pytest.raises(Refused) as exc:
        detect_format(data)
    assert exc.value.code == code


def _fake_parser(monkeypatch, name: str, takes: type):
    calls = []

    def parse(arg):
        assert isinstance(arg, takes)
        calls.append(arg)
        return "parsed by " + name

    module = types.ModuleType(f"invoicing.formats.{name}")
    module.parse = parse
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(invoicing.formats, name, module, raising=False)
    return calls


def test_ubl_and_cii_roots_go_to_their_parsers(monkeypatch):
    from lxml import etree

    ubl = _fake_parser(monkeypatch, "ubl", etree._Element)
    cii = _fake_parser(monkeypatch, "cii", etree._Element)

    assert parse_invoice(f'<Invoice xmlns="{UBL_INVOICE_NS}"/>'.encode()) == "parsed by ubl"
    assert parse_invoice(f'<CreditNote xmlns="{UBL_CREDIT_NOTE_NS}"/>'.encode()) == "parsed by ubl"
    assert parse_invoice(f'<x:CrossIndustryInvoice xmlns:x="{CII_NS}"/>'.encode()) == "parsed by cii"
    assert len(ubl) == 2 and len(cii) == 1


def test_zip_content_goes_to_the_ofd_parser_whatever_its_name(monkeypatch):
    calls = _fake_parser(monkeypatch, "ofd", bytes)
    data = b"PK\x03\x04rest-of-zip"

    assert parse_invoice(data) == "parsed by ofd"
    assert calls == [data]


# -- properties: only ever Refused -----------------------------------------------------------

CTX = ValidationContext(today=date(2026, 3, 10))


def _parser_available(fmt: Format) -> bool:
    if fmt == Format.CN_XML:
        return True
    return importlib.util.find_spec(f"invoicing.formats.{fmt.value}") is not None


def _parse_or_refuse(data: bytes) -> None:
    """parse_invoice returns an invoice (which validates without crashing) or raises Refused."""
    try:
        fmt = detect_format(data)
    except Refused:
        fmt = None
    assume(fmt is None or _parser_available(fmt))
    try:
        invoice = parse_invoice(data)
    except Refused as exc:
        assert exc.code and exc.message
        return
    assert isinstance(invoice, NormalisedInvoice)
    validate(invoice, CTX)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_are_refused(data):
    assume(not data.startswith(b"PK\x03\x04"))
    _parse_or_refuse(data)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_random_text_after_an_xml_start_is_refused(text):
    _parse_or_refuse(("<EInvoice>" + text).encode("utf-8"))


@st.composite
def mutated(draw, base: bytes = GOOD):
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 5))):
        position = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["replace", "delete", "insert"]))
        chunk = draw(st.binary(min_size=1, max_size=8))
        if kind == "replace":
            data[position : position + len(chunk)] = chunk
        elif kind == "delete":
            del data[position : position + draw(st.integers(1, 40))]
        else:
            data[position:position] = chunk
    return bytes(data)


@settings(max_examples=300, deadline=None)
@given(mutated())
def test_mutated_invoices_parse_or_are_refused(data):
    _parse_or_refuse(data)


@st.composite
def texts_in_values(draw):
    """The built invoice with random text in one numeric or date element."""
    text = GOOD.decode("utf-8")
    tag = draw(
        st.sampled_from(
            ["Amount", "Quantity", "UnPrice", "TaxRate", "ComTaxAm", "TotalAmWithoutTax", "RequestTime"]
        )
    )
    start = text.index(f"<{tag}>") + len(tag) + 2
    end = text.index(f"</{tag}>", start)
    value = draw(st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=40))
    escaped = value.replace("&", "&amp;").replace("<", "&lt;")
    return (text[:start] + escaped + text[end:]).encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(texts_in_values())
def test_any_value_text_parses_or_is_refused(data):
    _parse_or_refuse(data)
