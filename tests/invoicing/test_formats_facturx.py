"""Factur-X / ZUGFeRD / XRechnung PDFs: the embedded CII is read like a CII file; hostile PDFs are refused.

Every PDF is made here (reportlab draws the page, pypdf attaches the XML; the hostile ones are
written by hand) from the CII samples of ../shared or XML made in the test.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from lxml import etree
from pypdf import PdfReader, PdfWriter

from invoicing.checks import check_file
from invoicing.formats import facturx
from invoicing.formats.detect import detect_format, parse_invoice
from invoicing.formats.model import Format, Refused, Severity
from invoicing.validation import ValidationContext
from tests.invoicing.facturx_builder import embedded_stream, facturx_pdf, page_pdf, pdf_with_stream, raw_pdf
from tests.invoicing.samples import sample

RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
CTX = ValidationContext(today=date.today(), max_age_days=100_000)


def cii(name: str = "CII_example1.xml") -> bytes:
    return sample(f"en16931/cii/{name}").read_bytes()


def refused(data: bytes) -> Refused:
    with pytest.raises(Refused) as caught:
        parse_invoice(data)
    return caught.value


@pytest.mark.parametrize(
    "name", ["factur-x.xml", "zugferd-invoice.xml", "ZUGFeRD-invoice.xml", "xrechnung.xml"]
)
def test_the_embedded_cii_is_read_like_the_cii_file(name):
    xml = cii()
    pdf = facturx_pdf(xml, name=name)
    assert detect_format(pdf) is Format.FACTURX
    from_pdf, from_xml = parse_invoice(pdf), parse_invoice(xml)
    assert from_pdf.format is Format.FACTURX and from_xml.format is Format.CII
    assert (from_pdf.invoice_number, from_pdf.totals, from_pdf.lines) == (
        from_xml.invoice_number,
        from_xml.totals,
        from_xml.lines,
    )
    assert from_pdf.issues == from_xml.issues == []
    assert from_pdf.extra["embedded_file"] == name and from_pdf.extra["profile"] == "EN 16931"


def test_an_xrechnung_pdf_is_read_with_its_profile():
    xml = sample("en16931/xrechnung/01.01a-INVOICE_uncefact.xml").read_bytes()
    invoice = parse_invoice(facturx_pdf(xml, name="xrechnung.xml"))
    assert invoice.extra["profile"] == "XRECHNUNG"
    assert [i for i in invoice.issues if i.severity == Severity.ERROR] == []


def _header_only(profile_id: str) -> bytes:
    root = etree.fromstring(cii())
    for line in list(root.iter(f"{{{RAM}}}IncludedSupplyChainTradeLineItem")):
        line.getparent().remove(line)
    root.find(f".//{{{RAM}}}GuidelineSpecifiedDocumentContextParameter/{{{RAM}}}ID").text = profile_id
    return etree.tostring(root)


@pytest.mark.parametrize(
    ("profile_id", "profile"),
    [("urn:factur-x.eu:1p0:minimum", "MINIMUM"), ("urn:factur-x.eu:1p0:basicwl", "BASIC WL")],
)
def test_minimum_and_basic_wl_are_accepted_header_only(profile_id, profile):
    result = check_file(facturx_pdf(_header_only(profile_id)), CTX)
    assert result.invoice.lines == [] and result.invoice.extra["profile"] == profile
    assert [i.code for i in result.issues if i.severity == Severity.ERROR] == []
    no_lines = [i for i in result.issues if i.code == "no_lines"]
    assert no_lines[0].severity == Severity.WARNING and profile in no_lines[0].message


def test_a_lineless_invoice_of_a_full_profile_is_still_rejected():
    result = check_file(facturx_pdf(_header_only("urn:cen.eu:en16931:2017")), CTX)
    errors = {i.code for i in result.issues if i.severity == Severity.ERROR}
    assert {"BR-16", "no_lines"} <= errors


def test_a_real_factur_x_profile_with_line_rules_keeps_them():
    root = etree.fromstring(cii())
    root.find(f".//{{{RAM}}}DuePayableAmount").text = "1.00"
    invoice = parse_invoice(facturx_pdf(etree.tostring(root)))
    assert "BR-CO-16" in {i.code for i in invoice.issues}


# -- hostile and wrong PDFs ---------------------------------------------------------------------


def test_a_plain_pdf_is_refused_as_no_e_invoice():
    err = refused(page_pdf())
    assert err.code == "pdf_no_invoice" and "factur-x.xml" in err.message


def test_a_decompression_bomb_is_refused_before_it_is_inflated():
    err = refused(pdf_with_stream(embedded_stream(b"\0" * (40 * 1024 * 1024))))
    assert err.code == "pdf_bomb"


def test_a_deep_object_graph_is_refused():
    nested = b"[" * 5000 + b"]" * 5000
    err = refused(
        raw_pdf(
            [b"<< /Type /Catalog /Names << /EmbeddedFiles << /Names [(factur-x.xml) %s] >> >> >>" % nested]
        )
    )
    assert err.code == "pdf_too_deep"


def test_a_deep_name_tree_is_refused():
    depth = 30
    objects = [b"<< /Type /Catalog /Names << /EmbeddedFiles 2 0 R >> >>"]
    for n in range(depth):
        objects.append(b"<< /Kids [%d 0 R] >>" % (n + 3))
    objects.append(b"<< /Names [] >>")
    assert refused(raw_pdf(objects)).code == "pdf_too_deep"


@pytest.mark.parametrize(
    ("stream", "code"),
    [
        (embedded_stream(b"<x/>", extra=b"/Subtype /application#2Fpdf "), "pdf_embedded_wrong_type"),
        (embedded_stream(b"\x89PNG\r\n\x1a\n" + b"\0" * 64), "pdf_embedded_wrong_type"),
        (embedded_stream(b"<html><body>hi</body></html>"), "pdf_embedded_wrong_type"),
        (embedded_stream(b"<x/>", extra=b"/DecodeParms << /Predictor 12 >> "), "pdf_embedded_wrong_type"),
        (embedded_stream(b"<x/>", extra=b"/Params << /Size 99999999 >> "), "pdf_embedded_too_large"),
    ],
    ids=["declared-pdf", "png", "html", "predictor", "declared-too-large"],
)
def test_embedded_files_of_the_wrong_kind_are_refused(stream, code):
    assert refused(pdf_with_stream(stream)).code == code


def test_an_embedded_file_with_a_doctype_is_refused():
    xml = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'
    assert refused(pdf_with_stream(embedded_stream(xml))).code == "pdf_embedded_wrong_type"


def test_an_encrypted_pdf_is_refused():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(facturx_pdf(cii()))))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    assert refused(out.getvalue()).code == "pdf_encrypted"


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n",
        b"%PDF-1.4\n1 0 obj << >> endobj trailer << /Root 9 0 R >>",
        b"%PDF-" + bytes(range(256)) * 40,
    ],
)
def test_damaged_pdfs_are_refused_never_a_crash(data):
    assert refused(data).code.startswith("pdf_")


def test_too_many_objects_are_refused(monkeypatch):
    monkeypatch.setattr(facturx, "MAX_OBJECTS", 5)
    assert refused(facturx_pdf(cii())).code == "pdf_too_many_objects"
