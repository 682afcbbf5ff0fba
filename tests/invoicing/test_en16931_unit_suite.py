"""Agreement with the CEN/TC 434 rule unit tests: every check of every covered rule must agree."""

import pytest

from invoicing.formats.en16931 import COVERED_RULES, unit_suite
from tests.invoicing.samples import SHARED

SUITE_PRESENT = (SHARED / unit_suite.SUITE_DIRS[0]).is_dir()
CASES = [c for c in unit_suite.cases(SHARED) if c.rule in COVERED_RULES] if SUITE_PRESENT else []
needs_suite = pytest.mark.skipif(not SUITE_PRESENT, reason=f"{SHARED} has no CEN unit test suite")

# Rules of the suite deliberately not implemented (see unit_suite.measure()["uncovered_rules"]):
# the UBL-only syntax rules, which are not EN 16931 business rules.
NOT_COVERED: set[str] = set()


@needs_suite
@pytest.mark.parametrize("case", CASES or [None], ids=[c.id for c in CASES] or ["none"])
def test_covered_rule_agrees_with_cen_unit_test(case):
    got = unit_suite.outcome(case)
    assert got == case.expect, f"{case.id}: {case.description}"


@needs_suite
def test_measure_reports_full_agreement():
    result = unit_suite.measure(SHARED)
    assert result["disagreements"] == []
    assert result["tests_agreed"] == result["tests_run"] == len(CASES)
    assert result["tests_run"] >= 850
    assert result["agreement"] == 1.0
    uncovered = set(result["uncovered_rules"])
    assert {r for r in uncovered if not r.startswith("UBL-")} == NOT_COVERED


@needs_suite
def test_every_covered_rule_with_unit_tests_is_seen_passing_and_failing():
    by_rule: dict[str, set] = {}
    for case in CASES:
        by_rule.setdefault(case.rule, set()).add(case.expect is None)
    one_sided = {r for r, kinds in by_rule.items() if kinds != {True, False}}
    assert one_sided == set()
