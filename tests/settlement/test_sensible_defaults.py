"""Defaults that make sense: with the default policy the 2 % line limit governs a one-line invoice
(the invoice-total limit is no tighter), and statement-first statements include the part of a
receipt line that no invoice has taken yet."""

from datetime import date
from decimal import Decimal

import pytest

from invoicing.models import Invoice
from settlement.management.commands.reconcile_scenario import default_policy
from settlement.models import Statement
from settlement.services.matching import invoice_match
from tests.factories import LegalEntityFactory
from tests.settlement import match_flow_builders as flow
from tests.settlement.matching_builders import invoice, line, match, po_line, receipt

pytestmark = pytest.mark.django_db


def test_the_default_policy_lets_a_one_line_invoice_within_the_line_limit_through():
    # 1.5 % above the PO: within the 2 % line and price limits, and the total limit is no tighter
    result = match(
        invoice("I", [line("1", "100", "10.15", ref="P1")]),
        [po_line("P1", "100", "10.00")],
        [receipt("R1", "P1", 1, "100")],
        policy=default_policy(),
    )
    assert result.verdict == "matched_within_tolerance"
    # three lines each +50.00 (within the per-line 50.00) add up beyond the invoice's 100.00
    wide = match(
        invoice("I", [line(str(n), "100", "30.50", ref=f"P{n}") for n in (1, 2, 3)]),
        [po_line(f"P{n}", "100", "30.00") for n in (1, 2, 3)],
        [receipt(f"R{n}", f"P{n}", 1, "100") for n in (1, 2, 3)],
        policy=default_policy(),
    )
    assert wide.verdict == "exception"
    assert [r.code for r in wide.reasons] == ["invoice_total_above_tolerance"]


def test_a_one_line_invoice_1_5_percent_above_the_po_is_approved_without_a_person(
    client, buyer, finance, supplier_a
):
    entity = LegalEntityFactory()
    po = flow.make_po(buyer, supplier_a, entity, [("螺栓 M8", 100, "10.00")])
    flow.receive(buyer, po, {flow.po_lines(po)[0]: 100})
    inv = flow.make_invoice(supplier_a, entity, [flow.line("螺栓 M8", 100, "10.15")])

    invoice_match(invoice_id=inv.pk)

    assert Invoice.objects.get(pk=inv.pk).state == "approved"
    client.force_login(finance)
    page = client.get(f"/settlement/matching/invoices/{inv.pk}/").content.decode()
    assert "line amount upper limit" in page and "global v1" in page


def test_a_statement_first_statement_bills_the_not_yet_invoiced_part_of_a_receipt_line(
    client, buyer, finance, supplier_a
):
    entity = LegalEntityFactory()
    po = flow.make_po(buyer, supplier_a, entity, [("螺栓 M8", 100, "2.00")])
    flow.receive(buyer, po, {flow.po_lines(po)[0]: 100}, day=date(2026, 3, 1))
    partial = flow.make_invoice(supplier_a, entity, [flow.line("螺栓 M8", 30, "2.00")])
    invoice_match(invoice_id=partial.pk)
    assert Invoice.objects.get(pk=partial.pk).state == "approved"
    client.force_login(finance)

    response = client.post(
        "/settlement/statements/new/",
        {
            "kind": "statement_first",
            "supplier": supplier_a.pk,
            "legal_entity": entity.pk,
            "period_from": "2026-03-01",
            "period_to": "2026-03-31",
        },
    )

    assert response.status_code == 302
    statement = Statement.objects.get()
    line_ = statement.lines.get()
    assert line_.quantity == Decimal("70") and line_.net == Decimal("140.00")
    page = client.get(f"/settlement/statements/{statement.pk}/").content.decode()
    assert "140.00" in page
