"""The portal's 400/403/404/500 pages: inside the portal's layout, in the reader's language, each
with a way back. The 500 page is rendered without the request's context (no user, no session, no
database), so it shows even when what failed is the database."""

from __future__ import annotations

import logging

from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

from .middleware import safe_back_url

logger = logging.getLogger(__name__)


def _page(request, template: str, status: int, reason: str = "") -> HttpResponse:
    try:
        return render(
            request, template, {"back_url": safe_back_url(request), "reason": reason}, status=status
        )
    except Exception:  # the context itself failed (e.g. the database): the plain layout still shows
        logger.exception("error page %s rendered without the request context", status)
        return HttpResponse(loader.get_template(template).render({"bare": True}), status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    return _page(request, "400.html", 400)


@requires_csrf_token
def permission_denied(request, exception=None):
    """403 with the refusal's own reason when it has one (a domain PermissionDenied says why)."""
    reason = getattr(exception, "message", None) or (str(exception) if exception else "")
    return _page(request, "403.html", 403, reason=str(reason))


@requires_csrf_token
def page_not_found(request, exception=None):
    return _page(request, "404.html", 404)


def server_error(request):
    return HttpResponse(loader.get_template("500.html").render({"bare": True}), status=500)
