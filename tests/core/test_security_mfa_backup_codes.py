"""Backup codes as a person meets them: generated on the two-factor page and shown once, typed
at the code prompt when the phone is lost, each taken once, wrong ones locking the account like
wrong authenticator codes, gone when two-factor authentication is turned off."""

import re
import time

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import SecurityEvent, SecurityEventKind
from core.services import SESSION_AUTH_AT
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"
CODE_RE = re.compile(r"<li><code>([a-z0-9]{4}-[a-z0-9]{4})</code></li>")


@pytest.fixture(autouse=True)
def mfa_on(settings):
    settings.MFA_REQUIRED = True
    settings.MFA_REQUIRED_ROLES = ["finance", "staff", "buyer"]
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the throttle has its own test below
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def code(device, steps_ahead=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def password_login(client, user):
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


def enrolled_and_verified(client, user):
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    password_login(client, user)
    assert client.post("/mfa/verify/", {"code": code(device)}).status_code == 302
    return device


def generate(client):
    page = client.post("/mfa/backup-codes/")
    assert page.status_code == 200, page.content.decode()[:500]
    return page, CODE_RE.findall(page.content.decode())


def test_generated_codes_are_shown_once_and_log_in_once_each(client, finance):
    enrolled_and_verified(client, finance)
    manage = client.get("/mfa/").content.decode()
    assert "Backup codes: 0 of 10 left." in manage and 'action="/mfa/backup-codes/"' in manage

    page, codes = generate(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert page["Cache-Control"] == "no-store"
    assert "shown only this once" in page.content.decode()
    assert "Backup codes: 10 of 10 left." in page.content.decode()
    again = client.get("/mfa/").content.decode()
    assert "Backup codes: 10 of 10 left." in again
    assert not any(c in again for c in codes)  # never shown again
    assert SecurityEvent.objects.filter(
        user=finance, kind=SecurityEventKind.MFA_BACKUP_CODES_GENERATED
    ).exists()

    client.post("/logout/")
    password_login(client, finance)
    assert client.get("/invoices/")["Location"].startswith("/mfa/verify/")
    typed = " " + codes[0].upper().replace("-", " - ") + " "  # any case, spaces and dashes
    used = client.post("/mfa/verify/", {"code": typed, "next": "/invoices/"}, follow=True)
    assert used.redirect_chain[0] == ("/invoices/", 302)
    assert used.status_code == 200 and "9 backup codes are left." in used.content.decode()
    assert client.get("/").status_code == 200
    assert "Backup codes: 9 of 10 left." in client.get("/mfa/").content.decode()
    verified = SecurityEvent.objects.filter(user=finance, kind=SecurityEventKind.MFA_VERIFIED).first()
    assert verified.details == {"method": "backup_code"}

    client.post("/logout/")
    password_login(client, finance)
    reused = client.post("/mfa/verify/", {"code": codes[0]})
    assert reused.status_code == 400 and "The code is not correct" in reused.content.decode()
    assert client.get("/")["Location"].startswith("/mfa/verify/")
    assert client.post("/mfa/verify/", {"code": codes[1]}).status_code == 302  # another one works


def test_few_codes_left_ask_for_a_new_set_which_replaces_the_old(client, supplier_user_a):
    enrolled_and_verified(client, supplier_user_a)
    _page, old = generate(client)
    for used in old[:7]:
        client.post("/logout/")
        password_login(client, supplier_user_a)
        response = client.post("/mfa/verify/", {"code": used}, follow=True)
        assert response.redirect_chain[-1] == ("/", 302)
    html = response.content.decode()
    assert "3 backup codes are left." in html and "Generate a new set" in html
    assert "Few are left" in client.get("/mfa/").content.decode()

    _page, new = generate(client)  # the session proved with a backup code may replace them
    assert len(new) == 10 and not set(new) & set(old)
    assert StaticDevice.objects.filter(user=supplier_user_a).count() == 1
    client.post("/logout/")
    password_login(client, supplier_user_a)
    assert client.post("/mfa/verify/", {"code": old[8]}).status_code == 400  # the old set is gone
    assert client.post("/mfa/verify/", {"code": new[0]}).status_code == 302


def test_another_users_code_does_not_work(client, finance, supplier_user_a):
    other = Client()
    enrolled_and_verified(other, supplier_user_a)
    _page, theirs = generate(other)
    TOTPDevice.objects.create(user=finance, name="phone", confirmed=True)
    password_login(client, finance)
    refused = client.post("/mfa/verify/", {"code": theirs[0]})
    assert refused.status_code == 400
    assert client.get("/")["Location"].startswith("/mfa/verify/")
    assert StaticToken.objects.filter(device__user=supplier_user_a).count() == 10  # not used up


def test_ten_wrong_backup_codes_lock_the_account_as_today(client, finance, settings):
    settings.AXES_FAILURE_LIMIT = 10
    enrolled_and_verified(client, finance)
    _page, codes = generate(client)
    client.post("/logout/")
    password_login(client, finance)
    for attempt in range(9):
        wrong = client.post("/mfa/verify/", {"code": f"zzzz-zz{attempt:02d}"})
        assert wrong.status_code == 400, attempt
    locked = client.post("/mfa/verify/", {"code": "zzzz-zz99"})
    assert locked.status_code == 429 and "locked" in locked.content.decode()
    assert client.get("/")["Location"].startswith("/login/")
    again = Client().post("/login/", {"username": finance.username, "password": PASSWORD})
    assert again.status_code != 302  # a right password with a right backup code next would not help
    events = list(SecurityEvent.objects.filter(username=finance.username).values_list("kind", flat=True))
    assert events.count(SecurityEventKind.MFA_FAILED) >= 10 and SecurityEventKind.LOCKED_OUT in events
    assert StaticToken.objects.filter(device__user=finance).count() == 10


def test_wrong_backup_codes_slow_the_authenticator_down_too(client, finance, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    device = enrolled_and_verified(client, finance)
    _page, codes = generate(client)
    client.post("/logout/")
    password_login(client, finance)
    assert client.post("/mfa/verify/", {"code": "zzzzzzzz"}).status_code == 400
    throttled = client.post("/mfa/verify/", {"code": codes[0]})  # right, but too soon after a wrong one
    assert throttled.status_code == 400 and "Too many wrong codes" in throttled.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    assert StaticToken.objects.filter(device__user=finance).count() == 10


def test_a_session_owing_its_code_cannot_generate_backup_codes(client, finance):
    TOTPDevice.objects.create(user=finance, name="phone", confirmed=True)
    password_login(client, finance)
    page = client.get("/mfa/").content.decode()
    assert 'action="/mfa/backup-codes/"' not in page
    response = client.post("/mfa/backup-codes/")
    assert response.status_code == 302 and response["Location"] == "/mfa/verify/"
    assert not StaticToken.objects.exists()


def test_generating_needs_a_recent_password(client, finance):
    enrolled_and_verified(client, finance)
    session = client.session
    session.pop(SESSION_AUTH_AT)
    session.save()
    assert 'id="id_backup_password"' in client.get("/mfa/").content.decode()
    refused = client.post("/mfa/backup-codes/", follow=True)
    assert "Confirm your password" in refused.content.decode() and not StaticToken.objects.exists()
    wrong = client.post("/mfa/backup-codes/", {"password": "nope"}, follow=True)
    assert "The password is not correct." in wrong.content.decode() and not StaticToken.objects.exists()
    _page, codes = generate_with_password(client)
    assert len(codes) == 10


def generate_with_password(client):
    page = client.post("/mfa/backup-codes/", {"password": PASSWORD})
    assert page.status_code == 200
    return page, CODE_RE.findall(page.content.decode())


def test_without_two_factor_there_are_no_backup_codes(client):
    user = UserFactory(role="requester")
    password_login(client, user)
    assert 'action="/mfa/backup-codes/"' not in client.get("/mfa/").content.decode()
    refused = client.post("/mfa/backup-codes/", follow=True)
    assert "Backup codes need two-factor authentication to be on." in refused.content.decode()
    assert not StaticDevice.objects.exists()


def test_turning_two_factor_off_deletes_the_backup_codes(client, supplier_user_a):
    password_login(client, supplier_user_a)
    client.get("/mfa/setup/")
    device = TOTPDevice.objects.get(user=supplier_user_a)
    enrolled = client.post("/mfa/setup/", {"code": code(device)}, follow=True)
    assert enrolled.redirect_chain[-1] == ("/mfa/", 302)
    html = enrolled.content.decode()
    assert "Generate backup codes on the two-factor authentication page now" in html
    assert "Backup codes: 0 of 10 left." in html and 'action="/mfa/backup-codes/"' in html  # offered
    _page, codes = generate(client)
    assert StaticToken.objects.filter(device__user=supplier_user_a).count() == 10
    off = client.post("/mfa/disable/", {"code": code(device, 1)}, follow=True)
    assert "Two-factor authentication is off." in off.content.decode()
    assert not StaticDevice.objects.filter(user=supplier_user_a).exists()
    assert not StaticToken.objects.exists()
    client.post("/logout/")
    password_login(client, supplier_user_a)
    assert client.get("/").status_code == 200  # no code asked, and none of the old ones stands
    assert "Off: logins need only your password." in client.get("/mfa/").content.decode()
