"""The attack side: every POST to every URL of the portal (and the Django admin) without a CSRF
token is refused by the CSRF check, also for a logged-in user; the API refuses session calls
without CSRF and every kind of bad token. (Bad/revoked tokens and `check --deploy` have their
own tests in tests/core; these add what was missing.)"""

import re
import uuid

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from core.models import ApiToken
from core.services import api_token_create, api_token_revoke
from tests.factories import SupplierFactory, UserFactory, make_supplier_user

PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
FILL = {"int": "1", "str": "x", "slug": "x", "path": "x", "uuid": str(uuid.UUID(int=1))}


def every_route(patterns=None, prefix=""):
    """Every path()-style URL pattern, the admin's included; regex patterns are Django's own."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        route = str(p.pattern)
        if isinstance(p, URLResolver):
            yield from every_route(p.url_patterns, prefix + route)
        elif isinstance(p, URLPattern):
            full = prefix + route
            if not (full.startswith("^") or "(?P<" in full):
                yield "/" + PARAM.sub(lambda m: FILL[m["conv"] or "str"], full)


def public_api_posts() -> set[str]:
    """API operations without authentication (e.g. accepting an invitation): no session to forge."""
    from config.api import api

    paths = api.get_openapi_schema()["paths"]
    return {path for path, ops in paths.items() if "post" in ops and "security" not in ops["post"]}


def row_counts() -> dict:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.fixture
def logged_in():
    """Clients that enforce CSRF (as browsers do), logged in as a buyer and as a supplier user."""
    supplier = SupplierFactory(state="approved")
    users = [UserFactory(username="csrf-buyer", role="buyer"), make_supplier_user(supplier, "csrf-supplier")]
    clients = []
    for user in users:
        client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        client.force_login(user)
        clients.append(client)
    return clients


def refused_by_the_csrf_check(caplog, response) -> bool:
    """403 from Django's CSRF check (it logs the reason on django.security.csrf)."""
    logged = [r for r in caplog.records if r.name == "django.security.csrf"]
    caplog.clear()
    return response.status_code == 403 and len(logged) == 1


@pytest.mark.django_db
def test_every_post_without_a_csrf_token_is_refused_and_changes_nothing(logged_in, caplog):
    public = public_api_posts()
    routes = sorted(set(every_route()) - public)
    assert len(routes) >= 80, "the walker found suspiciously few URLs"
    assert len(public) <= 2, f"more public API operations than expected: {public}"
    before = row_counts()
    caplog.set_level("WARNING", logger="django.security.csrf")
    for client in logged_in:
        for url in routes:
            caplog.clear()
            if url.startswith("/api/"):
                response = client.post(
                    url, data='{"name": "x", "reason": "x"}', content_type="application/json"
                )
            else:
                response = client.post(url, {"name": "x", "reason": "x", "action": "approve"})
            if refused_by_the_csrf_check(caplog, response):
                continue
            # The API's views do their own check: a session without the CSRF token is not authenticated
            # (405: that API path takes no POST at all).
            assert url.startswith("/api/") and response.status_code in (401, 403, 405), (
                f"POST {url} without a CSRF token → {response.status_code}"
            )
            if response.status_code != 405:
                assert response.json()["code"] in ("unauthenticated", "http_403"), url
    assert row_counts() == before


@pytest.mark.django_db
def test_the_same_form_post_with_the_csrf_token_passes_the_check(logged_in, caplog):
    """Control: the refusals above come from the CSRF check, not from the view."""
    client = logged_in[0]
    token = client.get("/tokens/").context["csrf_token"]
    caplog.set_level("WARNING", logger="django.security.csrf")
    caplog.clear()
    response = client.post("/tokens/new/", {"name": "erp", "csrfmiddlewaretoken": str(token)})
    assert not refused_by_the_csrf_check(caplog, response)
    assert ApiToken.objects.filter(name="erp").exists()


# -- tokens: what tests/core/test_api.py does not cover yet -----------------------------------------


@pytest.fixture
def alice(db):
    return make_supplier_user(SupplierFactory(state="approved"), "token-alice")


def me(client, authorization=None, **extra):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization is not None else {}
    return client.get("/api/me", **headers, **extra)


def test_a_token_of_a_deactivated_user_is_refused(client, alice):
    raw = api_token_create(user=alice, name="erp")[1]
    assert me(client, f"Bearer {raw}").status_code == 200
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    response = me(client, f"Bearer {raw}")
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer",
        "Bearer ",
        "Bearer pp_",
        "bearer {raw}x",
        "Token {raw}",
        "Basic {raw}",
        "{raw}",
        "Bearer {prefix}",
        "Bearer {hash}",
        "Bearer {raw} {raw}",
        "Bearer {raw}\x00",
    ],
)
def test_a_malformed_or_forged_authorization_header_is_refused(client, alice, authorization):
    raw = api_token_create(user=alice, name="erp")[1]
    stored = ApiToken.objects.get()
    header = authorization.format(raw=raw, prefix=stored.key_prefix, hash=stored.key_hash)
    response = me(client, header)
    assert response.status_code == 401, (header, response.status_code)
    assert response.json()["code"] == "unauthenticated"


def test_a_token_in_the_query_string_or_a_cookie_is_not_accepted(client, alice):
    raw = api_token_create(user=alice, name="erp")[1]
    assert client.get(f"/api/me?token={raw}&access_token={raw}").status_code == 401
    client.cookies["token"] = raw
    assert client.get("/api/me").status_code == 401


def test_a_revoked_token_can_no_longer_write(client, alice):
    raw = api_token_create(user=alice, name="erp")[1]
    api_token_revoke(token=ApiToken.objects.get(), actor=alice)
    response = client.post(
        "/api/tokens",
        data='{"name": "second"}',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 401
    assert ApiToken.objects.count() == 1
