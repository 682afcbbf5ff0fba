"""The official CEN/TC 434 validation artefacts as an oracle for the native rules (tests, benchmarks).

The compiled schematron (XSLT 2.0) of release 1.3.16 lives outside the project, in
``../shared/en16931-official/``; it is run with Saxon-HE (``saxonche``, a dev dependency). Nothing in
the portal itself uses this module: it only tells how far the native rules agree with the official
verdicts. ``available(shared)`` is false when the artefacts or saxonche are missing.

Agreement is judged on the *multiset of rule ids per severity*: the official fatal asserts must be
exactly the native errors (rule ids only, not the number of contexts), the official warnings exactly
the native warnings. Rules the native set does not implement (UBL syntax rules UBL-CR-*, UBL-SR-*,
UBL-DT-*, CII-SR-*, CII-DT-*; see :data:`OUT_OF_SCOPE`) are left out of the comparison on both sides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ..model import Severity
from ..safexml import parse_xml
from . import COVERED_RULES, detect, extract
from .rules import check

ARTEFACTS = "en16931-official"
XSLT = {"ubl": "EN16931-UBL-validation.xslt", "cii": "EN16931-CII-validation.xslt"}
SVRL = "{http://purl.oclc.org/dsdl/svrl}"
# Syntax-binding rules (schema-like restrictions of the syntax, not EN 16931 business rules) are not
# implemented natively; the XSD-style checks of the portal's parsers cover what matters of them.
OUT_OF_SCOPE = re.compile(r"^(UBL-CR|UBL-SR|UBL-DT|CII-SR|CII-DT)-")


def available(shared: Path) -> bool:
    try:
        import saxonche  # noqa: F401
    except ImportError:
        return False
    return all((shared / ARTEFACTS / name).is_file() for name in XSLT.values())


@dataclass
class Verdict:
    errors: set[str] = field(default_factory=set)
    warnings: set[str] = field(default_factory=set)

    @property
    def accepted(self) -> bool:
        return not self.errors

    def comparable(self) -> tuple[frozenset[str], frozenset[str]]:
        keep = lambda ids: frozenset(i for i in ids if not OUT_OF_SCOPE.match(i))  # noqa: E731
        return keep(self.errors), keep(self.warnings)


class OracleError(Exception):
    """The official stylesheet stopped on the document (XPath dynamic error, e.g. a date that is not
    a date): it gives no verdict, so there is nothing to compare."""


class Oracle:
    """One Saxon processor with both stylesheets compiled once (compiling takes a few seconds)."""

    def __init__(self, shared: Path):
        from saxonche import PySaxonProcessor

        self._proc = PySaxonProcessor(license=False)
        self._xslt = self._proc.new_xslt30_processor()
        self._exec = {
            syntax: self._xslt.compile_stylesheet(stylesheet_file=str(shared / ARTEFACTS / name))
            for syntax, name in XSLT.items()
        }

    def verdict(self, root: etree._Element) -> Verdict:
        syntax = detect(root)
        if syntax is None:
            raise ValueError("neither UBL nor CII")
        node = self._proc.parse_xml(xml_text=etree.tostring(root, encoding="unicode"))
        from saxonche import PySaxonApiError

        try:
            svrl = self._exec[syntax].transform_to_string(xdm_node=node)
        except PySaxonApiError as exc:
            raise OracleError(str(exc).splitlines()[0]) from None
        out = Verdict()
        report = etree.fromstring(svrl.encode())  # noqa: S320 - produced by the official stylesheet
        for el in report.iter(f"{SVRL}failed-assert", f"{SVRL}successful-report"):
            rule = el.get("id") or ""
            (out.warnings if el.get("flag") == "warning" else out.errors).add(rule)
        return out


def native(root: etree._Element, *, only_covered: bool = False) -> Verdict:
    """The native verdict: rule ids fired as errors and as warnings (extraction issues excluded)."""
    out = Verdict()
    for issue in check(extract(root)):
        (out.errors if issue.severity == Severity.ERROR else out.warnings).add(issue.code)
    return out


@dataclass
class Comparison:
    name: str
    official: Verdict
    native: Verdict

    @property
    def same_verdict(self) -> bool:
        return self.official.accepted == self.native.accepted

    @property
    def same_rules(self) -> bool:
        return self.official.comparable() == self.native.comparable()

    def difference(self) -> str:
        (oe, ow), (ne, nw) = self.official.comparable(), self.native.comparable()
        parts = []
        for label, a, b in (("errors", oe, ne), ("warnings", ow, nw)):
            if a - b:
                parts.append(f"{label} missed {sorted(a - b)}")
            if b - a:
                parts.append(f"{label} extra {sorted(b - a)}")
        return f"{self.name}: " + "; ".join(parts)


def compare(oracle: Oracle, name: str, data: bytes | etree._Element) -> Comparison:
    root = data if isinstance(data, etree._Element) else parse_xml(data, what=name)
    return Comparison(name, oracle.verdict(root), native(root))


def corpus(shared: Path, mutants_per_file: int) -> list[tuple[str, etree._Element]]:
    """Every invoice to compare: the full samples, the CEN unit-test fragments, and
    ``mutants_per_file`` generated invoices per full sample."""
    from . import unit_suite

    out: list[tuple[str, etree._Element]] = []
    for path in corpus_files(shared):
        root = parse_xml(path.read_bytes(), what=path.name)
        out.append((f"{path.parent.name}/{path.name}", root))
        out += list(mutants(path.name, root, mutants_per_file))
    seen = set()
    for case in unit_suite.cases(shared):
        if (case.file, case.index) not in seen:
            seen.add((case.file, case.index))
            out.append((f"unit/{case.file}#{case.index}", case.fragment))
    return out


def agreement(oracle: Oracle, invoices: list[tuple[str, etree._Element]]) -> dict:
    """Compare every invoice; verdict and rule-set agreement over those the oracle could judge."""
    judged, same_verdict, same_rules, differences, no_verdict = 0, 0, 0, [], 0
    for name, root in invoices:
        try:
            c = Comparison(name, oracle.verdict(root), native(root))
        except OracleError:
            no_verdict += 1
            continue
        judged += 1
        same_verdict += c.same_verdict
        same_rules += c.same_rules
        if not c.same_rules:
            differences.append(c.difference())
    return {
        "judged": judged,
        "no_official_verdict": no_verdict,
        "same_verdict": same_verdict,
        "same_rules": same_rules,
        "differences": differences,
    }


def corpus_files(shared: Path) -> list[Path]:
    """Every full UBL/CII invoice under ``shared/samples/en16931`` (unit-test fragments excluded)."""
    base = shared / "samples" / "en16931"
    return sorted(
        p for sub in ("ubl", "cii", "xrechnung", "invalid-derived") for p in (base / sub).glob("*.xml")
    )


__all__ = [
    "COVERED_RULES",
    "Comparison",
    "Oracle",
    "OracleError",
    "Verdict",
    "available",
    "compare",
    "corpus_files",
    "native",
]


# -- generated invoices: mutations of the samples ------------------------------------------------

# Values put in place of a coded value or an amount, chosen to cross rule boundaries.
_CODE_SWAPS = ("CNH", "HRK", "0245", "XX", "S", "AE", "58", "30", "C62", "VATEX-EU-O", "")
_NUMBER_DELTAS = ("0.01", "-0.01", "1", "-1", "0.5", "100")


def mutants(name: str, root: etree._Element, count: int, seed: int = 16931):
    """``count`` invoices made from ``root``, each with one change: an element removed, a code
    replaced, an amount moved. Deterministic for a seed (the same corpus every run)."""
    import copy
    import random
    from decimal import Decimal, InvalidOperation

    rng = random.Random(f"{seed}:{name}")
    elements = [el for el in root.iter() if isinstance(el.tag, str) and el is not root]
    for n in range(count):
        doc = copy.deepcopy(root)
        targets = [el for el in doc.iter() if isinstance(el.tag, str) and el is not doc]
        el = targets[rng.randrange(len(elements))] if len(targets) == len(elements) else rng.choice(targets)
        kind = rng.choice(("remove", "value", "value", "attribute"))
        label = etree.QName(el).localname
        value = (el.text or "").strip()
        if kind == "value" and len(el) == 0 and value:
            try:
                number = Decimal(value)
            except InvalidOperation:
                el.text = rng.choice(_CODE_SWAPS)
            else:
                el.text = str(number + Decimal(rng.choice(_NUMBER_DELTAS)))
            yield f"{name}~{n}:{label}={el.text}", doc
        elif kind == "attribute" and el.attrib:
            attr = rng.choice(sorted(el.attrib))
            el.set(attr, rng.choice(_CODE_SWAPS))
            yield f"{name}~{n}:{label}@{attr}={el.get(attr)}", doc
        else:
            el.getparent().remove(el)
            yield f"{name}~{n}:-{label}", doc
