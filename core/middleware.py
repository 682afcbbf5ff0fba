"""Turns domain refusals raised in portal views into proper HTTP responses, and sets the
Content-Security-Policy on every response."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from .errors import DomainError, NotFound, PermissionDenied

# Scripts and styles only from the portal itself; no inline script and no on...= handler
# anywhere (templates keep behaviour in static/js). Inline style attributes stay allowed (the
# server-drawn SVG charts and htmx's indicator style use them); images may be data: URIs.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


def safe_back_url(request) -> str:
    """Where to send a person back to after a refused action: the page they came from
    (htmx's HX-Current-URL or the Referer) only when it is on this portal and names one of its
    pages; anything else (another site, a made-up path, a scheme trick) goes to the home page.
    Returned as a path, never with a host."""
    for candidate in (request.headers.get("HX-Current-URL"), request.META.get("HTTP_REFERER")):
        if not candidate:
            continue
        if not url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            continue
        parts = urlsplit(candidate)
        try:
            resolve(parts.path or "/")
        except Resolver404:
            continue
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return reverse("home")


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # here because this middleware is already installed in every settings module
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response

    def process_exception(self, request, exception):
        if request.path.startswith("/api/"):
            return None
        from .error_pages import page_not_found, permission_denied  # they use safe_back_url above

        if isinstance(exception, NotFound):
            return page_not_found(request, Http404(exception.message))
        if isinstance(exception, PermissionDenied):
            return permission_denied(request, exception)
        if isinstance(exception, DomainError):
            messages.error(request, exception.message)
            back = safe_back_url(request)
            response = HttpResponseRedirect(back)
            if request.headers.get("HX-Request"):
                response["HX-Redirect"] = back
            return response
        return None
