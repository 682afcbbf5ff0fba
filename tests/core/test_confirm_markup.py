"""Every irreversible action on a document page asks first: its form carries ``data-confirm`` with a
specific message (static/js/confirm.js turns that into a dialog), reversible ones do not, and the
action buttons carry translated labels (Chinese in zh-hans), never the raw transition name."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.utils import timezone, translation

from core.services import api_token_create
from procurement.models import RFQ
from procurement.services import rfq_close
from requisitions import services as requisitions
from requisitions.models import Requisition
from settlement.models import Statement
from settlement.services.matching import invoice_match
from suppliers.services import bank_account_add
from tests.factories import (
    LegalEntityFactory,
    UserFactory,
    make_active_contract,
    make_approved_bank_account,
    make_purchase_order,
    make_rfq,
)
from tests.settlement.match_flow_builders import line, make_invoice, make_po, po_lines, receive

pytestmark = pytest.mark.django_db

UNDONE = "This cannot be undone."
CJK = re.compile(r"[\u4e00-\u9fff]")


class _Forms(HTMLParser):
    """Collects every <form>: its attributes and the text of its submit buttons."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._button: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "form":
            self._form = {"attrs": dict(attrs), "buttons": []}
            self.forms.append(self._form)
        elif tag == "button" and self._form is not None:
            self._button = []

    def handle_data(self, data):
        if self._button is not None:
            self._button.append(data)

    def handle_endtag(self, tag):
        if tag == "button" and self._button is not None:
            self._form["buttons"].append("".join(self._button).strip())
            self._button = None
        elif tag == "form":
            self._form = None


def _forms(response) -> dict[str, dict]:
    """action URL → form, from a 200 page."""
    assert response.status_code == 200, response.status_code
    parser = _Forms()
    parser.feed(response.content.decode())
    return {f["attrs"].get("action"): f for f in parser.forms if f["attrs"].get("method") == "post"}


