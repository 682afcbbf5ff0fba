"""Pages of two-factor authentication: prove the code after login, enrol an authenticator
(QR code), generate backup codes, turn it off. Logic in core.mfa and core.services; these only read forms."""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from . import mfa, services
from .errors import DomainError


def _locked_out(request, username: str):
    logout(request)
    return render(request, "core/mfa_locked.html", {"username": username}, status=429)


@login_required
def mfa_verify(request):
    """After the password: the authenticator's current code, or one of the user's backup codes
    (used up by it). Wrong codes count toward the same lockout as wrong passwords (django-axes)
    and slow the device down (django-otp)."""
    if mfa.mfa_pending(request) != "verify":
        return redirect(mfa.safe_next(request))
    user = request.user
    username = user.get_username()
    credentials = {"username": username}
    if AxesProxyHandler.is_locked(request, credentials=credentials):
        return _locked_out(request, username)
    error = ""
    if request.method == "POST":
        try:
            method = services.mfa_verify(request=request, code=request.POST.get("code") or "")
        except DomainError as exc:
            error = exc.message
        else:
            if method == "backup":
                _backup_code_used_message(request)
            return redirect(mfa.safe_next(request))
        user_login_failed.send(sender=__name__, credentials={**credentials, "step": "mfa"}, request=request)
        if getattr(request, "axes_locked_out", False) or AxesProxyHandler.is_locked(
            request, credentials=credentials
        ):
            return _locked_out(request, username)
    return render(
        request,
        "core/mfa_verify.html",
        {"error": error, "next": request.GET.get("next") or request.POST.get("next", "")},
        status=400 if error else 200,
    )


def _backup_code_used_message(request) -> None:
    left = services.mfa_backup_codes_left(request.user)
    text = ngettext(
        "You logged in with a backup code; it cannot be used again. %(count)d backup code is left.",
        "You logged in with a backup code; it cannot be used again. %(count)d backup codes are left.",
        left,
    ) % {"count": left}
    if left <= mfa.BACKUP_CODES_FEW:
        messages.warning(
            request,
            text + " " + _("Generate a new set on the two-factor authentication page before they run out."),
        )
    else:
        messages.info(request, text)


def _setup_page(request, *, error: str = "", status: int = 200):
    device = services.mfa_device_pending(user=request.user)
    return render(
        request,
        "core/mfa_setup.html",
        {
            "qr_svg": mfa.qr_svg(device.config_url),
            "secret": mfa.secret_base32(device),
            "required": mfa.mfa_required(request.user),
            "needs_password": not services.recently_authenticated(request.session),
            "error": error,
            "next": request.GET.get("next") or request.POST.get("next", ""),
        },
        status=status,
    )


def _password_error(request) -> str:
    """Checks the password typed again when the session's proof is old; "" when all is well."""
    password = request.POST.get("password", "")
    if services.recently_authenticated(request.session):
        return ""
    if not password:
        return _("Confirm your password to change two-factor authentication.")
    if not services.password_confirm(request=request, password=password):
        return _("The password is not correct.")
    return ""


@login_required
def mfa_setup(request):
    """Enrol an authenticator: scan the QR code (or type the secret), then type its code."""
    pending = mfa.mfa_pending(request)
    if pending == "verify":
        return redirect("mfa-verify")
    if mfa.confirmed_device(request.user) is not None:
        return redirect("mfa-manage")
    if request.method == "POST":
        error = _password_error(request)
        if not error:
            try:
                services.mfa_enable(
                    request=request, code=(request.POST.get("code") or "").strip(), actor=request.user
                )
            except DomainError as exc:
                error = exc.message
        if error:
            return _setup_page(request, error=error, status=400)
        messages.success(
            request,
            _(
                "Two-factor authentication is on. Each login will ask for a code. Generate backup "
                "codes on the two-factor authentication page now, for the day you lose your phone."
            ),
        )
        return redirect(mfa.safe_next(request, default="mfa-manage"))
    return _setup_page(request)


def _manage_page(request, *, codes=(), status: int = 200):
    device = mfa.confirmed_device(request.user)
    response = render(
        request,
        "core/mfa_manage.html",
        {
            "device": device,
            "required": mfa.mfa_required(request.user),
            "needs_password": not services.recently_authenticated(request.session),
            "verified": mfa.mfa_pending(request) == "",
            "backup_left": services.mfa_backup_codes_left(request.user) if device else 0,
            "backup_total": mfa.BACKUP_CODE_COUNT,
            "backup_few": mfa.BACKUP_CODES_FEW,
            "codes": [mfa.backup_code_display(code) for code in codes],
        },
        status=status,
    )
    if codes:
        response["Cache-Control"] = "no-store"  # shown once: not kept by the browser or a proxy
    return response


@login_required
def mfa_manage(request):
    return _manage_page(request)


@login_required
@require_POST
def mfa_backup_codes(request):
    """Generate a new set of backup codes (replacing the old one) and show them, this once."""
    if mfa.mfa_pending(request) == "verify":
        return redirect("mfa-verify")
    error = _password_error(request)
    if not error:
        try:
            codes = services.mfa_backup_codes_generate(request=request, actor=request.user)
        except DomainError as exc:
            error = exc.message
    if error:
        messages.error(request, error)
        return redirect("mfa-manage")
    return _manage_page(request, codes=codes)


@login_required
@require_POST
def mfa_disable(request):
    error = _password_error(request)
    if not error:
        try:
            services.mfa_disable(
                request=request, code=(request.POST.get("code") or "").strip(), actor=request.user
            )
        except DomainError as exc:
            error = exc.message
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Two-factor authentication is off."))
    return redirect("mfa-manage")
