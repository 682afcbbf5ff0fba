"""API rate limits: per API token (or portal session user) and per client address.

django-ninja's throttles count requests in Django's cache (Redis in production, so every web
process shares the counts); the client's address is core.clientip's (trusted proxies only). The
limits are read from the settings on every request (API_RATE_LIMIT_PER_TOKEN / _PER_IP)."""

from __future__ import annotations

from django.conf import settings
from ninja.throttling import SimpleRateThrottle

from .clientip import client_ip


class _SettingsRateThrottle(SimpleRateThrottle):
    setting = ""

    def __init__(self):
        super().__init__(rate=self.get_rate())

    def get_rate(self) -> str:
        return getattr(settings, self.setting)

    def get_ident(self, request) -> str:
        return client_ip(request)

    def allow_request(self, request) -> bool:
        self.num_requests, self.duration = self.parse_rate(self.get_rate())
        return super().allow_request(request)


class TokenRateThrottle(_SettingsRateThrottle):
    """Each API token (or, for the portal's own pages, each signed-in user) has its own count."""

    scope = "token"
    setting = "API_RATE_LIMIT_PER_TOKEN"

    def get_cache_key(self, request) -> str | None:
        token = getattr(request, "api_token", None)
        if token is not None:
            ident = f"t{token.pk}"
        elif getattr(request, "user", None) is not None and request.user.is_authenticated:
            ident = f"u{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class IpRateThrottle(_SettingsRateThrottle):
    """Every request from one client address, whatever token it carries."""

    scope = "ip"
    setting = "API_RATE_LIMIT_PER_IP"

    def get_cache_key(self, request) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
