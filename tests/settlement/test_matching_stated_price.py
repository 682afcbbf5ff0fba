"""A unit price the invoice states is always compared with the PO price, whatever the line
amount says (docs/matching.md); a stated price that differs only below a cent is rounding."""

import pytest

from settlement.services.matching import invoice_match
from tests.factories import LegalEntityFactory
from tests.settlement import match_flow_builders as flow
from tests.settlement.matching_builders import codes, invoice, line, match, po_line, receipt


def test_a_stated_price_far_from_the_po_price_is_reported_although_the_amount_is_right():
    # 100 × 0.50 = 50.00: the amount is what the PO price gives, but the invoice says 50.00 a unit
    result = match(
        invoice("I", [line("1", "100", "50.00", amount="50.00", ref="P1")]),
        [po_line("P1", "100", "0.50")],
        [receipt("R1", "P1", 1, "100")],
    )
    assert result.verdict == "exception"
    assert "price_above_tolerance" in codes(result)
    assert "Unit price 50.00" in result.lines[0].reasons[0].message


def test_a_stated_price_that_differs_only_below_a_cent_over_the_quantity_is_not_a_price_variance():
    result = match(
        invoice("I", [line("1", "3", "1.769912", amount="5.31", ref="P1")]),
        [po_line("P1", "3", "1.77")],
        [receipt("R1", "P1", 1, "3")],
    )
    assert result.verdict == "matched"
    assert codes(result) == []


def test_a_line_without_a_stated_price_is_judged_by_its_amount():
    result = match(
        invoice("I", [line("1", "100", "0.50", ref="P1", stated_price=False)]),
        [po_line("P1", "100", "0.50")],
        [receipt("R1", "P1", 1, "100")],
    )
    assert result.verdict == "matched"


@pytest.mark.django_db
def test_the_invoice_page_shows_finance_the_stated_price_variance(client, buyer, finance, supplier_a):
    entity = LegalEntityFactory()
    po = flow.make_po(buyer, supplier_a, entity, [("垫圈 M8", 100, "0.50")])
    flow.receive(buyer, po, {flow.po_lines(po)[0]: 100})
    inv = flow.make_invoice(supplier_a, entity, [flow.line("垫圈 M8", 100, "50.00", net="50.00")])

    invoice_match(invoice_id=inv.pk)

    inv.refresh_from_db()
    assert inv.state == "exception"
    client.force_login(finance)
    page = client.get(f"/settlement/matching/invoices/{inv.pk}/").content.decode()
    assert "50.00" in page and "0.50" in page and "price_above_tolerance" in page
