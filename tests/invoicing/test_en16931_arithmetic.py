"""The portal's own arithmetic on EN 16931 invoices follows the standard and never rejects one.

EN 16931's rules decide acceptance; the portal's line and total checks use the standard's semantics
(price base quantity BT-149, line allowances and charges, VAT rounded per breakdown) and report a
real inconsistency as a warning with the figures.
"""

from __future__ import annotations

from datetime import date

import pytest
from lxml import etree

from invoicing.checks import check_file
from invoicing.formats.model import Severity
from invoicing.validation import ValidationContext
from tests.invoicing.samples import SAMPLES

EN = SAMPLES / "en16931"
CTX = ValidationContext(today=date.today(), max_age_days=100_000)
# Valid XRechnung files that the plain EN 16931 rules reject (listed in ../shared's SOURCES.md).
OFFICIALLY_FATAL = {
    "02.01a-cvd_INVOICE_ubl.xml": {"BR-CL-13"},
    "04.05a-INVOICE_uncefact.xml": {"BR-CL-10", "BR-CL-21"},
}
ARITHMETIC = {
    "line_net_mismatch",
    "tax_total_mismatch",
    "net_total_mismatch",
    "gross_mismatch",
    "payable_mismatch",
}
UBL = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}

needs_samples = pytest.mark.skipif(not (EN / "ubl").is_dir(), reason="../shared EN 16931 samples absent")


def _official_examples():
    if not EN.is_dir():
        return []
    return sorted(p for sub in ("ubl", "cii", "xrechnung") for p in (EN / sub).glob("*.xml"))


@needs_samples
@pytest.mark.parametrize("path", _official_examples(), ids=lambda p: p.name)
def test_no_official_example_is_rejected_for_the_portals_arithmetic(path):
    issues = check_file(path.read_bytes(), CTX).issues
    errors = {i.code for i in issues if i.severity == Severity.ERROR}
    assert errors == OFFICIALLY_FATAL.get(path.name, set())
    for issue in issues:
        if issue.code in ARITHMETIC:
            assert issue.severity == Severity.WARNING


def _first_line(root):
    return root.find("cac:InvoiceLine", UBL)


def _ubl_with_base_quantity(net: str) -> bytes:
    """ubl-tc434-example1 whose first line is 2500 units at 0.0154 per 0.0088 units (1.75 each)."""
    root = etree.fromstring((EN / "ubl" / "ubl-tc434-example1.xml").read_bytes())
    line = _first_line(root)
    line.find("cbc:InvoicedQuantity", UBL).text = "2500"
    line.find("cbc:LineExtensionAmount", UBL).text = net
    price = line.find("cac:Price", UBL)
    price.find("cbc:PriceAmount", UBL).text = "0.0154"
    for old in price.findall("cbc:BaseQuantity", UBL):
        price.remove(old)
    base = etree.SubElement(price, f"{{{UBL['cbc']}}}BaseQuantity", unitCode="EA")
    base.text = "0.0088"
    return etree.tostring(root)


@needs_samples
def test_price_base_quantity_is_honoured_and_a_real_difference_is_a_warning_with_the_figures():
    def line_one(issues):  # line 20 of the official example is inconsistent on its own
        return [i for i in issues if i.code == "line_net_mismatch" and i.message.startswith("Line 1 ")]

    consistent = check_file(_ubl_with_base_quantity("4375.00"), CTX)
    assert line_one(consistent.issues) == []
    assert consistent.invoice.lines[0].unit_price == pytest.approx(1.75)

    wrong = check_file(_ubl_with_base_quantity("4475.00"), CTX)
    found = line_one(wrong.issues)
    assert len(found) == 1 and found[0].severity == Severity.WARNING
    assert "2500 × 1.75 = 4,375.00" in found[0].message and "4,475.00" in found[0].message


@needs_samples
def test_line_allowances_and_charges_are_part_of_the_line_net():
    issues = check_file((EN / "ubl" / "BIS_Billing_30-Rabatter_och_avgifter.xml").read_bytes(), CTX).issues
    assert not {i.code for i in issues} & {"line_net_mismatch", "tax_total_mismatch"}


@needs_samples
def test_vat_is_computed_per_breakdown_so_document_charges_count():
    # example 3 has a document-level charge: per line rate the tax would be 280.00, per breakdown 305.00
    issues = check_file((EN / "ubl" / "ubl-tc434-example3.xml").read_bytes(), CTX).issues
    assert "tax_total_mismatch" not in {i.code for i in issues}
