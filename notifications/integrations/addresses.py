"""Where the portal may send a webhook or robot message (SSRF guard).

Only ``http``/``https`` URLs with a host, no user:password part. Unless
``INTEGRATIONS_ALLOW_PRIVATE_URLS`` is on (tests, the laptop demo), a host that is or resolves
to a loopback, private, link-local, reserved, multicast or unspecified address is refused:
at saving (an address written as such, or a name that resolves to one) and again before every
send (a name that resolves to one by then). A name that does not resolve at saving is accepted
(it is checked at each send).

At send, the connection goes to the address that was checked (:func:`pinned_session`), never to
a second lookup of the name: a DNS answer that changes between the check and the connection (DNS
rebinding: public at the check, 127.0.0.1 a moment later) cannot steer the request inside the
network. The Host header, TLS SNI and the certificate check still use the host name.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext
from requests.adapters import HTTPAdapter

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
    return _checked(url, at_send=at_send)[0]


def check_url_for_send(url: str) -> tuple[str, str | None]:
    """(url, address) before a send: the address the connection must use (the one checked), or
    None when ``INTEGRATIONS_ALLOW_PRIVATE_URLS`` is on (no check, an ordinary connection)."""
    return _checked(url, at_send=True)


def _checked(url: str, *, at_send: bool) -> tuple[str, str | None]:
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
        return url, None
    if host.rstrip(".").lower() == "localhost" or host.rstrip(".").lower().endswith(".localhost"):
        raise _private(host)
    try:
        addresses = _resolve(host)
    except OSError:
        if at_send:
            raise UrlRefused(
                gettext("The host %(host)s could not be resolved.") % {"host": host}, code="url_unresolvable"
            ) from None
        return url, None
    if not addresses or any(_refused_address(ip) for ip in addresses):
        raise _private(host)
    return url, str(addresses[0])


def _private(host: str) -> UrlRefused:
    return UrlRefused(
        gettext(
            "%(host)s is a loopback or private network address; the portal does not send messages "
            "inside its own network (INTEGRATIONS_ALLOW_PRIVATE_URLS allows it)."
        )
        % {"host": host},
        code="url_private_address_refused",
    )


class PinnedAdapter(HTTPAdapter):
    """Connects every request of its session to ``address`` (the checked one) instead of looking the
    host name up again. The request URL keeps the name: urllib3 sends it as the Host header (set
    here explicitly, since the pool's host is the address), and for https it is the TLS SNI name and
    the name the certificate must be valid for (``server_hostname``; the context checks it)."""

    def __init__(self, host: str, address: str, **kwargs):
        self.pinned_host, self.pinned_address = host.rstrip(".").lower(), address
        super().__init__(**kwargs)

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        if (host_params.get("host") or "").rstrip(".").lower() != self.pinned_host:
            raise UrlRefused(gettext("This URL is not valid."), code="url_invalid")  # never another host
        host_params["host"] = self.pinned_address
        if host_params["scheme"] == "https":
            pool_kwargs["server_hostname"] = self.pinned_host
        return host_params, pool_kwargs

    def send(self, request, **kwargs):
        request.headers["Host"] = urlsplit(request.url).netloc.rsplit("@", 1)[-1]
        return super().send(request, **kwargs)


def pinned_session(url: str, address: str | None) -> requests.Session:
    """A session for one send to ``url``: connected to ``address`` when given (see
    :class:`PinnedAdapter`); environment proxies are not used then, since a proxy would look the
    name up again itself."""
    session = requests.Session()
    if address is None:
        return session
    session.trust_env = False
    adapter = PinnedAdapter(urlsplit(url).hostname or "", address)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
