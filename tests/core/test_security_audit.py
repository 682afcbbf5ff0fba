"""The security audit log as staff meet it: logins, failures, lockouts, token, password, bank
account and role changes are written as they happen, searched on /security/events/ by user,
event, date and address, exported as CSV that no spreadsheet runs; nobody else reads it."""

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from core.models import SecurityEvent, SecurityEventKind
from suppliers.services import bank_account_add
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


@pytest.fixture
def staff(db):
    return UserFactory(username="sec-staff", role="staff")


def kinds(**filters):
    return list(SecurityEvent.objects.filter(**filters).order_by("at", "id").values_list("kind", flat=True))


def test_logins_failures_and_lockouts_are_logged_with_the_address(client, buyer, settings):
    settings.AXES_FAILURE_LIMIT = 2
    client.post("/login/", {"username": buyer.username, "password": PASSWORD}, REMOTE_ADDR="10.1.2.3")
    client.post("/logout/")
    other = Client(REMOTE_ADDR="10.9.9.9")
    other.post("/login/", {"username": buyer.username, "password": "wrong"})
    other.post("/login/", {"username": buyer.username, "password": "wrong"})
    other.post("/login/", {"username": "nobody-such", "password": "wrong"})
    assert kinds(user=buyer)[:2] == [SecurityEventKind.LOGIN, SecurityEventKind.LOGOUT]
    login = SecurityEvent.objects.get(user=buyer, kind=SecurityEventKind.LOGIN)
    assert login.ip_address == "10.1.2.3"
    failures = SecurityEvent.objects.filter(username=buyer.username, kind=SecurityEventKind.LOGIN_FAILED)
    assert failures.count() == 2 and {e.ip_address for e in failures} == {"10.9.9.9"}
    assert SecurityEvent.objects.filter(username=buyer.username, kind=SecurityEventKind.LOCKED_OUT).exists()
    unknown = SecurityEvent.objects.get(username="nobody-such")
    assert unknown.kind == SecurityEventKind.LOGIN_FAILED and unknown.user is None


def test_token_and_password_changes_are_logged(client, buyer):
    client.post("/login/", {"username": buyer.username, "password": PASSWORD})
    client.post("/tokens/new/", {"name": "erp", "scope": "read"})
    token = buyer.api_tokens.get()
    client.post(f"/tokens/{token.pk}/revoke/")
    client.post(
        "/password/change/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-pass-77",
            "new_password2": "a-new-long-pass-77",
        },
    )
    assert kinds(user=buyer)[1:] == [
        SecurityEventKind.TOKEN_CREATED,
        SecurityEventKind.TOKEN_REVOKED,
        SecurityEventKind.PASSWORD_CHANGED,
    ]
    created = SecurityEvent.objects.get(kind=SecurityEventKind.TOKEN_CREATED)
    assert created.details == {"token": token.key_prefix, "scope": "read"} and created.actor == buyer


def test_a_password_reset_by_link_is_logged(client, buyer):
    import re

    from django.core import mail

    buyer.email = "b@example.com"
    buyer.save()
    client.post("/password/reset/", {"email": "b@example.com"})
    link = re.search(r"/password/reset/[^/\s]+/[^/\s]+/", mail.outbox[0].body).group(0)
    form = client.get(link, follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "reset-long-pass-91", "new_password2": "reset-long-pass-91"},
    )
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.PASSWORD_RESET_REQUESTED).count() == 1
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.PASSWORD_RESET, user=buyer).count() == 1


def test_bank_account_and_role_changes_are_logged(client, supplier_user_a, supplier_a, finance):
    account = bank_account_add(
        supplier=supplier_a,
        bank_name="B",
        account_name="A",
        account_number="6222020200112233",
        actor=supplier_user_a,
    )
    client.force_login(finance)
    client.post(f"/suppliers/bank-accounts/{account.pk}/approve/", {"reason": "checked by phone"})
    changes = SecurityEvent.objects.filter(kind=SecurityEventKind.BANK_ACCOUNT_CHANGED).order_by("id")
    assert [(e.details["action"], e.actor) for e in changes] == [
        ("added", supplier_user_a),
        ("approved", finance),
    ]
    assert changes[0].details["supplier"] == supplier_a.pk and changes[0].details["last4"] == "2233"

    supplier_user_a.role = "finance"
    supplier_user_a.save()
    role = SecurityEvent.objects.get(kind=SecurityEventKind.ROLE_CHANGED)
    assert role.user == supplier_user_a and role.details == {"changed": {"role": ["supplier", "finance"]}}


def test_staff_search_the_log_by_user_event_date_and_address(client, staff, buyer, finance):
    old = SecurityEvent.objects.create(
        kind=SecurityEventKind.LOGIN,
        user=buyer,
        username=buyer.username,
        ip_address="10.0.0.1",
        at=timezone.now() - timedelta(days=40),
    )
    SecurityEvent.objects.create(
        kind=SecurityEventKind.LOGIN_FAILED, username=buyer.username, ip_address="10.0.0.2"
    )
    SecurityEvent.objects.create(
        kind=SecurityEventKind.LOGIN, user=finance, username=finance.username, ip_address="192.168.7.7"
    )
    client.force_login(staff)

    def shown(query):
        page = client.get("/security/events/" + query)
        assert page.status_code == 200
        return page.content.decode()

    everything = shown("")
    assert "10.0.0.1" in everything and "192.168.7.7" in everything
    by_user = shown(f"?user={buyer.username}")
    assert "10.0.0.2" in by_user and "192.168.7.7" not in by_user
    by_kind = shown("?kind=login_failed")
    assert "10.0.0.2" in by_kind and "10.0.0.1" not in by_kind
    recent = shown(f"?from={(timezone.localdate() - timedelta(days=7)).isoformat()}")
    assert "10.0.0.1" not in recent and "10.0.0.2" in recent
    up_to = shown(f"?to={timezone.localtime(old.at).date().isoformat()}")
    assert "10.0.0.1" in up_to and "10.0.0.2" not in up_to
    by_ip = shown("?ip=192.168")
    assert "192.168.7.7" in by_ip and "10.0.0.2" not in by_ip
    assert 'href="/security/events/"' in shown("")  # in the staff's navigation


def test_the_csv_export_defuses_what_an_attacker_typed_as_a_user_name(client, staff):
    hostile = '=HYPERLINK("http://evil.example","x")'
    Client().post("/login/", {"username": hostile, "password": "x"})
    Client().post("/login/", {"username": "＝1+1<script>", "password": "x"})
    client.force_login(staff)
    page = client.get("/security/events/").content.decode()
    assert "<script>" not in page and "&lt;script&gt;" in page
    response = client.get("/security/events/?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    names = {row[2] for row in rows[1:]}
    assert "'" + hostile in names and "'=1+1<script>" in names  # the login form folds ＝ to = (NFKC)


@pytest.mark.parametrize("role", ["buyer", "finance", "supplier", "requester"])
def test_only_staff_read_the_security_log(client, role):
    client.force_login(UserFactory(role=role))
    assert client.get("/security/events/").status_code == 403
    assert client.get("/security/events/?format=csv").status_code == 403
