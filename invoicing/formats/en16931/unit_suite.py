"""Agreement with the CEN/TC 434 rule unit tests (vefa ``testSet`` files).

Each ``<test>`` holds a small invoice fragment and an ``<assert>`` naming rules that must not fire
(``<success>``) or must fire (``<error>``, ``<warning>``). The fragments are not full invoices, so
agreement is judged per rule: only the asserted rule is looked at, whatever else fires.

``measure(shared_dir)`` reads ``samples/en16931/unit-ubl`` and ``unit-cii`` below ``shared_dir`` and
reports how many checks of the covered rules agree; benchmarks and docs print it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ..model import Severity
from ..safexml import parse_xml
from . import COVERED_RULES, extract
from .rules import check

VEFA = "{http://difi.no/xsd/vefa/validator/1.0}"
SUITE_DIRS = ("samples/en16931/unit-ubl", "samples/en16931/unit-cii")
_EXPECT = {"success": None, "error": Severity.ERROR, "warning": Severity.WARNING}


@dataclass(frozen=True)
class Case:
    """One asserted rule of one test: ``expect`` is None (must not fire) or the severity it fires with."""

    file: str
    index: int  # 1-based position of the <test> in its file
    rule: str
    expect: Severity | None
    fragment: etree._Element
    description: str

    @property
    def id(self) -> str:
        return f"{self.file}#{self.index}:{self.rule}"


def cases(shared_dir: Path | str) -> Iterator[Case]:
    """Every asserted rule of every test in the suite, in file order."""
    for sub in SUITE_DIRS:
        folder = Path(shared_dir) / sub
        for path in sorted(folder.glob("*.xml")):
            root = parse_xml(path.read_bytes(), what=path.name)
            for index, test in enumerate(root.iterchildren(f"{VEFA}test"), start=1):
                assertion = test.find(f"{VEFA}assert")
                fragment = next(
                    (c for c in test if isinstance(c.tag, str) and not c.tag.startswith(VEFA)), None
                )
                if assertion is None or fragment is None:
                    continue
                description = " ".join((assertion.findtext(f"{VEFA}description") or "").split())
                standalone = copy.deepcopy(fragment)  # its own document: '/' is the invoice
                for el in assertion:
                    kind = etree.QName(el).localname
                    if kind in _EXPECT and el.text:
                        yield Case(path.name, index, el.text.strip(), _EXPECT[kind], standalone, description)


def outcome(case: Case) -> Severity | None:
    """The severity with which the case's rule fires on its fragment, or None when it does not fire."""
    issues = check(extract(case.fragment), only=[case.rule])
    return issues[0].severity if issues else None


def agrees(case: Case) -> bool:
    return outcome(case) == case.expect


def measure(shared_dir: Path | str) -> dict:
    """Rules covered, checks run and agreed, and the rules of the suite not implemented."""
    all_cases = list(cases(shared_dir))
    suite_rules = {c.rule for c in all_cases}
    run = [c for c in all_cases if c.rule in COVERED_RULES]
    disagreements = []
    for c in run:
        got = outcome(c)
        if got != c.expect:
            disagreements.append(f"{c.id} expected {c.expect or 'no issue'}, got {got or 'no issue'}")
    agreed = len(run) - len(disagreements)
    return {
        "rules_covered": len(COVERED_RULES),
        "rules_in_suite": len(suite_rules),
        "suite_rules_covered": len(suite_rules & COVERED_RULES),
        "tests_total": len(all_cases),
        "tests_run": len(run),
        "tests_agreed": agreed,
        "agreement": agreed / len(run) if run else 1.0,
        "uncovered_rules": sorted(suite_rules - COVERED_RULES),
        "covered_without_unit_tests": sorted(COVERED_RULES - suite_rules),
        "disagreements": disagreements,
    }


if __name__ == "__main__":  # pragma: no cover - manual use
    import json
    import sys

    print(json.dumps(measure(sys.argv[1] if len(sys.argv) > 1 else "../shared"), indent=2, default=str))
