import json

import pytest
from openapi_spec_validator import validate

from core.models import ApiToken
from core.services import api_token_create


@pytest.fixture
def token_of(db):
    def make(user):
        return api_token_create(user=user, name="erp")[1]

    return make


def test_openapi_document_is_valid_openapi_3_and_lists_every_endpoint(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert document["openapi"].startswith("3.")
    from config.api import api

    listed = {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}
    routed = [
        method
        for _prefix, router in api._routers
        for path_view in router.path_operations.values()
        for op in path_view.operations
        for method in op.methods
    ]
    assert len(listed) == len(routed) >= 10
    assert ("/api/suppliers/{supplier_id}", "GET") in listed


def test_unauthenticated_api_call_gets_401_with_a_code(client):
    response = client.get("/api/suppliers/")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_bad_token_is_refused_with_401(client, supplier_user_a, token_of):
    token_of(supplier_user_a)
    response = client.get("/api/me", HTTP_AUTHORIZATION="Bearer pp_not-a-real-token")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_token_authenticates_its_user_and_only_its_hash_is_stored(client, supplier_user_a, token_of):
    raw = token_of(supplier_user_a)
    response = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert response.json()["username"] == "alice"
    assert response.json()["supplier_id"] == supplier_user_a.membership.supplier_id
    stored = ApiToken.objects.get()
    assert raw not in (stored.key_hash, stored.key_prefix)
    assert stored.key_hash == ApiToken.hash(raw)
    assert stored.last_used_at is not None


def test_revoked_token_stops_working(client, supplier_user_a, token_of):
    raw = token_of(supplier_user_a)
    token = ApiToken.objects.get()
    response = client.delete(f"/api/tokens/{token.pk}", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200 and response.json()["revoked_at"]
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_token_created_through_the_api_is_shown_once(client, supplier_user_a, token_of):
    token_of(supplier_user_a)
    client.force_login(supplier_user_a)  # a fresh login: token creation needs a recent password
    response = client.post(
        "/api/tokens", data=json.dumps({"name": "second"}), content_type="application/json"
    )
    assert response.status_code == 201
    client.logout()
    new_key = response.json()["key"]
    assert new_key.startswith("pp_")
    listing = client.get("/api/tokens", HTTP_AUTHORIZATION=f"Bearer {new_key}").json()
    assert {t["name"] for t in listing} == {"erp", "second"}
    assert all("key" not in t for t in listing)


def test_illegal_transition_through_the_api_is_409_with_code_and_changes_nothing(
    client, buyer, supplier_a, token_of
):
    raw = token_of(buyer)
    response = client.post(
        f"/api/suppliers/{supplier_a.pk}/approve",
        data="{}",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"
    supplier_a.refresh_from_db()
    assert supplier_a.state == "approved"


def test_session_api_call_without_csrf_token_is_refused(supplier_user_a, buyer, supplier_a):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(buyer)
    response = client.post(
        f"/api/suppliers/{supplier_a.pk}/suspend", data='{"reason": "x"}', content_type="application/json"
    )
    assert response.status_code in (401, 403)
    supplier_a.refresh_from_db()
    assert supplier_a.state == "approved"


def test_wrong_tax_id_through_the_api_is_a_422_with_code(client, buyer, token_of):
    raw = token_of(buyer)
    response = client.post(
        "/api/suppliers/",
        data=json.dumps({"name": "X", "tax_id": "91350100M000100Y44"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_tax_id"
    assert "tax_id" in response.json()["details"]["fields"]


def test_an_unexpected_error_is_a_json_500_and_is_logged(
    client, supplier_user_a, token_of, monkeypatch, caplog
):
    import suppliers.api

    def broken(user):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(suppliers.api.selectors, "supplier_list", broken)
    client.raise_request_exception = False
    with caplog.at_level("ERROR", logger="django.request"):
        response = client.get("/api/suppliers/", HTTP_AUTHORIZATION=f"Bearer {token_of(supplier_user_a)}")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "server_error"
    assert "database on fire" not in response.content.decode()  # no internals leak to the caller
    assert any(r.exc_info and "database on fire" in str(r.exc_info[1]) for r in caplog.records)


def test_a_token_expires_after_its_lifetime_and_then_gets_401(client, supplier_user_a, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.API_TOKEN_LIFETIME_DAYS = 30
    token, raw = api_token_create(user=supplier_user_a, name="erp")
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"
    client.force_login(supplier_user_a)
    assert client.get("/api/tokens").json()[0]["expires_at"] is not None


def test_lifetime_zero_makes_tokens_that_do_not_expire(supplier_user_a, settings):
    settings.API_TOKEN_LIFETIME_DAYS = 0
    token, raw = api_token_create(user=supplier_user_a, name="erp")
    assert token.expires_at is None and token.is_active


def test_last_use_is_written_at_most_once_a_minute(client, supplier_user_a, token_of):
    raw = token_of(supplier_user_a)
    client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    first = ApiToken.objects.get().last_used_at
    client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert ApiToken.objects.get().last_used_at == first  # not rewritten within the minute


def test_the_tokens_page_shows_expiry_and_offers_no_revoke_for_an_expired_token(client, supplier_user_a):
    from datetime import timedelta

    from django.utils import timezone

    live, _ = api_token_create(user=supplier_user_a, name="live-one")
    old, _ = api_token_create(user=supplier_user_a, name="old-one")
    ApiToken.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(days=1))
    client.force_login(supplier_user_a)
    page = client.get("/tokens/").content.decode()
    assert f"/tokens/{live.pk}/revoke/" in page
    assert f"/tokens/{old.pk}/revoke/" not in page and "expired" in page
