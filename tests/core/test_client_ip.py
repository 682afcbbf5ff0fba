"""Login throttling behind a reverse proxy: the client's address, not the proxy's, and no forging."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

PROXY = "10.9.0.2"


def _fail_five_times(client, username, **meta):
    for _ in range(5):
        client.post("/login/", {"username": username, "password": "wrong"}, **meta)


def _login(client, username, **meta):
    return client.post("/login/", {"username": username, "password": "correct-horse-battery"}, **meta)


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=[PROXY])
def test_an_attacker_behind_the_proxy_cannot_lock_out_the_real_user(supplier_user_a):
    attacker = Client()
    _fail_five_times(attacker, "alice", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert (
        _login(attacker, "alice", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.66").status_code == 429
    )
    # the real user comes through the same proxy from her own address
    response = _login(Client(), "alice", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 302


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=[PROXY])
def test_a_forged_forwarded_header_from_outside_the_proxy_is_ignored(supplier_user_a):
    attacker = Client()
    for n in range(5):  # a new forged address each time: still one client
        attacker.post(
            "/login/",
            {"username": "alice", "password": "wrong"},
            REMOTE_ADDR="203.0.113.66",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    assert (
        _login(attacker, "alice", REMOTE_ADDR="203.0.113.66", HTTP_X_FORWARDED_FOR="192.0.2.99").status_code
        == 429
    )


def test_the_client_is_the_rightmost_untrusted_forwarded_address(rf, settings):
    from core.clientip import client_ip

    settings.TRUSTED_PROXIES = ["10.0.0.1", "10.0.0.2"]
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7, 10.0.0.1")
    assert client_ip(request) == "198.51.100.7"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-ip")) == "10.0.0.2"
    assert (
        client_ip(rf.get("/", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="1.1.1.1")) == "198.51.100.9"
    )
