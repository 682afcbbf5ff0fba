"""The native EN 16931 rules against the official CEN/TC 434 artefacts (release 1.3.16) as oracle.

Every UBL/CII invoice at hand is judged by both: the full samples in ../shared, the CEN rule
unit-test fragments, and invoices generated from the samples (one element removed, one code or
amount changed). The native rules must fire exactly the fatal rule ids the official schematron fires
(and its warnings as warnings), syntax-binding rules (UBL-CR-*, …) aside. Skipped where
../shared/en16931-official or saxonche is absent. About 30 s on one core.
"""

from __future__ import annotations

import pytest
from lxml import etree

from invoicing.formats.en16931 import oracle
from invoicing.formats.safexml import parse_xml
from tests.invoicing.samples import SHARED

pytestmark = pytest.mark.skipif(
    not oracle.available(SHARED), reason="../shared/en16931-official or saxonche is not available"
)

MUTANTS_PER_FILE = 10  # `make bench` reports on 20 per file


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
    assert result["differences"] == []


def test_official_examples_are_accepted_and_the_derived_invalid_ones_refused(judge):
    for path in oracle.corpus_files(SHARED):
        root = parse_xml(path.read_bytes())
        ours = oracle.native(root)
        assert ours.accepted == judge.verdict(root).accepted, path.name
        if path.parent.name in ("ubl", "cii"):
            assert ours.accepted, (path.name, ours.errors)


def test_generated_invoices_get_the_official_rule_ids(judge, corpus):
    generated = [(name, root) for name, root in corpus if "~" in name]
    result = oracle.agreement(judge, generated)
    assert result["judged"] >= 300
    assert result["differences"] == []


def test_code_lists_of_release_1_3_16(judge):
    base = SHARED / "samples" / "en16931" / "ubl" / "ubl-tc434-example1.xml"
    text = base.read_text(encoding="utf-8")
    for currency, fires in (("CNH", False), ("HRK", True)):
        root = parse_xml(text.replace(">EUR<", f">{currency}<").replace('"EUR"', f'"{currency}"').encode())
        assert ("BR-CL-04" in oracle.native(root).errors) is fires
        assert ("BR-CL-04" in judge.verdict(root).errors) is fires


# -- the CII corner cases the issue names, each compared with the official verdict ----------------

RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"


def _all(root, tag):
    return list(root.iter(f"{{{RAM}}}{tag}"))


def _drop(root, tag):
    for el in _all(root, tag):
        el.getparent().remove(el)


def _set(root, tag, value, index=0):
    _all(root, tag)[index].text = value


def _header_tax(root):
    return [
        t for t in _all(root, "ApplicableTradeTax") if t.getparent().tag.endswith("HeaderTradeSettlement")
    ]


def _no_lines(root):
    _drop(root, "IncludedSupplyChainTradeLineItem")
    for tax in _header_tax(root):
        tax.getparent().remove(tax)


def _credit_transfer_without_account(root):
    _drop(root, "PayeePartyCreditorFinancialAccount")
    for code in _all(root, "SpecifiedTradeSettlementPaymentMeans"):
        code.find(f"{{{RAM}}}TypeCode").text = "58"


def _seller_unidentified(root):
    seller = _all(root, "SellerTradeParty")[0]
    for tag in ("ID", "GlobalID", "SpecifiedLegalOrganization", "SpecifiedTaxRegistration"):
        for el in seller.findall(f"{{{RAM}}}{tag}"):
            seller.remove(el)


def _line_s_not_vat(root):
    line_tax = [
        t for t in _all(root, "ApplicableTradeTax") if t.getparent().tag.endswith("LineTradeSettlement")
    ]
    line_tax[0].find(f"{{{RAM}}}TypeCode").text = "GST"


def _issue_date_without_format(root):
    dts = root.find(f"{{{RSM}}}ExchangedDocument/{{{RAM}}}IssueDateTime/{{{UDT}}}DateTimeString")
    del dts.attrib["format"]


def _line_document_without_id(root):
    settlement = _all(root, "SpecifiedLineTradeSettlement")[0]
    etree.SubElement(settlement, f"{{{RAM}}}AdditionalReferencedDocument")


def _o_breakdown_without_basis(root):
    for tax in _all(root, "ApplicableTradeTax"):
        tax.find(f"{{{RAM}}}CategoryCode").text = "O"
        for tag in ("RateApplicablePercent", "BasisAmount"):
            for el in tax.findall(f"{{{RAM}}}{tag}"):
                tax.remove(el)


def _currency_cnh(root):
    for el in root.iter():
        if "currencyID" in el.attrib:
            el.set("currencyID", "CNH")
    _set(root, "InvoiceCurrencyCode", "CNH")


# name: (edit of CII example 1, a rule id, whether the official artefacts fire it)
CII_CASES = {
    "BR-CO-17 at its ±1 boundary": (lambda r: _set(r, "CalculatedAmount", "11.99"), "BR-CO-17", False),
    "BR-CO-17 beyond the boundary": (lambda r: _set(r, "CalculatedAmount", "12.00"), "BR-CO-17", True),
    "BR-CO-18 without lines": (_no_lines, "BR-CO-18", False),
    "BR-09/-11 without addresses": (lambda r: _drop(r, "PostalTradeAddress"), "BR-09", True),
    "BR-61 credit transfer without account": (_credit_transfer_without_account, "BR-61", False),
    "BR-CO-26 seller without identifier": (_seller_unidentified, "BR-CO-26", True),
    "BR-S-01 S line outside the VAT scheme": (_line_s_not_vat, "BR-S-01", False),
    "BR-CL-04 currency CNH": (_currency_cnh, "BR-CL-04", False),
    "BR-S-08 taxable amount off by 0.01": (lambda r: _set(r, "BasisAmount", "183.22"), "BR-S-08", True),
    "BR-03 issue date without format 102": (_issue_date_without_format, "BR-03", True),
    "BR-52 line document without an id": (_line_document_without_id, "BR-52", True),
    "BR-45 not checked on an O breakdown": (_o_breakdown_without_basis, "BR-45", False),
}


@pytest.mark.parametrize(("edit", "rule", "fires"), list(CII_CASES.values()), ids=list(CII_CASES))
def test_cii_corner_cases_get_the_official_rule_ids(judge, edit, rule, fires):
    root = parse_xml((SHARED / "samples" / "en16931" / "cii" / "CII_example1.xml").read_bytes())
    edit(root)
    comparison = oracle.Comparison("case", judge.verdict(root), oracle.native(root))
    assert (rule in comparison.official.errors) is fires
    assert comparison.same_rules, comparison.difference()
