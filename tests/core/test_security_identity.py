"""Identity as a person meets it: changing the password, resetting it by the e-mailed link,
choosing a user name at self-registration, and a session that ends after inactivity."""

import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import DomainError
from core.models import User
from core.validators import validate_username
from suppliers.services import supplier_invite
from tests.factories import UserFactory, make_uscc

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-fresh-long-password-42"


def test_a_logged_in_user_changes_the_password_and_other_sessions_end(client, buyer):
    from django.test import Client

    other_browser = Client()
    other_browser.force_login(buyer)
    client.force_login(buyer)
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'href="/password/change/"' in home
    page = client.get("/password/change/")
    assert page.status_code == 200 and 'name="old_password"' in page.content.decode()
    wrong = client.post(
        "/password/change/",
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200 and 'role="alert"' in wrong.content.decode()
    response = client.post(
        "/password/change/",
        {
            "old_password": "correct-horse-battery",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302 and response["Location"] == "/password/change/done/"
    buyer.refresh_from_db()
    assert buyer.check_password(NEW_PASSWORD)
    assert client.get("/").status_code == 200  # this session goes on
    assert other_browser.get("/").status_code == 302  # the other one is logged out


def test_a_weak_new_password_is_refused_on_the_page(client, buyer):
    client.force_login(buyer)
    response = client.post(
        "/password/change/",
        {"old_password": "correct-horse-battery", "new_password1": "12345", "new_password2": "12345"},
    )
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    buyer.refresh_from_db()
    assert buyer.check_password("correct-horse-battery")


def test_a_forgotten_password_is_reset_by_following_the_link_from_the_email(client, settings):
    settings.PORTAL_BASE_URL = "https://portal.example.cn/"
    user = UserFactory(username="forgetful", email="forgetful@example.cn")
    login = client.get("/login/").content.decode()
    assert 'href="/password/reset/"' in login
    response = client.post(
        "/password/reset/",
        {"email": "forgetful@example.cn"},
        HTTP_HOST="evil.example",
        SERVER_NAME="evil.example",
    )
    # an unknown Host header is refused before any mail; the same request on the right host works
    assert response.status_code in (302, 400)
    mail.outbox.clear()
    response = client.post("/password/reset/", {"email": "forgetful@example.cn"})
    assert response.status_code == 302 and response["Location"] == "/password/reset/sent/"
    (message,) = mail.outbox
    assert message.to == ["forgetful@example.cn"] and "\n" not in message.subject
    link = re.search(r"https?://\S+", message.body).group(0)
    assert link.startswith("https://portal.example.cn/password/reset/")  # from PORTAL_BASE_URL
    assert "evil.example" not in message.body and "testserver" not in message.body
    path = link.removeprefix("https://portal.example.cn")
    form = client.get(path, follow=True)
    assert form.status_code == 200 and 'name="new_password1"' in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302 and done["Location"] == "/password/reset/complete/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    again = client.get(path, follow=True).content.decode()
    assert 'name="new_password1"' not in again  # the link works once


def test_a_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client):
    response = client.post("/password/reset/", {"email": "nobody@example.cn"})
    assert response.status_code == 302 and response["Location"] == "/password/reset/sent/"
    assert mail.outbox == []


def test_the_reset_pages_are_translated_and_inside_the_portal_layout(client):
    zh = client.get("/password/reset/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    en = client.get("/password/reset/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'class="top"' in en and "Reset your password" in en
    assert 'lang="zh-hans"' in zh and 'lang="en"' in en


@pytest.mark.parametrize(
    "username",
    [
        "",
        "ab",
        "admin",
        "Administrator",
        "a b",
        "<b>x</b>",
        "=cmd",
        "名字",
        "аdmin",
        "x\u202eyz",
        "a" * 31,
        "-lead",
    ],
)
def test_self_registration_refuses_an_unfit_user_name_on_the_page(client, buyer, username):
    invitation, raw = supplier_invite(email="new@example.cn", actor=buyer)
    response = client.post(
        f"/suppliers/invitations/{raw}/",
        {
            "username": username,
            "password": "a-long-enough-password-9",
            "name": "深圳新供应商有限公司",
            "tax_id": make_uscc("91440300MA"),
        },
    )
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not User.objects.filter(role="supplier").exists()


def test_self_registration_accepts_a_plain_user_name(client, buyer):
    invitation, raw = supplier_invite(email="new@example.cn", actor=buyer)
    response = client.post(
        f"/suppliers/invitations/{raw}/",
        {
            "username": "wang.li-2026",
            "password": "a-long-enough-password-9",
            "name": "深圳新供应商有限公司",
            "tax_id": make_uscc("91440300MA"),
        },
    )
    assert response.status_code == 302
    assert User.objects.filter(username="wang.li-2026", role="supplier").exists()


def test_the_user_name_validator_gives_a_code_for_each_refusal():
    codes = {}
    for value in ("", "ab", "root"):
        with pytest.raises(DomainError) as exc:
            validate_username(value)
        codes[value] = exc.value.code
    assert codes == {"": "username_required", "ab": "invalid_username", "root": "username_reserved"}
    assert validate_username("  li.wei  ") == "li.wei"


def test_a_session_idle_longer_than_the_session_age_is_logged_out(client, buyer, settings):
    """With the settings the report asks for (a 30-minute idle timeout): a request pushes the end of
    the session on (core.sessions writes it when the end would move by more than a minute); a
    session left alone past it is gone."""
    settings.SESSION_COOKIE_AGE = 30 * 60
    assert not settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_REFRESH_SECONDS == 60
    client.force_login(buyer)
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(minutes=1))
    assert client.get("/").status_code == 200
    pushed = Session.objects.get(session_key=key).expire_date
    assert pushed > timezone.now() + timedelta(minutes=29)  # activity extends the session
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_session_is_written_at_most_once_a_minute_and_still_ends_after_the_idle_timeout(
    client, buyer, settings
):
    """Requests within a minute of the last write leave the session row alone (no UPDATE per
    page); the first request whose push would move the end by more than a minute writes it and
    sends the cookie again."""
    settings.SESSION_COOKIE_AGE = 30 * 60
    client.force_login(buyer)
    key = client.session.session_key
    almost_now = timezone.now() + timedelta(minutes=30) - timedelta(seconds=30)
    Session.objects.filter(session_key=key).update(expire_date=almost_now)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    assert not [q for q in queries if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")]
    assert Session.objects.get(session_key=key).expire_date == almost_now
    assert "sessionid" not in response.cookies  # nothing written, nothing sent again
    two_minutes_old = timezone.now() + timedelta(minutes=28)
    Session.objects.filter(session_key=key).update(expire_date=two_minutes_old)
    response = client.get("/")
    pushed = Session.objects.get(session_key=key).expire_date
    assert pushed > timezone.now() + timedelta(minutes=29)
    assert response.cookies["sessionid"]["max-age"] == 30 * 60
    client.post("/logout/")  # a changed session is written at once, whatever its end
    assert not Session.objects.filter(session_key=key).exists()
