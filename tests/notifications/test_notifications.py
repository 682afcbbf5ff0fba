"""The inbox and e-mail notifications (notifications app)."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.kinds import render
from notifications.models import EmailPreference, Notification
from notifications.services import email_preferences_set, notification_email_send, notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def anna(db):
    return UserFactory(username="anna", role="finance", email="anna@example.com")


@pytest.fixture
def ben(db):
    return UserFactory(username="ben", role="finance", email="ben@example.com")


def _send(django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return notify(**kwargs)


def test_notify_puts_one_row_in_each_active_users_inbox_and_skips_inactive_users(
    anna, ben, django_capture_on_commit_callbacks
):
    ben.is_active = False
    ben.save()
    created = _send(
        django_capture_on_commit_callbacks,
        users=[anna, ben],
        kind="statement_to_confirm",
        params={"number": "ST-2026-000001", "amount": "1130.00", "currency": "CNY"},
        url="/settlement/statements/1/",
    )
    assert [n.user for n in created] == [anna]
    assert Notification.objects.filter(user=ben).count() == 0
    note = Notification.objects.get(user=anna)
    assert note.read_at is None and note.url == "/settlement/statements/1/"


def test_the_email_is_sent_after_commit_in_the_readers_language_with_the_link(
    anna, django_capture_on_commit_callbacks, settings
):
    settings.PORTAL_BASE_URL = "https://portal.example.com"
    _send(
        django_capture_on_commit_callbacks,
        users=[anna],
        kind="po_to_acknowledge",
        params={"number": "PO-2026-000007", "revision": 2},
        url="/procurement/purchase-orders/7/",
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["anna@example.com"]
    zh_subject, zh_body = render(
        "po_to_acknowledge", {"number": "PO-2026-000007", "revision": "2"}, language="zh-hans"
    )
    assert message.subject == zh_subject  # anna has not chosen: the portal's language, Chinese
    assert message.body.startswith(zh_body) and "Purchase order" not in message.body
    assert "https://portal.example.com/procurement/purchase-orders/7/" in message.body
    assert Notification.objects.get(user=anna).emailed_at is not None


def test_sending_the_same_notification_twice_mails_only_once(anna, django_capture_on_commit_callbacks):
    (note,) = _send(django_capture_on_commit_callbacks, users=[anna], kind="invoice_rejected", params={})
    assert len(mail.outbox) == 1
    assert notification_email_send(notification_id=note.pk) is False
    assert len(mail.outbox) == 1


def test_a_kind_turned_off_by_the_user_reaches_the_inbox_but_not_the_mailbox(
    anna, ben, django_capture_on_commit_callbacks
):
    email_preferences_set(actor=anna, email_kinds=["po_to_acknowledge"])
    _send(
        django_capture_on_commit_callbacks,
        users=[anna, ben],
        kind="match_exception",
        params={"number": "F1", "supplier": "S", "reasons": "price"},
    )
    assert Notification.objects.filter(kind="match_exception").count() == 2
    assert [m.to for m in mail.outbox] == [["ben@example.com"]]


def test_a_user_without_an_email_address_gets_only_the_inbox_row(django_capture_on_commit_callbacks):
    nomail = UserFactory(username="nomail", email="")
    _send(django_capture_on_commit_callbacks, users=[nomail], kind="invoice_rejected", params={})
    assert Notification.objects.filter(user=nomail).count() == 1
    assert mail.outbox == []


def test_an_unknown_kind_is_a_programming_error_and_creates_nothing(anna):
    with pytest.raises(ValueError, match="unknown notification kind"):
        notify(users=[anna], kind="nonsense")
    assert Notification.objects.count() == 0


def test_the_inbox_shows_the_unread_count_and_only_the_users_own_notifications(anna, ben, client):
    notify(users=[anna], kind="invoice_rejected", params={"number": "ANNA-1", "reasons": "bad tax id"})
    notify(users=[ben], kind="invoice_rejected", params={"number": "BEN-SECRET", "reasons": "x"})
    client.force_login(anna)
    page = client.get("/notifications/").content.decode()
    assert "ANNA-1" in page and "bad tax id" in page
    assert "BEN-SECRET" not in page
    assert 'class="badge"' in page


def test_the_inbox_reads_in_the_users_language(anna, client):
    notify(users=[anna], kind="invoice_rejected", params={"number": "F-9", "reasons": "x"})
    client.force_login(anna)
    english = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Invoice F-9 was rejected" in english


def test_opening_a_notification_marks_it_read_and_goes_to_the_document(anna, client):
    (note,) = notify(users=[anna], kind="invoice_rejected", params={}, url="/invoices/5/")
    client.force_login(anna)
    response = client.post(f"/notifications/{note.pk}/open/")
    assert response.status_code == 302 and response.url == "/invoices/5/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_a_notification_never_redirects_to_another_site(anna, client):
    (note,) = notify(users=[anna], kind="invoice_rejected", params={}, url="https://evil.example/")
    client.force_login(anna)
    response = client.post(f"/notifications/{note.pk}/open/")
    assert response.url == "/notifications/"


def test_another_users_notification_cannot_be_opened_or_marked_read(anna, ben, client):
    (note,) = notify(users=[ben], kind="invoice_rejected", params={})
    client.force_login(anna)
    assert client.post(f"/notifications/{note.pk}/open/").status_code == 404
    assert client.post(f"/api/notifications/{note.pk}/read").status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_all_read_touches_only_the_users_own_rows(anna, ben, client):
    notify(users=[anna, ben], kind="invoice_rejected", params={})
    client.force_login(anna)
    client.post("/notifications/read-all/")
    assert Notification.objects.get(user=anna).read_at is not None
    assert Notification.objects.get(user=ben).read_at is None


def test_the_preferences_page_saves_the_ticked_kinds(anna, client):
    client.force_login(anna)
    client.post("/notifications/preferences/", {"email": ["po_to_acknowledge", "invoice_rejected"]})
    off = set(EmailPreference.objects.filter(user=anna, email=False).values_list("kind", flat=True))
    assert "statement_to_confirm" in off and "po_to_acknowledge" not in off
    page = client.get("/notifications/preferences/").content.decode()
    assert 'id="email-po_to_acknowledge" name="email" value="po_to_acknowledge" checked' in page
    assert 'value="statement_to_confirm" checked' not in page


def test_an_unknown_kind_in_the_preferences_is_refused_and_nothing_changes(anna):
    from core.errors import DomainError

    with pytest.raises(DomainError) as err:
        email_preferences_set(actor=anna, email_kinds=["po_to_acknowledge", "spam"])
    assert err.value.code == "unknown_notification_kind"
    assert EmailPreference.objects.count() == 0


def test_the_api_lists_unread_notifications_and_marks_one_read(anna, client):
    (note,) = notify(users=[anna], kind="invoice_rejected", params={"number": "F-3", "reasons": "x"})
    client.force_login(anna)
    rows = client.get("/api/notifications?unread=true").json()
    assert [r["id"] for r in rows] == [note.pk]
    assert client.post(f"/api/notifications/{note.pk}/read").json()["read_at"] is not None
    assert client.get("/api/notifications?unread=true").json() == []


def test_the_inbox_costs_the_same_queries_for_10_and_200_rows(anna, client):
    client.force_login(anna)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/notifications/").status_code == 200
        return len(ctx)

    notify(users=[anna], kind="invoice_rejected", params={})
    Notification.objects.bulk_create([Notification(user=anna, kind="invoice_rejected") for _ in range(9)])
    small = queries()
    Notification.objects.bulk_create([Notification(user=anna, kind="invoice_rejected") for _ in range(190)])
    assert queries() == small


def test_a_reader_who_chose_english_gets_the_email_in_english_only(anna, django_capture_on_commit_callbacks):
    anna.language = "en"
    anna.save()
    _send(
        django_capture_on_commit_callbacks,
        users=[anna],
        kind="po_to_acknowledge",
        params={"number": "PO-2026-000007", "revision": 2},
    )
    (message,) = mail.outbox
    assert message.subject == "Purchase order PO-2026-000007 waits for your acknowledgement"
    assert message.body == "Purchase order PO-2026-000007 (revision 2) waits for your acknowledgement."


def test_the_email_language_is_chosen_on_the_settings_page_and_a_bad_one_changes_nothing(client, anna):
    client.force_login(anna)
    page = client.get("/notifications/preferences/", HTTP_ACCEPT_LANGUAGE="en")
    assert (
        'name="language"' in page.content.decode()
        and '<option value="zh-hans" selected>' in page.content.decode()
    )
    bad = client.post(
        "/notifications/preferences/", {"language": "fr", "email": []}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert bad.status_code == 400 and "Unknown language &#x27;fr&#x27;" in bad.content.decode()
    anna.refresh_from_db()
    assert anna.language == "zh-hans" and not EmailPreference.objects.filter(user=anna).exists()
    assert client.post("/notifications/preferences/", {"language": "en", "email": []}).status_code == 302
    anna.refresh_from_db()
    assert anna.language == "en"
