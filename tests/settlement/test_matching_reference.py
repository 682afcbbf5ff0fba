"""The engine gives exactly the answers it gave before its speed work, on thousands of generated cases.

Every pairing, allocation, variance, verdict, reason (message and text) and the input hash are
compared, through the fingerprints in ``tests/settlement/data/matching_reference.json`` (see
:mod:`tests.settlement.matching_reference`).
"""

import json
from decimal import Decimal

from settlement.matching import Allocation
from tests.settlement.matching_reference import (
    LARGE,
    QUALITY,
    REFERENCE,
    fingerprint,
    large_fingerprints,
    quality_fingerprints,
)

SAVED = json.loads(REFERENCE.read_text(encoding="utf-8"))


def test_the_reference_covers_the_cases_it_names():
    assert (SAVED["quality"]["cases"], SAVED["quality"]["seed"]) == QUALITY
    assert len(SAVED["quality"]["fingerprints"]) == QUALITY[0]
    assert [tuple(x) for x in SAVED["large"]["cases"]] == list(LARGE)


def test_every_generated_case_gets_the_same_full_result_as_the_reference():
    now = quality_fingerprints()

    changed = [
        n for n, (a, b) in enumerate(zip(now, SAVED["quality"]["fingerprints"], strict=True)) if a != b
    ]
    assert changed == [], f"{len(changed)} of {len(now)} cases changed, first: case {changed[:5]}"


def test_large_invoices_get_the_same_full_result_as_the_reference():
    assert large_fingerprints() == SAVED["large"]["fingerprints"]


def test_the_fingerprint_sees_a_decimal_written_differently():
    assert fingerprint(Allocation("1", "2", None, Decimal("10"))) != fingerprint(
        Allocation("1", "2", None, Decimal("10.00"))
    )
