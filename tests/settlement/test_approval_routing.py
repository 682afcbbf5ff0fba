"""Approval routing as data on the exception desk: an invoice without a PO line needs two
different finance approvers; a rule can send a price exception to the PO's buyer for a comment
before finance decides; nobody approves twice in one chain. Through the pages."""

from decimal import Decimal

import pytest

from core.selectors import transition_log_for
from invoicing.models import Invoice
from settlement.models import ApprovalRule, ApprovalStep
from settlement.services.matching import invoice_match
from tests.factories import LegalEntityFactory, UserFactory
from tests.settlement import match_flow_builders as flow

pytestmark = pytest.mark.django_db


def _state(invoice):
    return Invoice.objects.get(pk=invoice.pk).state


def _post(client, user, url, data):
    """Post a form of the match page as ``user``; the page shown afterwards (with its message)."""
    client.force_login(user)
    back = url.rsplit("/", 2)[0] + "/"
    return client.post(url, data, HTTP_REFERER=back, follow=True).content.decode()


@pytest.fixture
def entity():
    return LegalEntityFactory()


def test_an_invoice_without_a_po_line_needs_a_second_different_finance_approver(
    client, finance, supplier_a, entity
):
    second = UserFactory(username="finance2", role="finance")
    invoice = flow.make_invoice(supplier_a, entity, [flow.line("办公椅", 2, "800.00")])
    invoice_match(invoice_id=invoice.pk)
    assert _state(invoice) == "exception"
    url = f"/settlement/matching/invoices/{invoice.pk}/accept/"

    page = _post(client, finance, url, {"reason": "chairs ordered by phone"})
    assert "another finance approver" in page
    assert _state(invoice) == "exception"

    again = _post(client, finance, url, {"reason": "me again"})
    assert "already approved" in again and _state(invoice) == "exception"

    _post(client, second, url, {"reason": "confirmed with the office manager"})
    assert _state(invoice) == "approved"
    assert transition_log_for(invoice).get(transition="approve").actor == second
    approvals = ApprovalStep.objects.filter(case__invoice=invoice, kind="approval")
    assert [s.actor for s in approvals] == [finance, second]
    client.force_login(finance)
    detail = client.get(f"/settlement/matching/invoices/{invoice.pk}/").content.decode()
    assert "chairs ordered by phone" in detail and "confirmed with the office manager" in detail


def test_a_price_exception_is_sent_to_the_buyer_who_confirms_the_price_before_finance_decides(
    client, buyer, finance, supplier_a, entity
):
    ApprovalRule.objects.create(
        name="Price above tolerance: the buyer confirms",
        reason_code="price_above_tolerance",
        comment_from="buyer",
    )
    po = flow.make_po(buyer, supplier_a, entity, [("螺栓 M8", 100, "2.00")])
    flow.receive(buyer, po, {flow.po_lines(po)[0]: 100})
    invoice = flow.make_invoice(supplier_a, entity, [flow.line("螺栓 M8", 100, "2.20")])
    invoice_match(invoice_id=invoice.pk)
    base = f"/settlement/matching/invoices/{invoice.pk}"

    refused = _post(client, finance, f"{base}/accept/", {"reason": "ok"})
    assert "needs a comment from" in refused and _state(invoice) == "exception"

    _post(client, finance, f"{base}/ask/", {"role": "buyer", "question": "Is 2.20 the agreed price?"})
    client.force_login(buyer)
    waiting = client.get("/settlement/matching/comments/").content.decode()
    assert "Is 2.20 the agreed price?" in waiting and invoice.invoice_number in waiting
    _post(client, buyer, f"{base}/comment/", {"text": "price confirmed 价格已确认"})
    assert "Nothing is waiting" in client.get("/settlement/matching/comments/").content.decode()

    client.force_login(finance)
    detail = client.get(f"{base}/").content.decode()
    assert "price confirmed 价格已确认" in detail
    _post(client, finance, f"{base}/accept/", {"reason": "buyer confirmed the price"})
    assert _state(invoice) == "approved"


def test_only_the_person_asked_may_comment(client, buyer, buyer2, finance, supplier_a, entity):
    po = flow.make_po(buyer, supplier_a, entity, [("螺栓 M8", 100, "2.00")])
    flow.receive(buyer, po, {flow.po_lines(po)[0]: 100})
    invoice = flow.make_invoice(supplier_a, entity, [flow.line("螺栓 M8", 100, "2.20")])
    invoice_match(invoice_id=invoice.pk)
    base = f"/settlement/matching/invoices/{invoice.pk}"
    _post(client, finance, f"{base}/ask/", {"role": "buyer", "question": "price?"})

    client.force_login(buyer2)
    response = client.post(f"{base}/comment/", {"text": "not mine"})

    assert response.status_code == 403
    assert not ApprovalStep.objects.filter(kind="comment").exists()


def test_a_large_exception_needs_two_approvers_and_a_small_one_does_not(
    client, buyer, finance, supplier_a, entity
):
    po = flow.make_po(buyer, supplier_a, entity, [("螺栓 M8", 100000, "2.00"), ("垫圈", 10, "2.00")])
    first, second_line = flow.po_lines(po)
    flow.receive(buyer, po, {first: 100000, second_line: 10})
    large = flow.make_invoice(supplier_a, entity, [flow.line("螺栓 M8", 100000, "2.20")])
    small = flow.make_invoice(supplier_a, entity, [flow.line("垫圈", 10, "2.20")])
    for invoice in (large, small):
        invoice_match(invoice_id=invoice.pk)
    assert abs(Invoice.objects.get(pk=large.pk).gross_amount) > Decimal("50000")

    _post(client, finance, f"/settlement/matching/invoices/{small.pk}/accept/", {"reason": "ok"})
    _post(client, finance, f"/settlement/matching/invoices/{large.pk}/accept/", {"reason": "ok"})

    assert _state(small) == "approved" and _state(large) == "exception"


