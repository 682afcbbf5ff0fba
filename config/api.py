"""The API: django-ninja under /api/, OpenAPI at /api/openapi.json.

Auth: a per-user bearer token (``Authorization: Bearer pp_…``) for supplier / ERP systems,
or the portal session (with CSRF). Every error is JSON ``{"code": …, "message": …}``.
"""

import json
import logging

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.security import HttpBearer, SessionAuth

from core.errors import DomainError, PermissionDenied
from core.throttling import IpRateThrottle, TokenRateThrottle


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        from core.services import api_token_resolve

        api_token = api_token_resolve(token)
        if api_token is None:
            return None
        if not api_token.allows(request.method):
            raise PermissionDenied(
                _("This API token may only read (GET); create a read-and-write token to change data."),
                code="token_scope_read_only",
            )
        request.user = api_token.user
        request.api_token = api_token
        return api_token.user


class PortalSessionAuth(SessionAuth):
    """The portal session. Checks CSRF only for a logged-in session: an anonymous caller, or one
    with a revoked or made-up token and no session, gets the documented 401, not a 403 'CSRF
    check failed' that would hide what is wrong."""

    def __call__(self, request: HttpRequest):
        if not request.user.is_authenticated:
            return None
        from core.mfa import mfa_pending

        if mfa_pending(request):  # the second factor is not proved yet: as good as no session
            return None
        return super().__call__(request)


class PortalSwagger(Swagger):
    """The API docs page from the portal's own static files (static/vendor/swagger-ui, copied
    from django-ninja's package): no CDN, no inline script, so it works under the portal's CSP."""

    template = "core/api_docs.html"

    def render_page(self, request, api, **kwargs):
        if not request.user.is_authenticated:  # the page is for portal users; openapi.json stays public
            return redirect_to_login(request.get_full_path())
        # validatorUrl None: Swagger UI would otherwise load a badge from validator.swagger.io
        config = {**self.settings, "url": self.get_openapi_url(api, kwargs), "validatorUrl": None}
        # JSON inside <script type="application/json">: "<" escaped so no value can close the tag
        context = {"swagger_settings": json.dumps(config).replace("<", "\\u003c"), "api": api}
        return render(request, self.template, context)


api = NinjaAPI(
    title="Procurement & e-invoice portal API",
    version="1",
    auth=[TokenAuth(), PortalSessionAuth()],
    urls_namespace="api",
    docs=PortalSwagger(),
    throttle=[TokenRateThrottle(), IpRateThrottle()],
)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    body = {"code": exc.code, "message": exc.message}
    if exc.details:
        body["details"] = exc.details
        if "field" in exc.details:
            body["field"] = exc.details["field"]
    return api.create_response(request, body, status=exc.status)


@api.exception_handler(AuthenticationError)
def auth_error(request, exc):
    return api.create_response(
        request,
        {"code": "unauthenticated", "message": _("A valid API token or session is required.")},
        status=401,
    )


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    """422; ``field`` names the first field refused and, when only one is, ``message`` says why
    (the limits of ``core.bounds`` speak the caller's language)."""
    errors = exc.errors
    body = {"code": "validation_error", "message": _("The request is invalid."), "details": errors}
    if errors:
        loc = errors[0].get("loc", ())
        names = [part for part in loc if isinstance(part, str) and not part.isdigit()]  # not a dict key
        body["field"] = names[-1] if names else None
        if len(errors) == 1 and errors[0].get("msg"):
            body["message"] = _field_error(errors[0], body["field"])
    return api.create_response(request, body, status=422)


try:
    from pydantic_core.core_schema import ErrorType

    _PYDANTIC_TYPES = frozenset(ErrorType.__args__)
except (ImportError, AttributeError):  # pragma: no cover - an older pydantic-core
    _PYDANTIC_TYPES = frozenset({"missing"})


def _field_error(error: dict, field: str | None) -> str:
    """One refused field in the caller's language. The limits of ``core.bounds`` (value errors)
    already speak it; pydantic's own words (English) are replaced by ours, the type kept in
    ``details``."""
    kind = error.get("type", "")
    if kind == "value_error" or kind not in _PYDANTIC_TYPES:  # our own words (core.bounds)
        return error["msg"]
    if kind == "missing":
        return _("This field is required: %(field)s.") % {"field": field or "—"}
    return _("This value is not valid: %(field)s.") % {"field": field or "—"}


@api.exception_handler(OverflowError)
def number_out_of_range(request, exc):
    """An id or number too large for the database (SQLite raises this before any query runs)."""
    return api.create_response(
        request,
        {"code": "validation_error", "message": _("A number in the request is out of range.")},
        status=422,
    )


@api.exception_handler(Throttled)
def rate_limited(request, exc: Throttled):
    """429 with Retry-After (set by django-ninja from the throttle's wait)."""
    message = _("Too many requests: the API rate limit is reached. Try again later.")
    return api.create_response(request, {"code": "rate_limited", "message": message}, status=429)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    return api.create_response(
        request, {"code": f"http_{exc.status_code}", "message": str(exc)}, status=exc.status_code
    )


@api.exception_handler(Exception)
def server_error(request, exc: Exception):
    """Anything unexpected: JSON like every other error, never Django's HTML page. Logged on
    ``django.request`` with the request, so error reporting (admins' mail, log shipping) sees it."""
    logging.getLogger("django.request").error(
        "API error: %s %s", request.method, request.path, exc_info=exc, extra={"request": request}
    )
    return api.create_response(
        request,
        {"code": "server_error", "message": _("The server failed to handle this request; it was logged.")},
        status=500,
    )


def _register_routers() -> None:
    from contracts.api import router as contracts_router
    from core.api import router as core_router
    from invoicing.api import router as invoicing_router
    from invoicing.tax_api import router as tax_router
    from notifications.api import router as notifications_router
    from procurement.api import router as procurement_router
    from requisitions.api import router as requisitions_router
    from settlement.api_matching import router as matching_router
    from settlement.api_runs import router as runs_router
    from settlement.api_statements import router as statements_router
    from suppliers.api import router as suppliers_router

    api.add_router("/", core_router)
    api.add_router("/notifications", notifications_router)
    api.add_router("/suppliers", suppliers_router)
    api.add_router("/contracts", contracts_router)
    api.add_router("/", procurement_router)
    api.add_router("/requisitions", requisitions_router)
    api.add_router("/invoices", invoicing_router)
    api.add_router("/", tax_router)
    api.add_router("/", matching_router)
    api.add_router("/", statements_router)
    api.add_router("/", runs_router)


_register_routers()
