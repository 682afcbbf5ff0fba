"""Where the portal may send a webhook or robot message (SSRF guard).

Only ``http``/``https`` URLs with a host, no user:password part. Unless
``INTEGRATIONS_ALLOW_PRIVATE_URLS`` is on (tests, the laptop demo), a host that is or resolves
to a loopback, private, link-local, reserved, multicast or unspecified address is refused:
at saving (an address written as such, or a name that resolves to one) and again before every
send (a name that resolves to one by then). A name that does not resolve at saving is accepted
(it is checked at each send).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext

from core.errors import DomainError

MAX_URL_LENGTH = 500


class UrlRefused(DomainError):
    code = "url_refused"


def _refused_address(ip: ipaddress._BaseAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


def _resolve(host: str) -> list[ipaddress._BaseAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


def check_url(url: str, *, at_send: bool = False) -> str:
    """The URL, stripped, when the portal may send to it; else ``UrlRefused`` saying why."""
    url = (url or "").strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise UrlRefused(
            gettext("Enter the endpoint's URL (at most %(max)s characters).") % {"max": MAX_URL_LENGTH},
            code="url_invalid",
        )
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise UrlRefused(gettext("This URL is not valid."), code="url_invalid") from None
    if parts.scheme not in ("http", "https"):
        raise UrlRefused(
            gettext("Only http:// and https:// URLs can receive messages."), code="url_scheme_refused"
        )
    if not host or parts.username or parts.password or any(c.isspace() for c in url):
        raise UrlRefused(
            gettext("This URL is not valid: it needs a host name and no user name or password."),
            code="url_invalid",
        )
    if getattr(settings, "INTEGRATIONS_ALLOW_PRIVATE_URLS", False):
        return url
    if host.rstrip(".").lower() == "localhost" or host.rstrip(".").lower().endswith(".localhost"):
        raise _private(host)
    try:
        addresses = _resolve(host)
    except OSError:
        if at_send:
            raise UrlRefused(
                gettext("The host %(host)s could not be resolved.") % {"host": host}, code="url_unresolvable"
            ) from None
        return url
    if any(_refused_address(ip) for ip in addresses):
        raise _private(host)
    return url


def _private(host: str) -> UrlRefused:
    return UrlRefused(
        gettext(
            "%(host)s is a loopback or private network address; the portal does not send messages "
            "inside its own network (INTEGRATIONS_ALLOW_PRIVATE_URLS allows it)."
        )
        % {"host": host},
        code="url_private_address_refused",
    )
