"""Buyer notifications through the actions (pages and API): a supplier's PO rejection, change
proposal and shipping notice reach the PO's buyer; a submitted quote the RFQ's buyer; the
proposal's outcome the supplier's users; an expiring qualification document the buyers who work
with that supplier. Inbox row and e-mail (unless the user turned that kind off)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from notifications.models import EmailPreference, Notification
from procurement.models import POChangeProposal
from suppliers.services import qualification_expiry_check
from tests.factories import UserFactory, make_document, make_purchase_order, make_rfq

pytestmark = pytest.mark.django_db

SOON = timezone.localdate() + timedelta(days=10)


@pytest.fixture
def with_email(buyer, supplier_user_a):
    buyer.email = "buyer1@corp.example.cn"
    buyer.save()
    supplier_user_a.email = "alice@a.example.cn"
    supplier_user_a.save()


def _kinds(user):
    return list(Notification.objects.filter(user=user).values_list("kind", flat=True))


def _mails_to(address):
    return [m for m in mail.outbox if m.to == [address]]


def test_a_supplier_rejecting_a_po_tells_its_buyer_with_the_reason(
    client_as, buyer, buyer2, supplier_a, supplier_user_a, with_email, django_capture_on_commit_callbacks
):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="sent")
    with django_capture_on_commit_callbacks(execute=True):
        client_as(supplier_user_a).post(
            f"/procurement/pos/{po.pk}/do/reject/", {"reason": "价格过期 price outdated"}
        )
    note = Notification.objects.get(user=buyer)
    assert note.kind == "po_rejected" and note.url == f"/procurement/pos/{po.pk}/"
    assert "价格过期 price outdated" in note.body and po.number in note.subject
    assert _kinds(buyer2) == []
    (email,) = _mails_to("buyer1@corp.example.cn")
    assert po.number in email.subject and "价格过期" in email.body


def test_a_change_proposal_reaches_the_buyer_and_the_decision_reaches_the_supplier(
    client_as, buyer, supplier_a, supplier_user_a, with_email, django_capture_on_commit_callbacks
):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="sent")
    line = po.lines.get()
    with django_capture_on_commit_callbacks(execute=True):
        client_as(supplier_user_a).post(
            f"/procurement/pos/{po.pk}/changes/",
            {"reason": "交期推迟", f"cp_date_{line.pk}": SOON.isoformat()},
        )
    proposal = POChangeProposal.objects.get()
    note = Notification.objects.get(user=buyer)
    assert note.kind == "po_change_proposed" and "交期推迟" in note.body
    assert note.url == f"/procurement/pos/{po.pk}/#proposal-{proposal.pk}"
    assert len(_mails_to("buyer1@corp.example.cn")) == 1
    # the buyer opens it from the inbox and declines
    inbox = client_as(buyer).get("/notifications/").content.decode()
    assert po.number in inbox
    with django_capture_on_commit_callbacks(execute=True):
        client_as(buyer).post(
            f"/procurement/pos/{po.pk}/changes/{proposal.pk}/decline/", {"reason": "不能延期"}
        )
    note = Notification.objects.get(user=supplier_user_a, kind="po_change_declined")
    assert "不能延期" in note.body
    assert any("不能延期" in m.body for m in _mails_to("alice@a.example.cn"))


def test_an_accepted_proposal_tells_the_supplier_the_new_revision(
    client_as, buyer, supplier_a, supplier_user_a
):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="acknowledged")
    line = po.lines.get()
    client_as(supplier_user_a).post(
        f"/procurement/pos/{po.pk}/changes/", {"reason": "涨价", f"cp_price_{line.pk}": "6"}
    )
    proposal = POChangeProposal.objects.get()
    client_as(buyer).post(f"/procurement/pos/{po.pk}/changes/{proposal.pk}/accept/")
    note = Notification.objects.get(user=supplier_user_a, kind="po_change_accepted")
    assert note.params["revision"] == "2"


def test_a_shipping_notice_reaches_the_buyer_unless_email_is_off(
    client_as, buyer, supplier_a, supplier_user_a, with_email, django_capture_on_commit_callbacks
):
    EmailPreference.objects.create(user=buyer, kind="shipping_notice", email=False)
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="acknowledged")
    line = po.lines.get()
    with django_capture_on_commit_callbacks(execute=True):
        client_as(supplier_user_a).post(
            f"/procurement/pos/{po.pk}/shipping-notice/",
            {f"ship_{line.pk}": "4", "carrier": "顺丰", "tracking_no": "SF9"},
        )
    note = Notification.objects.get(user=buyer)
    assert note.kind == "shipping_notice" and "SF9" in note.body and "× 4" in note.body
    assert _mails_to("buyer1@corp.example.cn") == []  # inbox only, by the buyer's choice


def test_a_refused_shipping_notice_tells_nobody(client_as, buyer, supplier_a, supplier_user_a):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="acknowledged")
    line = po.lines.get()
    client_as(supplier_user_a).post(
        f"/procurement/pos/{po.pk}/shipping-notice/", {f"ship_{line.pk}": "500"}, HTTP_REFERER="/"
    )
    assert _kinds(buyer) == []


def test_a_submitted_quote_tells_the_rfqs_buyer_without_prices(
    client_as, buyer, supplier_a, supplier_user_a, with_email, django_capture_on_commit_callbacks
):
    rfq = make_rfq(buyer=buyer, suppliers=[supplier_a])
    line = rfq.lines.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(supplier_user_a).post(
            f"/procurement/rfqs/{rfq.pk}/quote/",
            {f"price_{line.pk}": "7654.321", "lead_time_days": "5", "valid_until": SOON.isoformat()},
        )
    assert response.status_code == 302
    note = Notification.objects.get(user=buyer)
    assert note.kind == "quote_submitted" and supplier_a.name in note.subject
    assert note.url == f"/procurement/rfqs/{rfq.pk}/"
    (email,) = _mails_to("buyer1@corp.example.cn")
    assert "7654" not in email.body and "7654" not in note.body  # sealed


def test_an_expiring_qualification_reaches_the_buyers_working_with_the_supplier(
    buyer, buyer2, supplier_a, supplier_user_a
):
    make_purchase_order(requester=buyer, supplier=supplier_a, state="sent")
    make_document(supplier_a, supplier_user_a, expires_on=timezone.localdate() + timedelta(days=10))
    qualification_expiry_check(today=timezone.localdate())
    assert _kinds(buyer) == ["document_expiring"]
    assert _kinds(buyer2) == []  # no open business with this supplier
    assert _kinds(supplier_user_a) == ["document_expiring"]


def test_an_expiring_qualification_of_a_supplier_nobody_works_with_reaches_every_buyer(
    supplier_a, supplier_user_a
):
    buyers = [UserFactory(username=f"b{i}", role="buyer") for i in range(2)]
    make_document(supplier_a, supplier_user_a, expires_on=timezone.localdate() + timedelta(days=10))
    qualification_expiry_check(today=timezone.localdate())
    assert all(_kinds(b) == ["document_expiring"] for b in buyers)


def test_an_expiring_contract_reaches_its_buyers_inbox_and_mailbox(
    buyer, supplier_a, with_email, django_capture_on_commit_callbacks
):
    from datetime import date

    from contracts.services import contract_expiry_check
    from tests.factories import make_active_contract

    contract = make_active_contract(
        supplier_a,
        author=buyer,
        valid_from=date(2026, 1, 1),
        valid_to=timezone.localdate() + timedelta(days=5),
    )
    with django_capture_on_commit_callbacks(execute=True):
        contract_expiry_check(today=timezone.localdate())
    note = Notification.objects.get(user=buyer, kind="document_expiring")
    assert note.url == f"/contracts/{contract.pk}/"
    assert any(contract.number in m.subject for m in _mails_to("buyer1@corp.example.cn"))


def test_an_expiring_qualification_is_mailed_to_the_responsible_buyer(
    buyer, supplier_a, supplier_user_a, with_email, django_capture_on_commit_callbacks
):
    make_purchase_order(requester=buyer, supplier=supplier_a, state="acknowledged")
    make_document(supplier_a, supplier_user_a, expires_on=timezone.localdate() + timedelta(days=10))
    with django_capture_on_commit_callbacks(execute=True):
        qualification_expiry_check(today=timezone.localdate())
    assert _kinds(buyer) == ["document_expiring"]
    assert len(_mails_to("buyer1@corp.example.cn")) == 1
