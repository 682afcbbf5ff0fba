"""The single entry point for uploaded e-invoice files: recognise the format, then parse it.

The format is recognised from the content, never from the file name:

- ZIP local-file magic (``PK\\x03\\x04``) → OFD package (:mod:`invoicing.formats.ofd`);
- XML whose root is UBL ``Invoice``/``CreditNote`` → :mod:`invoicing.formats.ubl`,
  CII ``CrossIndustryInvoice`` → :mod:`invoicing.formats.cii`, ``EInvoice`` (数电) →
  :mod:`invoicing.formats.cn_xml`;
- anything else is refused with a :class:`Refused` whose ``code`` says why.

Encodings are checked here before the XML parser sees the bytes: the encoding comes from the
byte-order mark or the UTF-16 byte pattern, else from the XML declaration (UTF-8 when none).
A declaration that contradicts the bytes, an encoding outside a small allow-list, or bytes that
are invalid in the encoding are refused as ``xml_encoding``. Every accepted non-UTF-8 document is
transcoded to UTF-8 first, so :func:`safexml.parse_xml` (and its DOCTYPE scan) always sees UTF-8.
"""

from __future__ import annotations

import codecs
import re

from lxml import etree

from . import facturx
from .model import Format, NormalisedInvoice, Refused
from .safexml import local, parse_xml

MAX_UPLOAD_BYTES = 20 * 1024 * 1024

UBL_INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CII_NS = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"

ZIP_MAGIC = b"PK\x03\x04"

_ADVICE = (
    "Upload the e-invoice itself as an OFD file, as XML (数电, UBL or CII) or as a Factur-X / ZUGFeRD PDF."
)

# Leading bytes of file types people upload by mistake, and how to name them.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"BM", "a BMP image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"\x28\xb5\x2f\xfd", "a Zstandard archive"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"PK\x07\x08", "a split ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document (.doc/.xls)"),
    (b"{\\rtf", "an RTF document"),
    (b"\x7fELF", "a Linux program"),
    (b"MZ", "a Windows program"),
)
_BZIP2_RE = re.compile(rb"BZh[1-9]")

# Declared encoding (lower case) → Python codec. GB2312 is read as its superset GBK, because
# files labelled GB2312 routinely contain GBK characters.
_ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "us-ascii": "ascii",
    "ascii": "ascii",
    "iso-8859-1": "latin-1",
    "iso8859-1": "latin-1",
    "latin1": "latin-1",
    "latin-1": "latin-1",
    "iso-8859-15": "iso8859-15",
    "windows-1252": "cp1252",
    "cp1252": "cp1252",
    "gbk": "gbk",
    "cp936": "gbk",
    "gb2312": "gbk",
    "gb18030": "gb18030",
    "big5": "big5",
}
_UTF16_NAMES = {"utf-16", "utf16", "utf-16le", "utf-16be", "ucs-2", "iso-10646-ucs-2"}
_UTF32_NAMES = {"utf-32", "utf32", "utf-32le", "utf-32be", "ucs-4", "iso-10646-ucs-4"}

_DECLARATION_RE = re.compile(r"\A<\?xml\s[^>]*?\?>")
_ENCODING_RE = re.compile(r"""\A<\?xml\s[^>]*?\bencoding\s*=\s*["']([^"']{0,40})["']""")

# What a non-invoice root element probably is, for the refusal message.
_KNOWN_ROOTS = {
    "rss": "an RSS feed",
    "feed": "an Atom feed",
    "svg": "an SVG image",
    "html": "an HTML page",
    "OFD": "the OFD.xml entry of an unpacked OFD package (upload the .ofd file itself)",
    "xbrl": "an XBRL report",
}


# -- bytes → UTF-8 XML -----------------------------------------------------------------------


def _refuse_binary(data: bytes) -> None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise Refused("unsupported_format", f"The file looks like {what}, not an e-invoice. {_ADVICE}")
    if _BZIP2_RE.match(data):
        raise Refused(
            "unsupported_format", f"The file looks like a bzip2 archive, not an e-invoice. {_ADVICE}"
        )
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        raise Refused("unsupported_format", f"The file looks like a WebP image, not an e-invoice. {_ADVICE}")