def _page(client, user, url, *, language=None):
    client.force_login(user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return _forms(client.get(url))


def _asks(form, *fragments) -> str:
    message = form["attrs"].get("data-confirm")
    assert message, f"{form['attrs'].get('action')} does not ask for confirmation"
    for fragment in (*fragments, UNDONE):
        assert fragment in message, (fragment, message)
    return message


def _does_not_ask(form):
    assert "data-confirm" not in form["attrs"], form["attrs"]


# --- purchase orders ----------------------------------------------------------------------------


def test_po_cancel_close_return_and_supplier_reject_ask_first(client, buyer, supplier_a, supplier_user_a):
    approved = make_purchase_order(requester=buyer, supplier=supplier_a, state="approved")
    url = f"/procurement/pos/{approved.pk}/"
    forms = _page(client, buyer, url)
    cancel = forms[f"{url}do/cancel/"]
    _asks(cancel, f"Cancel purchase order {approved.number}?")
    assert cancel["attrs"]["data-confirm-cancel"] == "Don't cancel"
    assert cancel["buttons"] == ["Cancel order"]
    _does_not_ask(forms[f"{url}do/send/"])  # the normal next step asks nothing
    assert forms[f"{url}do/send/"]["buttons"] == ["Send to supplier"]

    sent = make_purchase_order(requester=buyer, supplier=supplier_a, state="sent")
    url = f"/procurement/pos/{sent.pk}/"
    forms = _page(client, supplier_user_a, url)
    _asks(forms[f"{url}do/reject/"], f"Reject purchase order {sent.number}?")
    _does_not_ask(forms[f"{url}acknowledge/"])

    received = make_purchase_order(requester=buyer, supplier=supplier_a, state="received")
    url = f"/procurement/pos/{received.pk}/"
    forms = _page(client, buyer, url)
    _asks(forms[f"{url}do/close/"], f"Close purchase order {received.number}?")
    _asks(forms[f"{url}returns/"], received.number)
    _does_not_ask(forms[f"{url}receipts/"])


def test_po_action_buttons_have_labels_not_transition_names(
    client, buyer, buyer2, supplier_a, supplier_user_a
):
    seen = {}
    for state, user in (
        ("draft", buyer),
        ("pending_approval", buyer2),  # not the requester: four-eyes hides approve from them
        ("approved", buyer),
        ("sent", supplier_user_a),
        ("received", buyer),
    ):
        po = make_purchase_order(requester=buyer, supplier=supplier_a, state=state)
        prefix = f"/procurement/pos/{po.pk}/do/"
        for action, form in _page(client, user, f"/procurement/pos/{po.pk}/").items():
            if action.startswith(prefix):
                seen[action[len(prefix) : -1]] = form["buttons"]
    assert seen == {
        "submit": ["Submit for approval"],
        "approve": ["Approve"],
        "decline": ["Decline"],
        "send": ["Send to supplier"],
        "reject": ["Reject"],
        "cancel": ["Cancel order"],
        "close": ["Close"],
    }


LABELS = {
    "submit": "Submit for approval",
    "approve": "Approve",
    "decline": "Decline",
    "send": "Send to supplier",
    "reject": "Reject",
    "cancel": "Cancel order",
    "close": "Close",
}


def test_po_action_buttons_and_confirmations_are_chinese_in_zh_hans(
    client, buyer, buyer2, supplier_a, supplier_user_a
):
    with translation.override("zh-hans"):
        expected = {action: translation.gettext(label) for action, label in LABELS.items()}
    seen, messages = {}, {}
    for state, user in (
        ("draft", buyer),
        ("pending_approval", buyer2),  # not the requester: four-eyes hides approve from them
        ("approved", buyer),
        ("sent", supplier_user_a),
        ("received", buyer),
    ):
        po = make_purchase_order(requester=buyer, supplier=supplier_a, state=state)
        prefix = f"/procurement/pos/{po.pk}/do/"
        for action, form in _page(client, user, f"/procurement/pos/{po.pk}/", language="zh-hans").items():
            if action.startswith(prefix):
                name = action[len(prefix) : -1]
                seen[name] = form["buttons"][0]
                if "data-confirm" in form["attrs"]:
                    messages[name] = form["attrs"]["data-confirm"]
    assert seen == expected
    untranslated = [label for label in seen.values() if not CJK.search(label)]
    assert untranslated == [], f"English buttons in zh-hans: {untranslated}"
    assert set(messages) == {"cancel", "reject", "close"}
    assert all(CJK.search(m) and UNDONE not in m for m in messages.values()), messages


# --- sourcing and contracts -----------------------------------------------------------------------


def test_rfq_early_close_cancel_and_award_ask_first(client, buyer, supplier_a):
    rfq = make_rfq(buyer=buyer, suppliers=[supplier_a])
    url = f"/procurement/rfqs/{rfq.pk}/"
    forms = _page(client, buyer, url)
    _asks(forms[f"{url}do/close/"], f"Close RFQ {rfq.number} now", "sealed quotes")
    _asks(forms[f"{url}do/cancel/"], f"Cancel RFQ {rfq.number}?")
    _does_not_ask(forms[f"{url}invite/"])

    rfq_close(rfq=RFQ.objects.get(pk=rfq.pk), actor=buyer, reason="closed early for the test")
    forms = _page(client, buyer, f"{url}comparison/")
    _asks(forms[f"{url}award/"], f"Award RFQ {rfq.number}")


def test_contract_terminate_asks_first_and_actions_are_labelled(client, supplier_a):
    contract = make_active_contract(supplier_a)
    buyer = UserFactory(username="contract-buyer", role="buyer")
    url = f"/contracts/{contract.pk}/"
    forms = _page(client, buyer, url)
    terminate = forms[f"{url}terminate/"]
    _asks(terminate, f"Terminate contract {contract.number}?")
    assert terminate["buttons"] == ["Terminate contract"]
    _does_not_ask(forms[f"{url}amend/"])
    assert forms[f"{url}amend/"]["buttons"] == ["Start an amendment"]


# --- suppliers, bank accounts, tokens ------------------------------------------------------------


def test_supplier_block_asks_first_without_inline_script(client, buyer, supplier_a):
    url = f"/suppliers/{supplier_a.pk}/"
    client.force_login(buyer)
    response = client.get(url)
    assert "onsubmit" not in response.content.decode()
    forms = _forms(response)
    block = forms[f"{url}block/"]
    _asks(block, f"Block supplier {supplier_a.name}?")
    assert block["buttons"] == ["Block supplier"]
    _does_not_ask(forms[f"{url}suspend/"])  # reversible: reinstate
    assert forms[f"{url}suspend/"]["buttons"] == ["Suspend"]


def test_bank_account_approve_and_reject_ask_first(client, finance, supplier_a):
    entered_by = UserFactory(username="entering-buyer", role="buyer")
    account = bank_account_add(
        supplier=supplier_a,
        bank_name="ICBC",
        account_name=supplier_a.name,
        account_number="6222020200998877",
        actor=entered_by,
    )
    url = f"/suppliers/bank-accounts/{account.pk}/"
    forms = _page(client, finance, url)
    _asks(forms[f"{url}approve/"], f"Approve bank account {account.masked_number}", supplier_a.name)
    _asks(forms[f"{url}reject/"], f"Reject bank account {account.masked_number}?")


def test_token_revoke_asks_first_without_inline_script(client, buyer):
    token, _raw = api_token_create(user=buyer, name="erp-sync")
    client.force_login(buyer)
    response = client.get("/tokens/")
    assert "onsubmit" not in response.content.decode()
    _asks(_forms(response)[f"/tokens/{token.pk}/revoke/"], "Revoke token erp-sync?")


# --- settlement ----------------------------------------------------------------------------------


def _statement(supplier, creator, *, state, kind="invoice_first"):
    statement = Statement.objects.create(
        number=f"ST-CONF-{Statement.objects.count() + 1}",
        kind=kind,
        supplier=supplier,
        legal_entity=LegalEntityFactory(),
        period_from=date(2026, 3, 1),
        period_to=date(2026, 3, 31),
        net_total=Decimal("100.00"),
        tax_total=Decimal("13.00"),
        gross_total=Decimal("113.00"),
        created_by=creator,
        sent_at=timezone.now(),
    )
    Statement.objects.filter(pk=statement.pk).update(state=state)
    statement.refresh_from_db()
    return statement


def test_statement_approve_cancel_confirm_and_payment_ask_first(client, finance, supplier_a, supplier_user_a):
    confirmed = _statement(supplier_a, finance, state="confirmed")
    url = f"/settlement/statements/{confirmed.pk}/"
    approver = UserFactory(username="finance2", role="finance")  # not who prepared it (four eyes)
    _asks(_page(client, approver, url)[f"{url}approve/"], f"Approve statement {confirmed.number}", "113.00")

    sent = _statement(supplier_a, finance, state="sent")
    url = f"/settlement/statements/{sent.pk}/"
    forms = _page(client, finance, url)
    _asks(forms[f"{url}cancel/"], f"Cancel statement {sent.number}?")
    assert forms[f"{url}cancel/"]["attrs"]["data-confirm-cancel"] == "Don't cancel"
    forms = _page(client, supplier_user_a, url)
    _asks(forms[f"{url}confirm/"], f"Confirm statement {sent.number}")
    _does_not_ask(forms[f"{url}dispute/"])  # finance can take a dispute back to draft

    make_approved_bank_account(supplier_a)
    approved = _statement(supplier_a, finance, state="approved")
    url = f"/settlement/statements/{approved.pk}/"
    _asks(_page(client, finance, url)[f"{url}payment/"], f"payment for statement {approved.number}")


def test_match_exception_accept_and_reject_ask_first_on_both_pages(client, buyer, finance, supplier_a):
    entity = LegalEntityFactory()
    po = make_po(buyer, supplier_a, entity, [("螺栓 M8", 100, "2.00")])
    receive(buyer, po, {po_lines(po)[0]: 100})
    invoice = make_invoice(supplier_a, entity, [line("螺栓 M8", 100, "2.20")])
    invoice_match(invoice_id=invoice.pk)
    invoice.refresh_from_db()
    assert invoice.state == "exception"

    for url in (f"/settlement/matching/invoices/{invoice.pk}/", f"/invoices/{invoice.pk}/"):
        forms = _page(client, finance, url)
        base = f"/settlement/matching/invoices/{invoice.pk}/"
        _asks(forms[f"{base}accept/"], f"approve invoice {invoice.invoice_number}")
        _asks(forms[f"{base}reject/"], f"Reject invoice {invoice.invoice_number}")
        _does_not_ask(forms[f"{base}request-credit-note/"])
        _does_not_ask(forms[f"{base}rematch/"])


# --- requisitions --------------------------------------------------------------------------------


def test_requisition_reject_cancel_and_close_ask_first(client):
    staff = UserFactory(username="conf-staff", role="staff", is_staff=True)
    manager = UserFactory(username="conf-manager", role="requester")
    requester = UserFactory(username="conf-rita", role="requester")
    today = timezone.localdate()
    centre = requisitions.cost_centre_create(
        legal_entity=LegalEntityFactory(),
        code="CC-CONF",
        name="Confirm dept",
        budget_owner=manager,
        delivery_address="Room 1",
        actor=staff,
    )
    requisitions.budget_set(
        cost_centre=centre,
        starts_on=date(today.year, 1, 1),
        ends_on=date(today.year, 12, 31),
        amount="10000",
        actor=staff,
    )
    requisitions.requester_assign(user=requester, cost_centre=centre, actor=staff)
    requisitions.cart_add_free_text(
        actor=requester, description="Standing desk", quantity=1, estimated_unit_price="900"
    )
    requisition = requisitions.requisition_submit(
        actor=requester, needed_by=today + timedelta(days=14), delivery_address="Room 1"
    )
    url = f"/requisitions/{requisition.pk}/"
    action = f"{url}do/"

    forms = _page(client, manager, url)
    _asks(forms[f"{action}reject/"], f"Reject requisition {requisition.number}?")
    _does_not_ask(forms[f"{action}approve/"])
    _asks(_page(client, requester, url)[f"{action}cancel/"], f"Cancel requisition {requisition.number}?")

    Requisition.objects.filter(pk=requisition.pk).update(state="ordered")
    _asks(_page(client, requester, url)[f"{action}close/"], f"Close requisition {requisition.number}?")
