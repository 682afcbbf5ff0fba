"""Two-factor authentication (TOTP through django-otp): who must have it, and the middleware
that keeps a logged-in session from going anywhere until its second factor is proved.

- A user with a confirmed authenticator is asked for its current code after every password login
  (``/mfa/verify/``), whatever their role.
- A user for whom it is required (:func:`mfa_required`: a role in ``MFA_REQUIRED_ROLES``, Django
  staff and superusers, or anyone a higher app names as an approver) and who has none yet is sent
  to enrol one (``/mfa/setup/``) before anything else.
- The API's session authentication refuses an unproved session the same way (config.api); API
  tokens are made only from a proved session (core.views) and stand on their own.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, QuerySet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp.plugins.otp_totp.models import TOTPDevice

# Higher apps add a query here (in their AppConfig.ready) for the rows that name a user as an
# approver who must use two factors, e.g. the cost centres whose budget a requester owns: the user
# is an approver when any of them has a row. They are asked as EXISTS subqueries, so that a request
# of a session without a proved factor asks everything in one query (:func:`mfa_pending`).
APPROVER_QUERIES: list[Callable[[object], QuerySet]] = []

# Paths a session may reach before its second factor is proved: the MFA pages themselves, logging
# out, the language switch, static files, probes. /api/ answers 401 itself (config.api).
_OPEN_PREFIXES = ("/mfa/", "/logout/", "/login/", "/i18n/", "/static/", "/health/", "/metrics", "/api/")


def confirmed_device(user) -> TOTPDevice | None:
    if user is None or not user.is_authenticated:
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


# Backup codes: 10 single-use codes of 8 characters, for the day the phone is lost. Drawn from
# lowercase letters and digits without the look-alikes 0/o, 1/l/i (31**8, about 40 bits each);
# typed in any case, with spaces or dashes anywhere.
BACKUP_CODE_COUNT = 10
BACKUP_CODE_LENGTH = 8
BACKUP_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
BACKUP_CODES_FEW = 3  # at or below this many left, the user is asked to generate a new set
_BACKUP_CODE_RE = re.compile(rf"[a-z0-9]{{{BACKUP_CODE_LENGTH}}}")
_TOTP_CODE_RE = re.compile(r"[0-9]{6}")


def backup_code_new() -> str:
    return "".join(secrets.choice(BACKUP_CODE_ALPHABET) for _ in range(BACKUP_CODE_LENGTH))


def backup_code_display(code: str) -> str:
    """``abcdefgh`` as ``abcd-efgh`` (easier to read out and copy; the dash is ignored when typed)."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def code_kind(raw: str) -> tuple[str, str]:
    """What a typed code is: ("totp", "123456"), ("backup", "abcdefgh") normalised (lowercase,
    spaces and dashes dropped), or ("", "") when it is neither."""
    text = re.sub(r"[\s-]+", "", raw or "").lower()
    if _TOTP_CODE_RE.fullmatch(text):
        return "totp", text
    if _BACKUP_CODE_RE.fullmatch(text):
        return "backup", text
    return "", ""


def _required_by_role(user) -> bool:
    return user.is_staff or user.is_superuser or user.role in settings.MFA_REQUIRED_ROLES


def mfa_required(user) -> bool:
    """Whether ``user`` must use a second factor (finance, approvers, staff by default)."""
    if user is None or not user.is_authenticated or not settings.MFA_REQUIRED:
        return False
    if _required_by_role(user):
        return True
    return any(query(user).exists() for query in APPROVER_QUERIES)


def _device_and_approver(user) -> tuple[bool, bool]:
    """(has a confirmed authenticator, is an approver who must use one) in one query: what
    :func:`confirmed_device` and :func:`mfa_required` would find, for a user whose role does not
    already require a second factor (the approver queries are not asked otherwise)."""
    flags = {"device": Exists(TOTPDevice.objects.filter(user=user, confirmed=True))}
    if settings.MFA_REQUIRED and not _required_by_role(user):
        flags.update({f"approver{i}": Exists(query(user)) for i, query in enumerate(APPROVER_QUERIES)})
    row = get_user_model()._default_manager.filter(pk=user.pk).values(**flags).first() or {}
    return bool(row.pop("device", False)), any(row.values())


def mfa_pending(request) -> str:
    """What this request's session still owes: "verify" (a code), "enrol" (an authenticator),
    or "" (nothing: anonymous, proved, or not required)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    if getattr(user, "is_verified", None) and user.is_verified():
        return ""
    device, approver = _device_and_approver(user)
    if device:
        return "verify"
    if not settings.MFA_REQUIRED:
        return ""
    return "enrol" if approver or _required_by_role(user) else ""


def safe_next(request, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def secret_base32(device: TOTPDevice) -> str:
    """The device's secret as authenticator apps take it when typed in (RFC 4648 base32)."""
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def qr_svg(text: str) -> str:
    """``text`` as a QR code in inline SVG (paths only: no script, no text, nothing from ``text``
    reaches the markup as characters)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    return svg[svg.index("<svg") :]


class MfaMiddleware:
    """Right after django-otp's OTPMiddleware: a session that owes its second factor is sent to
    prove it (or to enrol one) and comes back to where it was going."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(_OPEN_PREFIXES):
            pending = mfa_pending(request)
            if pending:
                target = reverse("mfa-verify" if pending == "verify" else "mfa-setup")
                if request.method == "GET":
                    target += "?" + urlencode({"next": request.get_full_path()})
                return redirect(target)
        return self.get_response(request)
