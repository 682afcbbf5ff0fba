"""Two-factor authentication as a person meets it: finance, approvers and staff enrol an
authenticator from a QR code and type a code at every login; others may turn it on and off;
wrong codes lock the account like wrong passwords; changes need a recent password."""

import re
import time

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import ApiToken, SecurityEvent, SecurityEventKind
from core.services import SESSION_AUTH_AT
from requisitions.models import CostCentre
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def mfa_on(settings):
    settings.MFA_REQUIRED = True  # the production default (config/settings/base.py)
    settings.MFA_REQUIRED_ROLES = ["finance", "staff", "buyer"]


def code(device, steps_ahead=0):
    """The device's code now (or ``steps_ahead`` 30-second steps later: a code is taken once)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def password_login(client, user):
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def enrolled(user):
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def test_finance_enrols_from_a_qr_code_then_is_asked_for_a_code_at_every_login(client, finance, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a person waits a second after a wrong code anyway
    password_login(client, finance)
    home = client.get("/")
    assert home.status_code == 302 and home["Location"] == "/mfa/setup/?next=%2F"
    for path in ("/invoices/", "/settlement/payments/", "/tokens/"):  # nothing else opens first
        assert client.get(path)["Location"].startswith("/mfa/setup/")
    assert client.get("/api/invoices/").status_code == 401  # nor the API through the session
    page = client.get(home["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "<path" in html and "<script>" not in html
    device = TOTPDevice.objects.get(user=finance, confirmed=False)
    secret = re.search(r'id="mfa-secret">([A-Z2-7]+)<', html).group(1)
    assert len(secret) == 32  # base32 of the 20-byte key, for typing into the app

    wrong = client.post("/mfa/setup/", {"code": "000000" if code(device) != "000000" else "111111"})
    assert wrong.status_code == 400 and "The code is not correct" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=finance, confirmed=True).exists()

    done = client.post("/mfa/setup/", {"code": code(device), "next": "/invoices/"})
    assert done.status_code == 302 and done["Location"] == "/invoices/"
    assert client.get("/").status_code == 200
    assert SecurityEvent.objects.filter(user=finance, kind=SecurityEventKind.MFA_ENABLED).exists()

    client.post("/logout/")
    password_login(client, finance)
    ask = client.get("/invoices/")
    assert ask.status_code == 302 and ask["Location"] == "/mfa/verify/?next=%2Finvoices%2F"
    device.refresh_from_db()
    reused = client.post("/mfa/verify/", {"code": code(device), "next": "/invoices/"})
    assert reused.status_code == 400  # the code used to enrol is not taken a second time
    verified = client.post("/mfa/verify/", {"code": code(device, steps_ahead=1), "next": "/invoices/"})
    assert verified.status_code == 302 and verified["Location"] == "/invoices/"
    assert client.get("/invoices/").status_code == 200


def test_a_required_user_cannot_turn_two_factor_off(client, finance):
    device = enrolled(finance)
    password_login(client, finance)
    client.post("/mfa/verify/", {"code": code(device)})
    page = client.get("/mfa/").content.decode()
    assert "cannot be turned off" in page and 'action="/mfa/disable/"' not in page
    response = client.post("/mfa/disable/", {"code": code(device, 1)}, follow=True)
    assert "cannot be turned off" in response.content.decode()
    assert TOTPDevice.objects.filter(user=finance, confirmed=True).exists()


def test_a_budget_owner_is_an_approver_and_must_enrol(client):
    owner = UserFactory(role="requester")
    password_login(client, owner)
    assert client.get("/").status_code == 200  # a requester without approvals: optional
    from procurement.models import LegalEntity

    entity = LegalEntity.objects.create(name="E", tax_id="91310000MA1FL0001R")
    CostCentre.objects.create(legal_entity=entity, code="CC-1", name="CC", budget_owner=owner)
    assert client.get("/")["Location"].startswith("/mfa/setup/")


def test_a_supplier_user_turns_two_factor_on_and_off_with_the_current_code(client, supplier_user_a):
    password_login(client, supplier_user_a)
    assert client.get("/").status_code == 200  # optional: no detour
    assert "Off: logins need only your password." in client.get("/mfa/").content.decode()
    client.get("/mfa/setup/")
    device = TOTPDevice.objects.get(user=supplier_user_a)
    assert client.post("/mfa/setup/", {"code": code(device)}).status_code == 302
    assert "On: each login asks" in client.get("/mfa/").content.decode()

    wrong = client.post("/mfa/disable/", {"code": "12345x"}, follow=True)  # not even digits
    assert "The code is not correct" in wrong.content.decode()
    assert TOTPDevice.objects.filter(user=supplier_user_a, confirmed=True).exists()
    device.refresh_from_db()
    off = client.post("/mfa/disable/", {"code": code(device, 1)}, follow=True)
    assert "Two-factor authentication is off." in off.content.decode()
    assert not TOTPDevice.objects.filter(user=supplier_user_a).exists()
    kinds = set(SecurityEvent.objects.filter(user=supplier_user_a).values_list("kind", flat=True))
    assert {SecurityEventKind.MFA_ENABLED, SecurityEventKind.MFA_DISABLED} <= kinds


def test_two_factor_changes_need_a_recent_password(client, supplier_user_a):
    client.force_login(supplier_user_a)
    session = client.session
    session.pop(SESSION_AUTH_AT)  # the password was proved longer ago than REAUTH_WINDOW
    session.save()
    page = client.get("/mfa/setup/").content.decode()
    assert 'name="password"' in page
    device = TOTPDevice.objects.get(user=supplier_user_a)
    refused = client.post("/mfa/setup/", {"code": code(device)})
    assert refused.status_code == 400 and "Confirm your password" in refused.content.decode()
    wrong = client.post("/mfa/setup/", {"code": code(device), "password": "nope"})
    assert wrong.status_code == 400 and "The password is not correct." in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=supplier_user_a, confirmed=True).exists()
    ok = client.post("/mfa/setup/", {"code": code(device), "password": PASSWORD})
    assert ok.status_code == 302
    assert TOTPDevice.objects.filter(user=supplier_user_a, confirmed=True).exists()


def test_wrong_codes_lock_the_account_like_wrong_passwords(client, finance, settings):
    settings.AXES_FAILURE_LIMIT = 3
    device = enrolled(finance)
    password_login(client, finance)
    good = code(device)
    wrong = "000000" if good != "000000" else "111111"
    assert client.post("/mfa/verify/", {"code": wrong}).status_code == 400
    assert client.post("/mfa/verify/", {"code": wrong}).status_code == 400
    locked = client.post("/mfa/verify/", {"code": wrong})
    assert locked.status_code == 429 and "locked" in locked.content.decode()
    assert client.get("/")["Location"].startswith("/login/")  # logged out
    again = Client().post("/login/", {"username": finance.username, "password": PASSWORD})
    assert again.status_code != 302  # the password alone does not get back in while locked
    events = list(SecurityEvent.objects.filter(username=finance.username).values_list("kind", flat=True))
    assert events.count(SecurityEventKind.MFA_FAILED) >= 3
    assert SecurityEventKind.LOCKED_OUT in events


def test_a_session_owing_its_code_cannot_create_a_token(client, finance):
    enrolled(finance)
    password_login(client, finance)
    response = client.post("/tokens/new/", {"name": "x", "scope": "read"})
    assert response.status_code == 302 and response["Location"].startswith("/mfa/verify/")
    assert not ApiToken.objects.exists()


def test_the_verify_page_sends_back_only_to_portal_pages(client, supplier_user_a):
    device = enrolled(supplier_user_a)
    password_login(client, supplier_user_a)
    response = client.post("/mfa/verify/", {"code": code(device), "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"
