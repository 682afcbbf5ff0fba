"""API rate limits through the API: per token and per client address, 429 JSON with Retry-After,
limits from the settings, the client's address from core.clientip (trusted proxies only)."""

import pytest
from django.core.cache import cache

from core.services import api_token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PROXY = "10.0.0.2"


@pytest.fixture(autouse=True)
def _fresh_counts(settings):
    settings.API_RATE_LIMIT_PER_TOKEN = "3/m"
    settings.API_RATE_LIMIT_PER_IP = "5/m"
    cache.clear()
    yield
    cache.clear()


def _get(client, raw, **extra):
    return client.get("/api/tokens", HTTP_AUTHORIZATION=f"Bearer {raw}", **extra)


def test_a_token_over_its_limit_gets_429_json_with_retry_after_and_another_token_goes_on(client):
    alice = UserFactory(username="alice")
    first = api_token_create(user=alice, name="erp")[1]
    second = api_token_create(user=alice, name="scanner")[1]
    assert [_get(client, first).status_code for _ in range(3)] == [200, 200, 200]
    refused = _get(client, first, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited" and "rate limit" in refused.json()["message"]
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert _get(client, second).status_code == 200  # its own count


def test_one_address_is_limited_across_tokens(client):
    raws = [api_token_create(user=UserFactory(username=f"u{i}"), name="t")[1] for i in range(3)]
    statuses = [_get(client, raw).status_code for raw in raws for _ in range(2)]
    assert statuses == [200, 200, 200, 200, 200, 429]


def test_behind_a_trusted_proxy_each_client_address_has_its_own_count(client, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.API_RATE_LIMIT_PER_TOKEN = "100/m"
    raw = api_token_create(user=UserFactory(username="erp"), name="t")[1]
    for _ in range(5):
        assert _get(client, raw, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 200
    assert _get(client, raw, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 429
    assert _get(client, raw, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.2").status_code == 200


def test_a_forged_forwarded_for_from_an_untrusted_address_changes_nothing(client):
    raw = api_token_create(user=UserFactory(username="erp"), name="t")[1]
    client_statuses = [
        _get(client, raw, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
        for i in range(4)
    ]
    assert client_statuses == [200, 200, 200, 429]  # one token, one real address


def test_the_limits_come_from_the_settings(client, settings):
    settings.API_RATE_LIMIT_PER_TOKEN = "1/m"
    raw = api_token_create(user=UserFactory(username="erp"), name="t")[1]
    assert [_get(client, raw).status_code for _ in range(2)] == [200, 429]
