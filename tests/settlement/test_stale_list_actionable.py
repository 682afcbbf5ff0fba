"""The stale-match list on the exception desk holds only what finance can still act on."""

import pytest

from invoicing.models import Invoice
from settlement.models import MatchResult
from settlement.services.matching import invoice_match
from tests.factories import LegalEntityFactory
from tests.settlement import match_flow_builders as flow

pytestmark = pytest.mark.django_db


def test_a_paid_invoice_leaves_the_stale_match_list(client, buyer, finance, supplier_a):
    entity = LegalEntityFactory()
    po = flow.make_po(buyer, supplier_a, entity, [("螺栓 M8", 100, "2.00")])
    flow.receive(buyer, po, {flow.po_lines(po)[0]: 100})
    approved = flow.make_invoice(supplier_a, entity, [flow.line("螺栓 M8", 50, "2.00")], number="STALE-A")
    paid = flow.make_invoice(supplier_a, entity, [flow.line("螺栓 M8", 50, "2.00")], number="STALE-P")
    for invoice in (approved, paid):
        invoice_match(invoice_id=invoice.pk)
    MatchResult.objects.filter(is_current=True).update(is_stale=True)  # e.g. a return after approval
    Invoice.objects.filter(pk=paid.pk).update(state="paid")
    client.force_login(finance)

    page = client.get("/settlement/matching/exceptions/").content.decode()

    stale = page[page.index("STALE-A") - 200 :]
    assert "STALE-A" in stale and "STALE-P" not in page


@pytest.mark.parametrize("state", ["scheduled", "paid", "credited", "cancelled", "rejected"])
def test_an_invoice_nobody_can_match_again_is_not_on_the_stale_list(
    client, buyer, finance, supplier_a, state
):
    entity = LegalEntityFactory()
    po = flow.make_po(buyer, supplier_a, entity, [("螺栓 M8", 100, "2.00")])
    flow.receive(buyer, po, {flow.po_lines(po)[0]: 100})
    invoice = flow.make_invoice(supplier_a, entity, [flow.line("螺栓 M8", 50, "2.00")], number="STALE-X")
    invoice_match(invoice_id=invoice.pk)
    MatchResult.objects.filter(is_current=True).update(is_stale=True)
    Invoice.objects.filter(pk=invoice.pk).update(state=state)
    client.force_login(finance)

    assert "STALE-X" not in client.get("/settlement/matching/exceptions/").content.decode()


def test_every_invoice_on_the_stale_list_can_be_matched_again_from_its_page_and_then_leaves_it(
    client, buyer, finance, supplier_a
):
    entity = LegalEntityFactory()
    po = flow.make_po(buyer, supplier_a, entity, [("螺栓 M8", 100, "2.00")])
    flow.receive(buyer, po, {flow.po_lines(po)[0]: 100})
    numbers = ["STALE-1", "STALE-2"]
    for number in numbers:
        invoice = flow.make_invoice(supplier_a, entity, [flow.line("螺栓 M8", 50, "2.00")], number=number)
        invoice_match(invoice_id=invoice.pk)
    MatchResult.objects.filter(is_current=True).update(is_stale=True)
    client.force_login(finance)

    for invoice in Invoice.objects.filter(invoice_number__in=numbers):
        detail = client.get(f"/settlement/matching/invoices/{invoice.pk}/").content.decode()
        assert f"/settlement/matching/invoices/{invoice.pk}/rematch/" in detail  # the action is offered
        client.post(f"/settlement/matching/invoices/{invoice.pk}/rematch/", {"reason": "inputs changed"})

    page = client.get("/settlement/matching/exceptions/").content.decode()
    assert not any(number in page for number in numbers)
    assert not MatchResult.objects.filter(is_current=True, is_stale=True).exists()
