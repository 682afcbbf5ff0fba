"""EN 16931 (European e-invoice semantic model) for UBL 2.1 and UN/CEFACT CII D16B.

``extract(root)`` reads the semantic model (BT-/BG-) from either syntax, ``validate(root)`` checks
the business rules natively in Python and returns :class:`~invoicing.formats.model.Issue` objects
(``code`` is the official rule id, e.g. ``BR-CO-10``; fatal rules are errors, BR-51 a warning).
``COVERED_RULES`` lists the rule ids implemented; ``unit_suite.measure()`` compares them with the
CEN rule unit tests.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from ..model import Issue, Refused
from . import extract_cii, extract_ubl
from .model import Invoice
from .rules import RULES, check

COVERED_RULES: frozenset[str] = frozenset(RULES)

__all__ = ["COVERED_RULES", "Invoice", "detect", "extract", "validate", "check"]


def detect(root: etree._Element) -> str | None:
    """``"ubl"``, ``"cii"`` or ``None`` for a root element."""
    if root.tag in extract_ubl.ROOTS:
        return "ubl"
    if root.tag == extract_cii.ROOT:
        return "cii"
    return None


def extract(root: etree._Element) -> Invoice:
    """The semantic model of a UBL or CII invoice; :class:`Refused` for any other root."""
    syntax = detect(root)
    if syntax == "ubl":
        return extract_ubl.extract(root)
    if syntax == "cii":
        return extract_cii.extract(root)
    raise Refused("en16931_root", f"The root element {root.tag!r} is neither UBL 2.1 nor UN/CEFACT CII.")


def validate(root: etree._Element, only: Iterable[str] | None = None) -> list[Issue]:
    """Problems found reading the invoice, then every EN 16931 rule that fails (or those in ``only``)."""
    model = extract(root)
    return [*model.issues, *check(model, only)]
