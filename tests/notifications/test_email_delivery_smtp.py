"""E-mail that arrives: real actions, a real SMTP server (aiosmtpd on a free port), and exactly the
expected messages: one per event and recipient, opt-outs respected, in the reader's language,
with subjects that stay one header line whatever a user typed."""

import re

import pytest
from django.core import mail

from notifications.kinds import render
from notifications.services import email_preferences_set
from suppliers.models import SupplierInvitation
from tests.factories import SupplierFactory, UserFactory, make_purchase_order, make_supplier_user
from tests.smtp import SmtpServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        for name, value in server.settings().items():
            setattr(settings, name, value)
        yield server.inbox


def _user(supplier, username, address):
    user = make_supplier_user(supplier, username)
    user.email = address
    user.save()
    return user


def test_sending_a_po_mails_each_supplier_user_once_and_nobody_who_opted_out(
    smtp, client, buyer, django_capture_on_commit_callbacks
):
    supplier = SupplierFactory(state="approved", contact_email="Alice@Supplier.example")
    _user(supplier, "alice", "alice@supplier.example")  # also the supplier's contact address
    carol = _user(supplier, "carol", "carol@supplier.example")
    email_preferences_set(actor=carol, email_kinds=[])  # carol reads her inbox only
    po = make_purchase_order(requester=buyer, supplier=supplier, state="approved")
    client.force_login(buyer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/procurement/pos/{po.pk}/do/send/")
    assert response.status_code in (200, 302)
    po.refresh_from_db()
    assert po.state == "sent"

    assert [m.recipients for m in smtp.messages] == [["alice@supplier.example"]]
    params = {"number": po.number, "revision": str(po.revision)}
    zh_subject, zh_body = render("po_to_acknowledge", params, language="zh-hans")
    message = smtp.messages[0]
    assert (
        message.subject == zh_subject == f"采购订单 {po.number} 等待您确认"
    )  # alice reads Chinese (the default)
    assert message.body.startswith(zh_body) and "acknowledgement" not in message.body
    assert f"/procurement/pos/{po.pk}/" in message.body


def test_the_same_event_mails_each_reader_in_their_own_language(
    smtp, client, buyer, django_capture_on_commit_callbacks
):
    supplier = SupplierFactory(state="approved", contact_email="")
    _user(supplier, "li", "li@supplier.example")  # Chinese: the default
    emma = _user(supplier, "emma", "emma@supplier.example")
    client.force_login(emma)
    assert (
        client.post(
            "/notifications/preferences/", {"language": "en", "email": ["po_to_acknowledge"]}
        ).status_code
        == 302
    )
    po = make_purchase_order(requester=buyer, supplier=supplier, state="approved")
    client.force_login(buyer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/procurement/pos/{po.pk}/do/send/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    by_reader = {m.recipients[0]: m for m in smtp.messages}
    assert sorted(by_reader) == ["emma@supplier.example", "li@supplier.example"]
    chinese, english = by_reader["li@supplier.example"], by_reader["emma@supplier.example"]
    assert chinese.subject == f"采购订单 {po.number} 等待您确认"
    assert f"采购订单 {po.number}" in chinese.body and "Purchase order" not in chinese.body
    assert english.subject == f"Purchase order {po.number} waits for your acknowledgement"
    assert f"Purchase order {po.number} (revision {po.revision}) waits" in english.body
    assert "采购订单" not in english.subject + english.body


def test_a_contact_address_that_is_no_users_gets_the_po_once(
    smtp, client, buyer, django_capture_on_commit_callbacks
):
    supplier = SupplierFactory(state="approved", contact_email="sales@supplier.example")
    _user(supplier, "alice", "alice@supplier.example")
    po = make_purchase_order(requester=buyer, supplier=supplier, state="approved")
    client.force_login(buyer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/procurement/pos/{po.pk}/do/send/")
    assert sorted(m.recipients[0] for m in smtp.messages) == [
        "alice@supplier.example",
        "sales@supplier.example",
    ]
    # the contact address is nobody's: the portal's language (Chinese), one line, no English
    assert all(m.subject == f"采购订单 {po.number} 等待您确认" for m in smtp.messages)


def test_an_invitation_arrives_once_with_its_link(
    smtp, settings, client, buyer, django_capture_on_commit_callbacks
):
    client.force_login(buyer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/suppliers/invite/", {"email": "new@vendor.example"})
    assert SupplierInvitation.objects.filter(email="new@vendor.example").exists()
    assert [m.recipients for m in smtp.messages] == [["new@vendor.example"]]
    assert smtp.messages[0].subject == "供应商门户注册邀请"  # the address belongs to nobody: Chinese
    assert "供应商" in smtp.messages[0].body and "invited" not in smtp.messages[0].body
    link = re.search(r"(https?://\S+)", smtp.messages[0].body).group(1)
    assert link.startswith(settings.PORTAL_BASE_URL.rstrip("/")) and len(link) > 60  # carries the token


@pytest.mark.parametrize(
    ("language", "subject"), [("zh-hans", "重置您的门户密码"), ("en", "Reset your portal password")]
)
def test_a_password_reset_arrives_in_the_readers_language(smtp, client, language, subject):
    """In the language the user chose for e-mails, whatever the language of the page that asked."""
    user = UserFactory(username="anna", email="anna@buyer.example", language=language)
    other = "en" if language == "zh-hans" else "zh-hans"
    response = client.post("/password/reset/", {"email": user.email}, HTTP_ACCEPT_LANGUAGE=other)
    assert response.status_code == 302
    assert [(m.recipients, m.subject) for m in smtp.messages] == [(["anna@buyer.example"], subject)]
    assert "/password/reset/" in smtp.messages[0].body


def test_a_password_reset_for_an_unknown_address_sends_nothing(smtp, client):
    response = client.post("/password/reset/", {"email": "nobody@nowhere.example"})
    assert response.status_code == 302 and smtp.messages == []


def test_a_name_with_a_line_break_stays_inside_the_subject(
    smtp, client, buyer, django_capture_on_commit_callbacks
):
    buyer.email = "buyer@buyer.example"
    buyer.save()
    supplier = SupplierFactory(state="approved", name="Evil\r\nBcc: thief@evil.example")
    seller = _user(supplier, "seller", "")
    po = make_purchase_order(requester=buyer, supplier=supplier, state="sent")
    client.force_login(seller)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/procurement/pos/{po.pk}/do/reject/", {"reason": "price changed"})
    po.refresh_from_db()
    assert po.state == "rejected"
    assert [m.recipients for m in smtp.messages] == [["buyer@buyer.example"]]
    message = smtp.messages[0].message
    assert message["Bcc"] is None and "\n" not in str(message["Subject"])
    assert "Evil Bcc: thief@evil.example" in str(message["Subject"])


def test_the_locmem_outbox_is_not_used_when_smtp_is_configured(smtp, client):
    UserFactory(username="bert", email="bert@buyer.example")
    client.post("/password/reset/", {"email": "bert@buyer.example"})
    assert mail.outbox == [] and len(smtp.messages) == 1
