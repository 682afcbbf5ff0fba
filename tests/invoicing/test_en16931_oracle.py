"""The native EN 16931 rules against the official CEN/TC 434 artefacts (release 1.3.16) as oracle.

Every UBL/CII invoice at hand is judged by both: the full samples in ../shared, the CEN rule
unit-test fragments, and invoices generated from the samples (one element removed, one code or
amount changed). The native rules must fire exactly the fatal rule ids the official schematron fires
(and its warnings as warnings), syntax-binding rules (UBL-CR-*, …) aside. Skipped where
../shared/en16931-official or saxonche is absent. About 30 s on one core.
"""

from __future__ import annotations

import pytest

from invoicing.formats.en16931 import oracle
from invoicing.formats.safexml import parse_xml
from tests.invoicing.samples import SHARED

pytestmark = pytest.mark.skipif(
    not oracle.available(SHARED), reason="../shared/en16931-official or saxonche is not available"
)

MUTANTS_PER_FILE = 10
# Known disagreement with the official artefacts, each checked by hand:
# - BR-IG-08-3 #5: the official stylesheet does not report BR-AF-04 for a document-level IGIC charge
#   without any seller tax identifier, although its own test text requires it; the native rule does.
KNOWN = {"unit/BR-IG-08-3.xml#5: errors extra ['BR-AF-04']"}
# Generated invoices whose native verdict still differs (CII corner cases of the VAT category
# breakdown rules); the share is reported by `make bench` and must not grow.
MIN_GENERATED_AGREEMENT = 0.99


@pytest.fixture(scope="module")
def judge():
    return oracle.Oracle(SHARED)


@pytest.fixture(scope="module")
def corpus():
    return oracle.corpus(SHARED, MUTANTS_PER_FILE)


def test_every_sample_and_cen_unit_test_gets_the_official_rule_ids(judge, corpus):
    given = [(name, root) for name, root in corpus if "~" not in name]
    result = oracle.agreement(judge, given)
    assert result["judged"] >= 900
    assert result["no_official_verdict"] == 0
    assert set(result["differences"]) == KNOWN


def test_official_examples_are_accepted_and_the_derived_invalid_ones_refused(judge):
    for path in oracle.corpus_files(SHARED):
        root = parse_xml(path.read_bytes())
        ours = oracle.native(root)
        assert ours.accepted == judge.verdict(root).accepted, path.name
        if path.parent.name in ("ubl", "cii"):
            assert ours.accepted, (path.name, ours.errors)


def test_generated_invoices_mostly_get_the_official_rule_ids(judge, corpus):
    generated = [(name, root) for name, root in corpus if "~" in name]
    result = oracle.agreement(judge, generated)
    assert result["judged"] >= 300
    share = result["same_rules"] / result["judged"]
    assert share >= MIN_GENERATED_AGREEMENT, "\n".join(result["differences"])
    assert result["same_verdict"] / result["judged"] >= 0.97, "\n".join(result["differences"])


def test_code_lists_of_release_1_3_16(judge):
    base = SHARED / "samples" / "en16931" / "ubl" / "ubl-tc434-example1.xml"
    text = base.read_text(encoding="utf-8")
    for currency, fires in (("CNH", False), ("HRK", True)):
        root = parse_xml(text.replace(">EUR<", f">{currency}<").replace('"EUR"', f'"{currency}"').encode())
        assert ("BR-CL-04" in oracle.native(root).errors) is fires
        assert ("BR-CL-04" in judge.verdict(root).errors) is fires