def _byte_family(data: bytes) -> tuple[str, int]:
    """(codec, BOM length) from the BOM or UTF-16 byte pattern; ("", 0) for 8-bit text."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8", 3
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise Refused("xml_encoding", "The file is encoded in UTF-32, which is not accepted; use UTF-8.")
    if data.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", 2
    if data.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", 2
    head = data[:4]
    if len(head) == 4 and head[0] and not head[1] and head[2] and not head[3]:
        return "utf-16-le", 0
    if len(head) == 4 and not head[0] and head[1] and not head[2] and head[3]:
        return "utf-16-be", 0
    return "", 0


def _looks_binary(sample: bytes) -> bool:
    """True for bytes that are not text: a NUL, many control bytes, or bytes that are neither UTF-8
    nor GB18030 (what Chinese text files are written in)."""
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if (b < 0x20 and b not in (9, 10, 12, 13)) or b == 0x7F)
    if controls * 100 > len(sample) * 2:
        return True
    for codec in ("utf-8", "gb18030"):
        try:
            sample.decode(codec)
        except UnicodeDecodeError as exc:
            if exc.start >= len(sample) - 4:  # a character cut at the end of the sample
                return False
            continue
        return False
    return True


def _not_xml(text_start: str, sample: bytes = b"") -> Refused:
    if _looks_binary(sample or text_start.encode("latin-1", errors="replace")):
        what = "unrecognised binary data, not text"
    elif text_start[:1] in ("{", "["):
        what = "JSON"
    else:
        what = "plain text, not XML"
    return Refused("unsupported_format", f"The file looks like {what}. {_ADVICE}")


def _to_utf8_xml(data: bytes) -> bytes:
    """Check the encoding of an XML file and return it as UTF-8 bytes (or raise Refused)."""
    family, bom = _byte_family(data)
    body = data[bom:]
    if family.startswith("utf-16"):
        head = body[:4096].decode(family, errors="replace")
        start = head.lstrip()[:64]
    else:
        head = body[:512].decode("latin-1")
        start = body.lstrip()[:64].decode("latin-1")
    if not start:
        raise Refused("unsupported_format", "The file is empty (only white space).")
    if not start.startswith("<"):
        raise _not_xml(start, b"" if family.startswith("utf-16") else body[:4096])
    match = _ENCODING_RE.match(head)
    declared = match[1].strip().lower().replace("_", "-") if match else ""

    if family.startswith("utf-16"):
        if declared and declared not in _UTF16_NAMES:
            raise Refused(
                "xml_encoding", f"The file is written in UTF-16 but its XML declaration says {match[1]!r}."
            )
        if declared in ("utf-16le", "utf-16be") and declared.replace("utf-16", "utf-16-") != family:
            raise Refused(
                "xml_encoding", f"The file's byte order is {family.upper()} but it declares {match[1]!r}."
            )
        codec = family
    elif family == "utf-8" and declared and _ENCODINGS.get(declared) != "utf-8":
        raise Refused(
            "xml_encoding", f"The file starts with a UTF-8 byte-order mark but declares {match[1]!r}."
        )
    elif declared in _UTF16_NAMES or declared in _UTF32_NAMES:
        raise Refused(
            "xml_encoding",
            f"The XML declaration says {match[1]!r} but the file is written in an 8-bit encoding.",
        )
    elif declared and declared not in _ENCODINGS:
        raise Refused(
            "xml_encoding",
            f"The XML declaration names the encoding {match[1]!r}, which is not accepted; "
            "use UTF-8 (GBK, GB18030 and UTF-16 are also read).",
        )
    else:
        codec = _ENCODINGS[declared] if declared else "utf-8"

    named = f"declares {match[1]!r}" if declared else "has no encoding declaration, so it must be UTF-8"
    if family.startswith("utf-16"):
        named = f"is UTF-16 ({family[-2:].upper()})"
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as exc:
        raise Refused(
            "xml_encoding",
            f"The file {named}, but byte {bom + exc.start} (0x{body[exc.start]:02X}) is not valid in that encoding.",
        ) from None
    if codec == "utf-8":
        return data
    if codec not in ("ascii", "utf-16-le", "utf-16-be") and not body.isascii():
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            raise Refused(
                "xml_encoding",
                f"The file declares {match[1]!r} but its bytes are UTF-8; fix the XML declaration.",
            )
    declaration = _DECLARATION_RE.match(text)
    rest = text[declaration.end() :] if declaration else text
    return b'<?xml version="1.0" encoding="UTF-8"?>' + rest.encode("utf-8")


def _prepare(data: bytes, max_bytes: int) -> bytes | None:
    """None for a ZIP (OFD) package, b"" for a PDF (Factur-X), else the XML as UTF-8 bytes;
    raises Refused otherwise."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError("parse_invoice expects bytes")
    data = bytes(data)
    if not data:
        raise Refused("unsupported_format", "The file is empty.")
    if len(data) > max_bytes:
        raise Refused("file_too_large", f"The file is {len(data):,} bytes; the limit is {max_bytes:,} bytes.")
    if data.startswith(ZIP_MAGIC):
        return None
    if facturx.is_pdf(data):
        return b""
    _refuse_binary(data)
    return _to_utf8_xml(data)


# -- routing ---------------------------------------------------------------------------------


def _format_of_root(namespace: str, name: str) -> Format:
    if (name, namespace) in (("Invoice", UBL_INVOICE_NS), ("CreditNote", UBL_CREDIT_NOTE_NS)):
        return Format.UBL
    if name == "CrossIndustryInvoice" and namespace == CII_NS:
        return Format.CII
    if name == "EInvoice":  # 数电 XML has no namespace; tolerate one (some tools add prefixes)
        return Format.CN_XML
    where = f" in namespace {namespace!r}" if namespace else ""
    what = _KNOWN_ROOTS.get(name, "")
    if name in ("Invoice", "CreditNote", "CrossIndustryInvoice"):
        what = "not UBL 2 or CII D16B (unexpected namespace)"
    if what:
        what = f"; it looks like {what}" if not what.startswith("not ") else f"; it is {what}"
    raise Refused(
        "not_an_invoice",
        f"The XML document's root element is <{name}>{where}{what}. "
        "Expected a 数电 EInvoice, a UBL Invoice/CreditNote or a CII CrossIndustryInvoice.",
    )


