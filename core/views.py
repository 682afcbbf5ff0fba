from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .errors import DomainError, NotFound
from .home import figures_for, panels_for
from .models import ApiTokenScope


@login_required
def home(request):
    """Each role's home page as a dashboard: a tile per work queue (how many wait, since when,
    a link to them all), the figures that matter to the role, and the oldest items of each queue."""
    panels = panels_for(request.user)
    return render(
        request,
        "core/home.html",
        {
            # the queues with something waiting first (in registration order), the empty ones after
            "tiles": sorted((p for p in panels if p.count is not None), key=lambda p: p.count == 0),
            "figures": figures_for(request.user),
            "cards": [p for p in panels if p.count != 0],
        },
    )


def _tokens_page(request, *, new_key="", error="", status=200):
    return render(
        request,
        "core/tokens.html",
        {
            "tokens": selectors.api_token_list(request.user),
            "new_key": new_key,
            "error": error,
            "scopes": ApiTokenScope.choices,
            "needs_password": not services.recently_authenticated(request.session),
        },
        status=status,
    )


@login_required
def token_list(request):
    return _tokens_page(request)


@login_required
@require_POST
def token_create(request):
    """A token is made only by a person who proved their password in the last 15 minutes:
    at login, or by typing it again in this form (counted by the login throttle)."""
    password = request.POST.get("password", "")
    if password and not services.recently_authenticated(request.session):
        if authenticate(request, username=request.user.get_username(), password=password) is None:
            return _tokens_page(request, error=_("The password is not correct."), status=400)
        services.mark_authenticated(request.session)
    try:
        token, raw = services.api_token_create_checked(
            user=request.user,
            name=request.POST.get("name", ""),
            scope=request.POST.get("scope", ApiTokenScope.READ),
            session=request.session,
        )
    except DomainError as exc:
        messages_by_code = {
            "reauthentication_required": _("Confirm your password to create an API token."),
            "invalid_token_scope": _("Choose what the token may do."),
        }
        return _tokens_page(request, error=messages_by_code.get(exc.code, exc.message), status=400)
    return _tokens_page(request, new_key=raw)


@login_required
@require_POST
def token_revoke(request, token_id: int):
    token = selectors.api_token_list(request.user).filter(pk=token_id).first()
    if token is None:
        raise NotFound(f"Token {token_id} not found.")
    services.api_token_revoke(token=token, actor=request.user)
    messages.success(request, _("The token and every token made with it are revoked."))
    return redirect("token-list")


# --- passwords: Django's views, the portal's templates -----------------------------------------


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "core/password_change.html"
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)  # keeps this session, ends the user's other sessions
        services.mark_authenticated(self.request.session)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """The e-mailed link is built from PORTAL_BASE_URL (never from the request's Host header,
    which an attacker could set to their own site to harvest reset tokens)."""

    template_name = "core/password_reset.html"
    email_template_name = "core/password_reset_email.txt"
    subject_template_name = "core/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        self.extra_email_context = {"portal_base_url": settings.PORTAL_BASE_URL.rstrip("/")}
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "core/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")
