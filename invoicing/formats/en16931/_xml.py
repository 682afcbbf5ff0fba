"""Small helpers the two extractors share: text, numbers and dates read defensively."""

from __future__ import annotations

import re
from decimal import Context, Decimal, InvalidOperation

from lxml import etree

from ..model import Issue, Severity

# xs:decimal lexical form: optional sign, digits with an optional fraction; no exponent. Amounts,
# quantities and rates longer than 20 integer / 16 fraction digits are refused as not sensible
# (and so that no arithmetic on them can overflow).
_DECIMAL = re.compile(r"[+-]?(?:\d{1,20}(?:\.\d{0,16})?|\.\d{1,16})")
# Arithmetic on invoice numbers runs in this context: with the digit limits above, 80 significant
# digits keep every sum, product and cent rounding exact.
DECIMALS = Context(prec=80)

_is_decimal = _DECIMAL.fullmatch
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_102 = re.compile(r"\d{8}")


def norm(value: str | None) -> str:
    """XPath normalize-space()."""
    return " ".join(value.split()) if value else ""


def short(value: str, limit: int = 40) -> str:
    """``repr`` of a value for a message, cut to ``limit`` characters."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


def text(el: etree._Element | None) -> str | None:
    """Normalised text of an element, ``None`` when the element is absent."""
    if el is None:
        return None
    value = el.text
    return " ".join(value.split()) if value else ""


def texts(els: list[etree._Element]) -> list[str]:
    return [norm(e.text) for e in els]


class Reader:
    """Reads numbers and dates out of elements, collecting an issue for each one that is bad."""

    __slots__ = ("issues",)

    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def number(self, el: etree._Element | None, what: str) -> Decimal | None:
        if el is None:
            return None
        raw = (el.text or "").strip()
        if _is_decimal(raw):
            try:
                return Decimal(raw)
            except InvalidOperation:  # pragma: no cover - the pattern already guards this
                pass
        self.issues.append(
            Issue(
                "bad_number",
                Severity.ERROR,
                f"{what} is {short(raw)}, which is not a decimal number (or is too long).",
            )
        )
        return None

    def iso_date(self, el: etree._Element | None, what: str) -> str | None:
        """A UBL date (yyyy-mm-dd, an optional time zone is dropped)."""
        if el is None:
            return None
        raw = norm(el.text)
        if _ISO_DATE.match(raw):
            return raw[:10]
        self.issues.append(
            Issue("bad_date", Severity.ERROR, f"{what} is {short(raw)}, not a yyyy-mm-dd date.")
        )
        return raw

    def date_102(self, el: etree._Element | None, what: str) -> str | None:
        """A CII date string; format 102 (yyyymmdd) becomes yyyy-mm-dd."""
        if el is None:
            return None
        raw = norm(el.text)
        fmt = el.get("format", "102")
        if fmt == "102" and _DATE_102.fullmatch(raw):
            return f"{raw[:4]}-{raw[4:6]}-{raw[6:]}"
        self.issues.append(
            Issue(
                "bad_date",
                Severity.ERROR,
                f"{what} is {short(raw)} (format {short(fmt, 10)}), not a yyyymmdd date.",
            )
        )
        return raw


# -- child lookups ----------------------------------------------------------------------------
# ElementPath ``find`` costs several microseconds a call; the extractors instead index the
# children of an element once (``kids``) and look tags up in that dict.

Kids = dict[str, list[etree._Element]]
_EMPTY: Kids = {}


def kids(el: etree._Element | None) -> Kids:
    """The element's child elements grouped by tag (Clark notation)."""
    if el is None:
        return _EMPTY
    out: Kids = {}
    for child in el:
        out.setdefault(child.tag, []).append(child)
    return out


def one(k: Kids, tag: str) -> etree._Element | None:
    found = k.get(tag)
    return found[0] if found else None


def many(k: Kids, tag: str) -> list[etree._Element]:
    return k.get(tag, [])


def text_of(k: Kids, tag: str) -> str | None:
    found = k.get(tag)
    if not found:
        return None
    value = found[0].text  # norm() inlined: this runs a hundred times per invoice
    return " ".join(value.split()) if value else ""


def children(el: etree._Element, tag: str) -> list[etree._Element]:
    """The child elements with ``tag`` (a plain loop: ``iterchildren(tag)`` builds a matcher per call)."""
    return [child for child in el if child.tag == tag]


def walk(el: etree._Element | None, *tags: str) -> etree._Element | None:
    """The first element down a path of child tags (for paths looked up once)."""
    for tag in tags:
        if el is None:
            return None
        # a plain loop: iterchildren(tag) builds a tag matcher per call, which costs more than
        # comparing the few children an invoice element has
        for child in el:
            if child.tag == tag:
                el = child
                break
        else:
            return None
    return el


class Ns:
    """``Ns(uri).Name`` is the Clark tag ``{uri}Name`` (computed once, then a plain attribute)."""

    def __init__(self, uri: str) -> None:
        self._uri = uri

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        tag = f"{{{self._uri}}}{name}"
        setattr(self, name, tag)
        return tag
