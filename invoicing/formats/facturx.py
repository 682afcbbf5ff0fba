"""The one way to open an untrusted PDF: the CII invoice embedded in a Factur-X / ZUGFeRD / XRechnung PDF.

A Factur-X (ZUGFeRD 2.x) or ZUGFeRD 1.0 invoice is a PDF/A-3 with the UN/CEFACT CII XML attached as
an embedded file named ``factur-x.xml``, ``zugferd-invoice.xml`` (``ZUGFeRD-invoice.xml``) or
``xrechnung.xml``. :func:`embedded_invoice` returns that XML's bytes, or raises :class:`Refused`.

``pypdf`` reads the cross-reference table and the objects on one fixed path (catalogue → /Names →
/EmbeddedFiles name tree → file specification → embedded file stream) and nothing else: no page is
rendered, no action, script or link is followed. The limits are checked before anything is inflated:
the number of objects, the depth and size of the name tree, the embedded file's declared and actual
size (it is inflated here with ``zlib`` in bounded steps, like ZIP members in :mod:`safezip`), and the
embedded file's kind (XML only). Refused codes: ``pdf_malformed``, ``pdf_encrypted``,
``pdf_too_many_objects``, ``pdf_too_deep``, ``pdf_no_invoice``, ``pdf_embedded_too_large``,
``pdf_bomb``, ``pdf_embedded_wrong_type``.
"""

from __future__ import annotations

import io
import logging
import zlib

from .model import Refused

MAX_OBJECTS = 50_000
MAX_TREE_DEPTH = 8  # /Kids levels of the /EmbeddedFiles name tree
MAX_TREE_NODES = 200
MAX_ATTACHMENTS = 50
MAX_XML_BYTES = 10 * 1024 * 1024  # the XML limit of safexml
MAX_RATIO = 200  # inflated : stored, for embedded files above RATIO_FLOOR
RATIO_FLOOR = 256 * 1024
CHUNK = 64 * 1024
PDF_MAGIC = b"%PDF-"

# Embedded file names of the invoice, lower case: Factur-X / ZUGFeRD 2.x, ZUGFeRD 1.0, XRechnung.
INVOICE_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml")
_XML_SUBTYPES = {"text/xml", "application/xml"}
_PROFILES = {  # BT-24 (GuidelineSpecifiedDocumentContextParameter) → Factur-X profile
    "urn:factur-x.eu:1p0:minimum": "MINIMUM",
    "urn:factur-x.eu:1p0:basicwl": "BASIC WL",
    "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic": "BASIC",
    "urn:cen.eu:en16931:2017": "EN 16931",
    "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended": "EXTENDED",
    "urn:zugferd.de:2p0:minimum": "MINIMUM",
    "urn:zugferd.de:2p0:basicwl": "BASIC WL",
    "urn:cen.eu:en16931:2017#compliant#urn:zugferd.de:2p0:basic": "BASIC",
    "urn:cen.eu:en16931:2017#conformant#urn:zugferd.de:2p0:extended": "EXTENDED",
}
HEADER_ONLY_PROFILES = frozenset({"MINIMUM", "BASIC WL"})


def profile_of(customization_id: str | None) -> str:
    """The Factur-X profile named by BT-24 ("" when it names none: plain CII, XRechnung …)."""
    value = (customization_id or "").strip()
    if value in _PROFILES:
        return _PROFILES[value]
    if "xrechnung" in value.lower():
        return "XRECHNUNG"
    return ""


def is_pdf(data: bytes) -> bool:
    return data[:1024].lstrip().startswith(PDF_MAGIC)


def _malformed(detail: object) -> Refused:
    return Refused("pdf_malformed", f"The PDF cannot be read: {str(detail)[:200]}.")


def _name_tree(node, depth: int, seen: list[int]) -> list[tuple[str, object]]:
    """(name, file specification) pairs of a name tree, within the depth and node limits."""
    from pypdf.generic import ArrayObject, DictionaryObject

    if depth > MAX_TREE_DEPTH:
        raise Refused(
            "pdf_too_deep", f"The PDF's list of embedded files is nested more than {MAX_TREE_DEPTH} deep."
        )
    seen.append(1)
    if len(seen) > MAX_TREE_NODES:
        raise Refused(
            "pdf_too_deep", f"The PDF's list of embedded files has more than {MAX_TREE_NODES} parts."
        )
    node = node.get_object() if node is not None else None
    if not isinstance(node, DictionaryObject):
        return []
    out: list[tuple[str, object]] = []
    names = node.get("/Names")
    names = names.get_object() if names is not None else None
    if isinstance(names, ArrayObject):
        for i in range(0, min(len(names), 2 * MAX_ATTACHMENTS) - 1, 2):
            out.append((str(names[i].get_object()), names[i + 1]))
    kids = node.get("/Kids")
    kids = kids.get_object() if kids is not None else None
    if isinstance(kids, ArrayObject):
        for kid in kids[:MAX_TREE_NODES]:
            out += _name_tree(kid, depth + 1, seen)
    return out[:MAX_ATTACHMENTS]