def test_the_api_sends_for_comment_takes_the_comment_and_refuses_a_second_approval_by_the_same_person(
    client, buyer, finance, supplier_a, entity
):
    from core.services import api_token_create

    def call(user, url, body):
        token = api_token_create(user=user, name="erp")[1]
        return client.post(url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")

    invoice = flow.make_invoice(supplier_a, entity, [flow.line("办公椅", 2, "800.00")])
    invoice_match(invoice_id=invoice.pk)
    base = f"/api/matching/invoices/{invoice.pk}"

    first = call(finance, f"{base}/accept", {"reason": "ok"})
    assert first.status_code == 200 and first.json()["invoice_state"] == "exception"
    again = call(finance, f"{base}/accept", {"reason": "ok"})
    assert again.status_code == 409 and again.json()["code"] == "already_approved_in_chain"
    nobody = call(finance, f"{base}/ask-comment", {"role": "buyer", "question": "?"})
    assert nobody.status_code == 400 and nobody.json()["code"] == "nobody_to_ask"


def test_a_quantity_exception_is_sent_to_the_receiver_who_says_the_goods_arrived(
    client, buyer, finance, supplier_a, entity
):
    ApprovalRule.objects.create(
        name="Not received: the receiver confirms",
        reason_code="quantity_not_received",
        comment_from="receiver",
    )
    storekeeper = UserFactory(username="storekeeper", role="buyer")
    po = flow.make_po(buyer, supplier_a, entity, [("螺栓 M8", 100, "2.00")])
    flow.receive(storekeeper, po, {flow.po_lines(po)[0]: 60})
    invoice = flow.make_invoice(supplier_a, entity, [flow.line("螺栓 M8", 100, "2.00")])
    invoice_match(invoice_id=invoice.pk)
    base = f"/settlement/matching/invoices/{invoice.pk}"
    assert _state(invoice) == "exception"

    refused = _post(client, finance, f"{base}/accept/", {"reason": "ok"})
    assert "needs a comment from" in refused and _state(invoice) == "exception"
    _post(client, finance, f"{base}/ask/", {"role": "receiver", "question": "Did the other 40 arrive?"})
    request = ApprovalStep.objects.get(kind="comment_request")
    assert (request.addressed_to, request.role) == (storekeeper, "receiver")  # not the PO's buyer

    client.force_login(storekeeper)
    assert "Did the other 40 arrive?" in client.get("/settlement/matching/comments/").content.decode()
    _post(client, storekeeper, f"{base}/comment/", {"text": "goods arrived 货已到, receipt follows"})
    _post(client, finance, f"{base}/accept/", {"reason": "receiver confirmed"})

    assert _state(invoice) == "approved"
    kinds = list(
        ApprovalStep.objects.filter(case__invoice=invoice).order_by("pk").values_list("kind", "actor")
    )
    assert kinds == [("comment_request", finance.pk), ("comment", storekeeper.pk), ("approval", finance.pk)]


def test_above_the_threshold_a_second_different_approver_completes_the_chain_and_nobody_approves_twice(
    client, buyer, finance, supplier_a, entity
):
    second = UserFactory(username="finance2", role="finance")
    po = flow.make_po(buyer, supplier_a, entity, [("螺栓 M8", 100000, "2.00")])
    flow.receive(buyer, po, {flow.po_lines(po)[0]: 100000})
    invoice = flow.make_invoice(supplier_a, entity, [flow.line("螺栓 M8", 100000, "2.20")])
    invoice_match(invoice_id=invoice.pk)
    url = f"/settlement/matching/invoices/{invoice.pk}/accept/"

    first = _post(client, finance, url, {"reason": "price rise agreed"})
    assert "another finance approver" in first and _state(invoice) == "exception"
    twice = _post(client, finance, url, {"reason": "again"})
    assert "already approved" in twice and _state(invoice) == "exception"
    _post(client, second, url, {"reason": "checked the contract"})

    assert _state(invoice) == "approved"
    approvals = ApprovalStep.objects.filter(case__invoice=invoice, kind="approval").order_by("pk")
    assert [s.actor for s in approvals] == [finance, second]


def test_a_rule_for_one_legal_entity_asks_a_second_approver_there_and_nowhere_else(
    client, buyer, finance, supplier_a, entity
):
    ApprovalRule.objects.create(
        name="Entity A: two approvers", legal_entity=entity, second_approver_above=100
    )
    other_entity = LegalEntityFactory()
    invoices = []
    for legal_entity in (entity, other_entity):
        po = flow.make_po(buyer, supplier_a, legal_entity, [("螺栓 M8", 100, "2.00")])
        flow.receive(buyer, po, {flow.po_lines(po)[0]: 100})
        invoice = flow.make_invoice(supplier_a, legal_entity, [flow.line("螺栓 M8", 100, "2.20")])
        invoice_match(invoice_id=invoice.pk)
        invoices.append(invoice)
        _post(client, finance, f"/settlement/matching/invoices/{invoice.pk}/accept/", {"reason": "ok"})

    assert [_state(invoice) for invoice in invoices] == ["exception", "approved"]
