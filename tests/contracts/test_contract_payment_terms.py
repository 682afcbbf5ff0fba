"""A contract's payment terms are set in the portal: offered on the buyer's new-contract form
(choices from the terms data), changed on the contract's page, shown there, written in its
history; what is ordered under the contract (PO lines priced from it) is due by them."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contracts.models import Contract
from core.selectors import transition_log_for
from core.services import run_transition
from procurement.models import Item, PurchaseOrder
from procurement.services import purchase_order_create
from settlement.models import InvoiceDue
from suppliers.models import PaymentTerm
from tests.factories import LegalEntityFactory, UserFactory, make_active_contract
from tests.settlement.statement_builders import make_invoice

pytestmark = pytest.mark.django_db


def term(code):
    return PaymentTerm.objects.get(code=code)


def _new_contract(client, supplier, **extra):
    today = timezone.localdate()
    data = {
        "supplier_id": supplier.pk,
        "title": "2027 框架",
        "valid_from": today.isoformat(),
        "valid_to": (today + timedelta(days=365)).isoformat(),
        "currency": "CNY",
        **extra,
    }
    return client.post(reverse("contract-create"), data)


def test_the_new_contract_form_offers_the_terms_and_the_page_shows_them_with_history(
    client_as, buyer, supplier_a
):
    client = client_as(buyer)
    form = client.get(reverse("contract-create"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="payment_term_id"' in form
    for code in ("net-60", "eom-30"):  # every term in use is a choice
        assert f'value="{term(code).pk}"' in form and term(code).name_en in form

    response = _new_contract(client, supplier_a, payment_term_id=term("net-60").pk)
    contract = Contract.objects.get()
    assert response.status_code == 302 and contract.payment_term.code == "net-60"
    log = transition_log_for(contract).get(transition="payment_term_set")
    assert log.actor == buyer and term("net-60").name_en in log.reason

    page = client.get(
        reverse("contract-detail", args=[contract.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert term("net-60").name_en in page and "Save payment terms" in page


def test_terms_left_empty_or_no_longer_in_use(client_as, buyer, supplier_a):
    client = client_as(buyer)
    assert _new_contract(client, supplier_a, payment_term_id="").status_code == 302
    contract = Contract.objects.get()
    assert contract.payment_term is None
    assert not transition_log_for(contract).filter(transition="payment_term_set").exists()

    retired = term("eom-60")
    retired.is_active = False
    retired.save()
    refused = _new_contract(client, supplier_a, payment_term_id=retired.pk)
    assert refused.status_code == 400 and Contract.objects.count() == 1
    assert 'id="id_payment_term_id_error"' in refused.content.decode()


def test_the_buyer_changes_the_terms_on_the_contract_page_and_history_records_it(
    client_as, buyer, supplier_a, supplier_user_a
):
    contract = make_active_contract(
        supplier_a, valid_from=timezone.localdate(), valid_to=timezone.localdate() + timedelta(days=365)
    )
    url = reverse("payment-term-set", args=["contract", contract.pk])
    client_as(buyer).post(url, {"term": term("eom-30").pk})
    contract.refresh_from_db()
    assert contract.payment_term.code == "eom-30"
    assert transition_log_for(contract).filter(transition="payment_term_set", actor=buyer).exists()
    page = client_as(buyer).get(reverse("contract-detail", args=[contract.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert term("eom-30").name_en in page.content.decode()
    # the supplier sees its contract's terms but cannot change them
    assert client_as(supplier_user_a).post(url, {"term": term("net-60").pk}).status_code == 403
    contract.refresh_from_db()
    assert contract.payment_term.code == "eom-30"


def test_a_po_ordered_under_the_contract_is_due_by_the_contracts_terms(finance, buyer, supplier_a):
    today = timezone.localdate()
    contract = make_active_contract(supplier_a, valid_from=today, valid_to=today + timedelta(days=365))
    from settlement.services.terms import payment_term_assign

    payment_term_assign(
        document=contract, term=term("net-60"), actor=UserFactory(username="b9", role="buyer")
    )
    entity = LegalEntityFactory()
    po = purchase_order_create(
        legal_entity=entity,
        supplier=supplier_a,
        actor=buyer,
        lines=[{"item": Item.objects.get(code="IT-1"), "quantity": 10}],
    )
    assert po.lines.get().contract_line_ref  # priced from the contract
    PurchaseOrder.objects.filter(pk=po.pk).update(state="sent")
    invoice = make_invoice(supplier_a, entity, state="matched", issue_date=date(2026, 3, 10))
    invoice.po_references = [po.number]
    invoice.save()

    run_transition(invoice, "approve", actor=finance, reason="test")
    row = InvoiceDue.objects.get(invoice=invoice)
    assert (row.term_source, row.payment_term.code, row.due_date) == ("contract", "net-60", date(2026, 5, 9))