def _inflate(raw: bytes, name: str) -> bytes:
    inflater = zlib.decompressobj()
    out = bytearray()
    limit = MAX_XML_BYTES
    if len(raw) > RATIO_FLOOR:
        limit = min(limit, len(raw) * MAX_RATIO)
    view = memoryview(raw)
    try:
        for start in range(0, len(raw), CHUNK):
            out += inflater.decompress(view[start : start + CHUNK], limit + 1 - len(out))
            if len(out) > limit or inflater.unconsumed_tail:
                raise Refused(
                    "pdf_bomb", f"The embedded file {name} inflates to far more data than it holds."
                )
        out += inflater.flush(limit + 1 - len(out))
    except zlib.error as exc:
        raise _malformed(f"the embedded file {name} is damaged ({exc})") from None
    if len(out) > limit:
        raise Refused("pdf_bomb", f"The embedded file {name} inflates to far more data than it holds.")
    return bytes(out)


def _file_bytes(spec, name: str) -> bytes:
    """The bytes of one embedded file, with its declared kind and size checked first."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject

    spec = spec.get_object()
    ef = spec.get("/EF") if isinstance(spec, DictionaryObject) else None
    ef = ef.get_object() if ef is not None else None
    stream = (ef.get("/UF") or ef.get("/F")) if isinstance(ef, DictionaryObject) else None
    stream = stream.get_object() if stream is not None else None
    if stream is None or not hasattr(stream, "get_data"):
        raise _malformed(f"the embedded file {name} has no content")
    subtype = stream.get("/Subtype")
    if subtype is not None and str(subtype).lstrip("/").replace("#2F", "/").lower() not in _XML_SUBTYPES:
        raise Refused(
            "pdf_embedded_wrong_type",
            f"The embedded file {name} is declared as {str(subtype)[:60]}, not XML.",
        )
    params = stream.get("/Params")
    params = params.get_object() if params is not None else None
    declared = params.get("/Size") if isinstance(params, DictionaryObject) else None
    if declared is not None and int(declared) > MAX_XML_BYTES:
        raise Refused(
            "pdf_embedded_too_large",
            f"The embedded file {name} is {int(declared):,} bytes; the limit is {MAX_XML_BYTES:,}.",
        )
    raw = getattr(stream, "_data", b"") or b""
    filters = stream.get("/Filter")
    filters = filters.get_object() if filters is not None else None
    chain = list(filters) if isinstance(filters, ArrayObject) else ([] if filters is None else [filters])
    if (
        stream.get("/DecodeParms") is not None
        or any(f != NameObject("/FlateDecode") for f in chain)
        or len(chain) > 1
    ):
        raise Refused(
            "pdf_embedded_wrong_type",
            f"The embedded file {name} is stored with an encoding that is not accepted.",
        )
    data = _inflate(raw, name) if chain else raw
    if len(data) > MAX_XML_BYTES:
        raise Refused(
            "pdf_embedded_too_large", f"The embedded file {name} is larger than {MAX_XML_BYTES:,} bytes."
        )
    return data


def embedded_invoice(data: bytes) -> tuple[str, bytes]:
    """(embedded file name, XML bytes) of the invoice a Factur-X / ZUGFeRD / XRechnung PDF carries."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged PDFs are refused, not logged at length
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise Refused("pdf_encrypted", "The PDF is encrypted.")
        objects = sum(len(v) for v in reader.xref.values()) + len(reader.xref_objStm)
        if objects > MAX_OBJECTS:
            raise Refused(
                "pdf_too_many_objects", f"The PDF has {objects:,} objects; the limit is {MAX_OBJECTS:,}."
            )
        root = reader.trailer["/Root"].get_object()
        names = root.get("/Names")
        names = names.get_object() if names is not None else None
        tree = names.get("/EmbeddedFiles") if names is not None and hasattr(names, "get") else None
        files = _name_tree(tree, 0, []) if tree is not None else []
        wanted = [(n, spec) for n, spec in files if n.strip().lower() in INVOICE_NAMES]
        if not wanted:
            listed = ", ".join(sorted({n[:40] for n, _ in files})[:5]) or "none"
            raise Refused(
                "pdf_no_invoice",
                "The PDF carries no embedded e-invoice (factur-x.xml, zugferd-invoice.xml or xrechnung.xml); "
                f"embedded files: {listed}.",
            )
        name, spec = wanted[0]
        return name, _file_bytes(spec, name)
    except Refused:
        raise
    except RecursionError:
        raise Refused("pdf_too_deep", "The PDF's objects are nested too deeply.") from None
    except (PdfReadError, ValueError, TypeError, KeyError, AttributeError, IndexError, OSError) as exc:
        if isinstance(exc.__cause__ or exc.__context__, RecursionError):  # pypdf wraps it
            raise Refused("pdf_too_deep", "The PDF's objects are nested too deeply.") from None
        raise _malformed(exc) from None
    except Exception as exc:  # noqa: BLE001 - any other failure of a hostile file is a refusal, never a 500
        raise _malformed(type(exc).__name__) from None
