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
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp.plugins.otp_totp.models import TOTPDevice

# Higher apps add a check here (in their AppConfig.ready) when a user they name as an approver
# must use two factors, e.g. a requester who owns a cost centre's budget.
APPROVER_CHECKS: list[Callable[[object], bool]] = []

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


def mfa_required(user) -> bool:
    """Whether ``user`` must use a second factor (finance, approvers, staff by default)."""
    if user is None or not user.is_authenticated or not settings.MFA_REQUIRED:
        return False
    if user.is_staff or user.is_superuser or user.role in settings.MFA_REQUIRED_ROLES:
        return True
    return any(check(user) for check in APPROVER_CHECKS)


def mfa_pending(request) -> str:
    """What this request's session still owes: "verify" (a code), "enrol" (an authenticator),
    or "" (nothing: anonymous, proved, or not required)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    if getattr(user, "is_verified", None) and user.is_verified():
        return ""
    if confirmed_device(user) is not None:
        return "verify"
    return "enrol" if mfa_required(user) else ""


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
