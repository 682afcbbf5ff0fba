"""API tokens as a person and a program meet them: made only after a recent password proof,
never by another token, scoped (read / read+write), revoked with everything they made."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import ApiToken
from core.services import SESSION_AUTH_AT, api_token_create
from tests.factories import SupplierFactory, make_supplier_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(db):
    return make_supplier_user(SupplierFactory(state="approved"), "tok-alice")


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post_json(client, url, body, **extra):
    return client.post(url, data=json.dumps(body), content_type="application/json", **extra)


def age_login(client, minutes):
    session = client.session
    session[SESSION_AUTH_AT] = (timezone.now() - timedelta(minutes=minutes)).timestamp()
    session.save()


def test_a_token_cannot_create_tokens(client, alice):
    raw = api_token_create(user=alice, name="erp")[1]
    response = post_json(client, "/api/tokens", {"name": "child", "scope": "read_write"}, **bearer(raw))
    assert response.status_code == 403
    assert response.json()["code"] == "token_cannot_create_tokens"
    assert ApiToken.objects.count() == 1


def test_a_fresh_login_creates_a_token_through_the_api_and_the_page(client, alice):
    client.force_login(alice)
    response = post_json(client, "/api/tokens", {"name": "by-api"})
    assert response.status_code == 201 and response.json()["scope"] == "read"
    page = client.post("/tokens/new/", {"name": "by-page", "scope": "read_write"})
    assert page.status_code == 200
    assert "Copy this key now" in page.content.decode()
    assert dict(ApiToken.objects.values_list("name", "scope")) == {"by-api": "read", "by-page": "read_write"}


def test_a_session_logged_in_long_ago_must_confirm_the_password(client, alice):
    client.force_login(alice)
    age_login(client, 16)
    response = post_json(client, "/api/tokens", {"name": "late"})
    assert response.status_code == 403 and response.json()["code"] == "reauthentication_required"
    page = client.get("/tokens/").content.decode()
    assert 'name="password"' in page and "Confirm your password" in page
    refused = client.post("/tokens/new/", {"name": "late", "scope": "read"})
    assert refused.status_code == 400 and "Confirm your password" in refused.content.decode()
    wrong = client.post("/tokens/new/", {"name": "late", "scope": "read", "password": "not-it"})
    assert wrong.status_code == 400 and "The password is not correct." in wrong.content.decode()
    assert not ApiToken.objects.exists()
    right = client.post(
        "/tokens/new/", {"name": "late", "scope": "read", "password": "correct-horse-battery"}
    )
    assert right.status_code == 200 and ApiToken.objects.filter(name="late").exists()
    # the password proof counts for the API too, for the next 15 minutes
    assert post_json(client, "/api/tokens", {"name": "after"}).status_code == 201


def test_wrong_password_confirmations_count_towards_the_login_lock(client, alice, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client.force_login(alice)
    age_login(client, 30)
    for _ in range(3):
        client.post(
            "/tokens/new/", {"name": "x", "scope": "read", "password": "guess"}, REMOTE_ADDR="10.0.0.9"
        )
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.filter(username=alice.username).exists()
    right = client.post(
        "/tokens/new/",
        {"name": "x", "scope": "read", "password": "correct-horse-battery"},
        REMOTE_ADDR="10.0.0.9",
    )
    assert right.status_code in (400, 403, 429) and not ApiToken.objects.exists()


def test_a_read_token_reads_but_cannot_write(client, alice):
    token, raw = api_token_create(user=alice, name="reader", scope="read")
    assert client.get("/api/me", **bearer(raw)).status_code == 200
    response = client.delete(f"/api/tokens/{token.pk}", **bearer(raw))
    assert response.status_code == 403 and response.json()["code"] == "token_scope_read_only"
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_read_write_token_may_write(client, alice):
    token, raw = api_token_create(user=alice, name="writer", scope="read_write")
    response = client.delete(f"/api/tokens/{token.pk}", **bearer(raw))
    assert response.status_code == 200 and response.json()["revoked_at"]


def test_revoking_a_token_revokes_every_token_it_made(client, alice):
    parent, parent_raw = api_token_create(user=alice, name="parent")
    child, child_raw = api_token_create(user=alice, name="child", parent=parent)
    grandchild, grandchild_raw = api_token_create(user=alice, name="grandchild", parent=child)
    other, other_raw = api_token_create(user=alice, name="other")
    client.force_login(alice)
    assert client.post(f"/tokens/{parent.pk}/revoke/").status_code == 302
    client.logout()
    for raw in (parent_raw, child_raw, grandchild_raw):
        assert client.get("/api/me", **bearer(raw)).status_code == 401
    assert client.get("/api/me", **bearer(other_raw)).status_code == 200
    assert set(ApiToken.objects.filter(revoked_at__isnull=False).values_list("name", flat=True)) == {
        "parent",
        "child",
        "grandchild",
    }


def test_the_tokens_page_shows_scope_and_last_use(client, alice):
    _, raw = api_token_create(user=alice, name="reader-tok", scope="read")
    api_token_create(user=alice, name="writer-tok")
    client.get("/api/me", **bearer(raw))
    client.force_login(alice)
    page = client.get("/tokens/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    used_row = page[page.index("reader-tok") : page.index("</tr>", page.index("reader-tok"))]
    unused_row = page[page.index("writer-tok") : page.index("</tr>", page.index("writer-tok"))]
    assert "Read only" in used_row and "never" not in used_row.split("</td>")[4]
    assert "Read and write" in unused_row and "never" in unused_row.split("</td>")[4]


@pytest.mark.parametrize("authorization", [None, "Bearer pp_made-up", "Bearer revoked"])
def test_anonymous_or_bad_token_api_writes_answer_401_json(client, alice, authorization):
    headers = {}
    if authorization == "Bearer revoked":
        token, raw = api_token_create(user=alice, name="gone")
        token.revoked_at = timezone.now()
        token.save()
        headers = bearer(raw)
    elif authorization:
        headers = {"HTTP_AUTHORIZATION": authorization}
    for method, url in (("post", "/api/tokens"), ("delete", "/api/tokens/1"), ("post", "/api/invoices/")):
        if method == "post":
            response = post_json(client, url, {"name": "x"}, **headers)
        else:
            response = client.delete(url, **headers)
        assert response.status_code == 401, (url, response.status_code, response.content)
        assert response.json()["code"] == "unauthenticated"


def test_a_logged_in_session_still_needs_the_csrf_token_for_api_writes(alice):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = post_json(client, "/api/tokens", {"name": "no-csrf"})
    assert response.status_code == 403
    assert not ApiToken.objects.exists()
