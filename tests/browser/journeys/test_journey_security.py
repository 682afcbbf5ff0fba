"""Journey: a person who forgot their password gets it back by the e-mailed link, logs in,
makes a read-only API token (no password prompt right after login), sees its last use, and
changes the password from the header; no page breaks the Content-Security-Policy.

The new screens are found by their links' addresses, not their words, so the test survives the
catalogue being translated.
"""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.journey, pytest.mark.browser]

USER = "requester"
EMAIL = "requester@demo.example"
NEW_PASSWORD = "Spring-2026-纸张-order"
NEWER_PASSWORD = "Autumn-2026-墨盒-order"


def watch_csp(page, violations: list) -> None:
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )


def test_forgotten_password_reset_by_mail_then_a_read_only_token_and_a_password_change(
    demo_server, journey_page, shot
):
    # The one fact no screen shows: the demo user's mailbox (demo users have no e-mail address).
    demo_server.manage(
        "shell",
        "-c",
        f"from core.models import User; User.objects.filter(username={USER!r}).update(email={EMAIL!r})",
    )
    violations: list[str] = []
    page = journey_page()
    watch_csp(page, violations)
    page.goto("/")
    assert "/login/" in page.url
    page.locator('main a[href="/password/reset/"]').click()
    shot(page, "security-reset-request")
    page.locator("#id_email").fill(EMAIL)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/password/reset/sent/")
    shot(page, "security-reset-sent")

    mail = demo_server.wait_for_email(to=EMAIL, subject_contains="重置您的门户密码")
    assert "\n" not in mail["subject"]
    link = re.search(r"http://\S+/password/reset/\S+/", mail["body"]).group(0)
    assert link.startswith(demo_server.url)  # the link points at the portal the person uses

    page.goto(link)  # the person opens the link from the e-mail
    page.wait_for_selector("#id_new_password1")
    # too weak first: the page says why and nothing changes
    page.locator("#id_new_password1").fill("12345678")
    page.locator("#id_new_password2").fill("12345678")
    page.locator("main form button[type=submit]").click()
    assert page.locator("main [role=alert]").count() >= 1
    shot(page, "security-reset-weak-password")
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/password/reset/complete/")
    shot(page, "security-reset-complete")

    # the link works once
    page.goto(link)
    assert page.locator("#id_new_password1").count() == 0
    assert page.locator('main a[href="/password/reset/"]').count() == 1

    # log in with the new password (the old demo password no longer works)
    page.goto("/login/")
    page.locator("#id_username").fill(USER)
    page.locator("#id_password").fill("portal-demo-2026")
    page.locator("main form button[type=submit]").click()
    assert "/login/" in page.url and page.locator("main [role=alert]").count() == 1
    page.locator("#id_username").fill(USER)
    page.locator("#id_password").fill(NEW_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login/" not in url)

    # a read-only token, right after logging in: no password asked
    page.locator('nav a[href="/tokens/"]').click()
    assert page.locator("#token-password").count() == 0
    page.locator("#token-name").fill("ERP 只读")
    page.locator('input[name=scope][value="read"]').check()
    page.locator('form[action="/tokens/new/"] button').click()
    key = page.locator("main [role=status] code").inner_text()
    assert key.startswith("pp_")
    shot(page, "security-token-created")

    # the token reads, cannot write, and its use shows on the page
    me = page.request.get("/api/me", headers={"Authorization": f"Bearer {key}"})
    assert me.status == 200 and me.json()["username"] == USER
    write = page.request.post(
        "/api/tokens", data={"name": "child"}, headers={"Authorization": f"Bearer {key}"}
    )
    assert write.status == 403 and write.json()["code"] == "token_scope_read_only"
    page.reload()
    row = page.locator("tbody tr", has_text="ERP 只读")
    cells = row.locator("td")
    assert cells.nth(4).inner_text().strip() not in ("", "从未", "never", "—")

    # change the password from the header
    page.locator('header a[href="/password/change/"]').click()
    shot(page, "security-password-change")
    page.locator("#id_old_password").fill(NEW_PASSWORD)
    page.locator("#id_new_password1").fill(NEWER_PASSWORD)
    page.locator("#id_new_password2").fill(NEWER_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/password/change/done/")
    shot(page, "security-password-changed")
    assert violations == [], violations


def test_the_tokens_page_in_english_asks_for_the_password_after_a_while(demo_server, journey_page, shot):
    """In English: a person logged in for more than 15 minutes confirms the password to make a
    token (the session's login time is moved back: time passing is not a screen's to show)."""
    page = journey_page("finance", locale="en")
    violations: list[str] = []
    watch_csp(page, violations)
    page.locator('nav a[href="/tokens/"]').click()
    assert page.locator("#token-password").count() == 0
    demo_server.manage(
        "shell",
        "-c",
        "import time\n"
        "from django.contrib.sessions.backends.db import SessionStore\n"
        "from django.contrib.sessions.models import Session\n"
        "for s in Session.objects.all():\n"
        "    store = SessionStore(session_key=s.session_key)\n"
        "    if 'portal_auth_at' in store:\n"
        "        store['portal_auth_at'] = time.time() - 3600\n"
        "        store.save()\n",
    )
    page.reload()
    assert page.locator("#token-password").is_visible()
    page.locator("#token-name").fill("reconciliation")
    page.locator("#token-password").fill("wrong-password")
    page.locator('form[action="/tokens/new/"] button').click()
    assert "The password is not correct." in page.locator("main [role=alert]").inner_text()
    page.locator("#token-name").fill("reconciliation")
    page.locator("#token-password").fill("portal-demo-2026")
    page.locator('form[action="/tokens/new/"] button').click()
    assert page.locator("main [role=status] code").inner_text().startswith("pp_")
    shot(page, "security-token-reauth-en")
    page.goto("/api/docs")  # the docs link of the README, for a logged-in person
    page.wait_for_selector(".swagger-ui .info", timeout=20_000)
    shot(page, "security-api-docs-en")
    assert violations == [], violations
