from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from . import queue, selectors, services
from .audit import security_event_record
from .errors import DomainError, NotFound, PermissionDenied
from .home import figures_for, panels_for
from .listing import Column, Filter, ListSpec, list_response
from .mail import language_of
from .models import ApiTokenScope, SecurityEventKind


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
    if (
        password
        and not services.recently_authenticated(request.session)
        and not services.password_confirm(request=request, password=password)
    ):
        return _tokens_page(request, error=_("The password is not correct."), status=400)
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
        raise NotFound(_("Token %(token_id)s not found.") % {"token_id": token_id})
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
        security_event_record(
            kind=SecurityEventKind.PASSWORD_CHANGED, user=self.request.user, request=self.request
        )
        return response


class LanguagePasswordResetForm(PasswordResetForm):
    """The reset e-mail is written in the language of the user it is for (core.mail), whatever
    language the page that asked for it was in."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        with translation.override(language_of(context.get("user"))):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class PasswordResetView(auth_views.PasswordResetView):
    """The e-mailed link is built from PORTAL_BASE_URL (never from the request's Host header,
    which an attacker could set to their own site to harvest reset tokens)."""

    form_class = LanguagePasswordResetForm
    template_name = "core/password_reset.html"
    email_template_name = "core/password_reset_email.txt"
    subject_template_name = "core/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        self.extra_email_context = {"portal_base_url": settings.PORTAL_BASE_URL.rstrip("/")}
        # which address was asked for is not written (the log must not become an address oracle)
        security_event_record(kind=SecurityEventKind.PASSWORD_RESET_REQUESTED, request=self.request)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "core/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        security_event_record(kind=SecurityEventKind.PASSWORD_RESET, user=form.user, request=self.request)
        return response


# --- the security audit log (staff) ------------------------------------------------------------

SECURITY_EVENT_LIST = ListSpec(
    columns=(
        Column("at", _l("When"), lambda e: timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"), sort="at"),
        Column("kind", _l("Event"), lambda e: e.get_kind_display(), sort="kind"),
        Column("username", _l("User"), lambda e: e.username, sort="username"),
        Column("actor", _l("By"), lambda e: e.actor.get_username() if e.actor else ""),
        Column("ip", _l("IP address"), lambda e: e.ip_address or "", sort="ip_address"),
        Column("details", _l("Details"), lambda e: event_details(e)),
    ),
    filters=(
        Filter("user", _l("User"), "search", ("username", "actor__username")),
        Filter("kind", _l("Event"), "choice", ("kind",), choices=tuple(SecurityEventKind.choices)),
        Filter("from", _l("From"), "date_from", ("at__date",)),
        Filter("to", _l("To"), "date_to", ("at__date",)),
        Filter("ip", _l("IP address"), "search", ("ip_address",)),
    ),
    default_sort="-at",
    page_size=50,
    csv_name="security-events",
)


def event_details(event) -> str:
    """The event's parameters as ``key=value`` pairs (codes, never sentences; escaped where shown)."""
    return "; ".join(f"{key}={value}" for key, value in sorted((event.details or {}).items()))


@login_required
def security_event_list(request):
    if not selectors.may_read_security_events(request.user):
        raise PermissionDenied(_("Only staff may read the security log."))
    return list_response(
        request, selectors.security_event_list(request.user), SECURITY_EVENT_LIST, "core/security_events.html"
    )


# --- operators: follow-up tasks that failed or are stuck (core.queue) ---------------------------


def _require_staff(user) -> None:
    if not (user.is_staff or user.is_superuser):
        raise DjangoPermissionDenied


@login_required
def outbox_list(request):
    _require_staff(request.user)
    rows = list(selectors.outbox_open(request.user)[:500])
    for row in rows:
        row.failed = row.attempts >= settings.OUTBOX_MAX_ATTEMPTS
    return render(request, "core/outbox.html", {"rows": rows, "max_attempts": settings.OUTBOX_MAX_ATTEMPTS})


@login_required
@require_POST
def outbox_retry(request, outbox_id: int):
    _require_staff(request.user)
    row = selectors.outbox_open(request.user).filter(pk=outbox_id).first()
    if row is None:
        raise NotFound(f"Task {outbox_id} not found.")
    if queue.outbox_retry(outbox_id=row.pk, actor=request.user):
        messages.success(request, _("The task was sent again."))
    else:
        messages.error(request, _("The task could not be sent: the error is shown in its row."))
    return redirect("outbox-list")
