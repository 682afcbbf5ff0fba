"""Factur-X / ZUGFeRD PDFs made in the tests: a one-page PDF (reportlab) with an XML attached (pypdf).

Nothing is copied: the page is drawn here and the XML is whatever the test passes (the CII samples
of ../shared, or XML made in the test). ``raw_pdf`` writes a PDF by hand for the hostile cases that
no PDF library would produce.
"""

from __future__ import annotations

import io
import zlib

from lxml import etree
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from tests.invoicing.cn_xml_builder import BUYER_ID, SELLER_ID
from tests.invoicing.samples import sample

RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"


def page_pdf(text: str = "Invoice") -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.drawString(72, 760, text)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def facturx_pdf(xml: bytes, name: str = "factur-x.xml", subtype: str | None = "text/xml") -> bytes:
    """A PDF with ``xml`` attached as ``name`` (the Factur-X way: /EmbeddedFiles and /AF)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(page_pdf())))
    attachment = writer.add_attachment(name, xml)
    if subtype is not None:
        attachment.subtype = NameObject("/" + subtype.replace("/", "#2F"))
    attachment.associated_file_relationship = NameObject("/Alternative")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF from object bodies (object 1 must be the catalogue), with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def embedded_stream(content: bytes, *, compressed: bool = True, extra: bytes = b"") -> bytes:
    data = zlib.compress(content, 9) if compressed else content
    flt = b"/Filter /FlateDecode " if compressed else b""
    return (
        b"<< /Type /EmbeddedFile %s/Length %d %s>>\nstream\n" % (flt, len(data), extra)
        + data
        + b"\nendstream"
    )


def pdf_with_stream(stream: bytes, name: bytes = b"factur-x.xml") -> bytes:
    """Catalogue → /Names /EmbeddedFiles → file specification → ``stream`` (object 3)."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Names << /EmbeddedFiles << /Names [(%s) 2 0 R] >> >> >>" % name,
            b"<< /Type /Filespec /F (%s) /EF << /F 3 0 R >> >>" % name,
            stream,
        ]
    )


def _q(tag: str) -> str:
    return f"{{{RAM}}}{tag}"


def readdressed_cii() -> bytes:
    """CII example 1 of ../shared re-addressed: seller = the test supplier, buyer = our legal entity
    (VAT ids written as EN 16931 wants them, the country code CN before the unified social credit
    code). Skips the calling test where ../shared is absent."""
    root = etree.fromstring(sample("en16931/cii/CII_example1.xml").read_bytes())
    seller = root.find(f".//{_q('SellerTradeParty')}")
    seller.find(f"{_q('SpecifiedTaxRegistration')}/{_q('ID')}").text = f"CN{SELLER_ID}"
    buyer = root.find(f".//{_q('BuyerTradeParty')}")
    registration = etree.SubElement(buyer, _q("SpecifiedTaxRegistration"))
    etree.SubElement(registration, _q("ID"), schemeID="VA").text = f"CN{BUYER_ID}"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def invoice_pdf() -> bytes:
    """:func:`readdressed_cii` as a Factur-X PDF."""
    return facturx_pdf(readdressed_cii())