def _root_of(xml: bytes) -> tuple[str, str]:
    """(namespace, local name) of the root element, reading only as far as the root's start tag."""
    upper = xml[:65536].upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise Refused("xml_doctype", "XML declares a DOCTYPE or entities, which are not allowed.")
    parser = etree.XMLPullParser(
        events=("start",), resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        for start in range(0, len(xml), 65536):
            parser.feed(xml[start : start + 65536])
            for _event, element in parser.read_events():
                if element.getroottree().docinfo.doctype:
                    raise Refused("xml_doctype", "XML declares a DOCTYPE, which is not allowed.")
                qname = etree.QName(element)
                return qname.namespace or "", qname.localname
        parser.close()
    except etree.XMLSyntaxError as exc:
        raise Refused("xml_malformed", f"XML is not well-formed XML: {exc.msg}.") from None
    raise Refused("xml_malformed", "XML has no root element.")


def detect_format(data: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES) -> Format:
    """The format of an uploaded file, reading only up to the XML root element.

    A ZIP package is reported as OFD (the OFD parser refuses other ZIPs). Raises
    :class:`Refused` for files that are no e-invoice.
    """
    xml = _prepare(data, max_bytes)
    if xml is None:
        return Format.OFD
    if not xml:  # a PDF: the embedded invoice must be there and be an invoice
        name, embedded = facturx.embedded_invoice(bytes(data))
        try:
            _format_of_root(*_root_of(_to_utf8_xml(embedded)))
        except Refused as refused:
            raise Refused(
                "pdf_embedded_wrong_type",
                f"The embedded file {name} is not an XML invoice: {refused.message}",
            ) from None
        return Format.FACTURX
    return _format_of_root(*_root_of(xml))


def parse_invoice(data: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES) -> NormalisedInvoice:
    """Parse an uploaded e-invoice of any supported format, or raise :class:`Refused`."""
    xml = _prepare(data, max_bytes)
    if xml is None:
        from . import ofd

        return ofd.parse(bytes(data))
    if not xml:
        return _parse_pdf(bytes(data))
    root = parse_xml(xml)
    qname = etree.QName(root)
    fmt = _format_of_root(qname.namespace or "", local(root.tag))
    if fmt is Format.UBL:
        from . import ubl

        return ubl.parse(root)
    if fmt is Format.CII:
        from . import cii

        return cii.parse(root)
    from . import cn_xml

    return cn_xml.parse(root)


# Rules of EN 16931 that a header-only Factur-X profile (MINIMUM, BASIC WL: no invoice lines, and
# MINIMUM no VAT breakdown either) cannot meet by design; such an invoice is checked without them.
HEADER_ONLY_SKIPPED = frozenset(
    {"BR-12", "BR-16", "BR-CO-10", "BR-CO-13", "BR-CO-18"}
    | {f"BR-{p}-08" for p in ("S", "Z", "E", "AE", "IC", "G", "O", "AF", "AG")}
    | {f"BR-{p}-01" for p in ("S", "Z", "E", "AE", "IC", "G", "O", "AF", "AG")}
)


def _parse_pdf(data: bytes) -> NormalisedInvoice:
    """A Factur-X / ZUGFeRD / XRechnung PDF: the embedded CII (or UBL) invoice, read as such."""
    name, xml_bytes = facturx.embedded_invoice(data)
    try:
        root = parse_xml(_to_utf8_xml(xml_bytes), what=f"The embedded file {name}")
        fmt = _format_of_root(etree.QName(root).namespace or "", local(root.tag))
    except Refused as refused:
        raise Refused(
            "pdf_embedded_wrong_type", f"The embedded file {name} is not an XML invoice: {refused.message}"
        ) from None
    if fmt is Format.CII:
        from . import cii

        invoice = cii.parse(root)
    elif fmt is Format.UBL:
        from . import ubl

        invoice = ubl.parse(root)
    else:
        raise Refused("pdf_embedded_wrong_type", f"The embedded file {name} is not a CII or UBL invoice.")
    profile = facturx.profile_of(invoice.extra.get("customization_id"))
    if profile in facturx.HEADER_ONLY_PROFILES and not invoice.lines:
        invoice.issues = [i for i in invoice.issues if i.code not in HEADER_ONLY_SKIPPED]
        invoice.extra["header_only"] = "1"
    invoice.format = Format.FACTURX
    invoice.extra["embedded_file"] = name
    invoice.extra["embedded_syntax"] = str(fmt)
    if profile:
        invoice.extra["profile"] = profile
    return invoice
