"""The client's address behind trusted reverse proxies (login throttling, rate limits, logs).

``TRUSTED_PROXIES`` (comma-separated addresses, from the environment) lists the proxies in front
of the web processes. A request that comes from one of them is attributed to the right-most
``X-Forwarded-For`` entry that is not itself a trusted proxy: entries further left were written by
the client and prove nothing. A request from anywhere else is attributed to its own address, so a
client cannot pick the address it is throttled as (and cannot lock another user out by forging
the header). Written here rather than with python-ipware because the rule is these few lines and
both django-axes and the API throttle call it.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = set(getattr(settings, "TRUSTED_PROXIES", ()))
    if remote not in trusted:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for address in reversed(forwarded):
        if address and address not in trusted:
            return address if _valid(address) else remote
    return remote
