"""The API: django-ninja under /api/, OpenAPI at /api/openapi.json.

Auth: a per-user bearer token (``Authorization: Bearer pp_…``) for supplier / ERP systems,
or the portal session (with CSRF). Every error is JSON ``{"code": …, "message": …}``.
"""

import logging

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from core.errors import DomainError


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        from core.services import api_token_authenticate

        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Procurement & e-invoice portal API",
    version="1",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
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
        {"code": "unauthenticated", "message": "A valid API token or session is required."},
        status=401,
    )


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    """422; ``field`` names the first field refused and, when only one is, ``message`` says why
    (the limits of ``core.bounds`` speak the caller's language)."""
    errors = exc.errors
    body = {"code": "validation_error", "message": "The request is invalid.", "details": errors}
    if errors:
        loc = errors[0].get("loc", ())
        names = [part for part in loc if isinstance(part, str) and not part.isdigit()]  # not a dict key
        body["field"] = names[-1] if names else None
        if len(errors) == 1 and errors[0].get("msg"):
            body["message"] = errors[0]["msg"]
    return api.create_response(request, body, status=422)


@api.exception_handler(OverflowError)
def number_out_of_range(request, exc):
    """An id or number too large for the database (SQLite raises this before any query runs)."""
    return api.create_response(
        request,
        {"code": "validation_error", "message": "A number in the request is out of range."},
        status=422,
    )


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
        {"code": "server_error", "message": "The server failed to handle this request; it was logged."},
        status=500,
    )


def _register_routers() -> None:
    from contracts.api import router as contracts_router
    from core.api import router as core_router
    from invoicing.api import router as invoicing_router
    from notifications.api import router as notifications_router
    from procurement.api import router as procurement_router
    from requisitions.api import router as requisitions_router
    from settlement.api_matching import router as matching_router
    from settlement.api_statements import router as statements_router
    from suppliers.api import router as suppliers_router

    api.add_router("/", core_router)
    api.add_router("/notifications", notifications_router)
    api.add_router("/suppliers", suppliers_router)
    api.add_router("/contracts", contracts_router)
    api.add_router("/", procurement_router)
    api.add_router("/requisitions", requisitions_router)
    api.add_router("/invoices", invoicing_router)
    api.add_router("/", matching_router)
    api.add_router("/", statements_router)


_register_routers()
