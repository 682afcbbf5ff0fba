"""The one way to parse untrusted XML: no DTD, no entities, no network, bounded size."""

from __future__ import annotations

from lxml import etree

MAX_XML_BYTES = 10 * 1024 * 1024

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)


def parse_xml(data: bytes, *, what: str = "XML") -> etree._Element:
    """Parse ``data`` and return the root element, or raise :class:`Refused`.

    A DOCTYPE is refused outright (it is the carrier of entity expansion and external
    entity attacks and no invoice format needs one).
    """
    from .model import Refused

    if len(data) > MAX_XML_BYTES:
        raise Refused("xml_too_large", f"{what} is {len(data)} bytes; the limit is {MAX_XML_BYTES}.")
    head = data[:4096].lstrip()
    if b"<!DOCTYPE" in data[:65536].upper() or b"<!ENTITY" in data[:65536].upper():
        raise Refused("xml_doctype", f"{what} declares a DOCTYPE or entities, which are not allowed.")
    if not head:
        raise Refused("xml_empty", f"{what} is empty.")
    try:
        root = etree.fromstring(data, parser=_PARSER)  # noqa: S320 - parser is hardened above
    except etree.XMLSyntaxError as exc:
        raise Refused("xml_malformed", f"{what} is not well-formed XML: {exc.msg}.") from None
    except ValueError as exc:  # e.g. unknown encoding declarations
        raise Refused("xml_malformed", f"{what} cannot be decoded: {exc}.") from None
    if root.getroottree().docinfo.doctype:
        raise Refused("xml_doctype", f"{what} declares a DOCTYPE, which is not allowed.")
    return root


def local(tag: object) -> str:
    """Local name of an element tag, without its namespace."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]
