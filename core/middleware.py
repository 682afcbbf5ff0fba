"""Turns domain refusals raised in portal views into proper HTTP responses."""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.views.defaults import page_not_found, permission_denied

from .errors import DomainError, NotFound, PermissionDenied


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.path.startswith("/api/"):
            return None
        if isinstance(exception, NotFound):
            return page_not_found(request, Http404(exception.message))
        if isinstance(exception, PermissionDenied):
            from django.core.exceptions import PermissionDenied as DjangoDenied

            return permission_denied(request, DjangoDenied(exception.message))
        if isinstance(exception, DomainError):
            messages.error(request, exception.message)
            back = request.headers.get("HX-Current-URL") or request.META.get("HTTP_REFERER") or request.path
            response = HttpResponseRedirect(back)
            if request.headers.get("HX-Request"):
                response["HX-Redirect"] = back
            return response
        return None
