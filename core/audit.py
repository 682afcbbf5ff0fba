"""The security audit log: one way to write a SecurityEvent, and the receivers that write the
events Django and django-axes announce (logins, failures, lockouts, role changes). Services
that change credentials, tokens, MFA or bank accounts call :func:`security_event_record`."""

from __future__ import annotations

import ipaddress

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from .clientip import client_ip
from .models import SecurityEvent, SecurityEventKind, User

# The user fields whose change is a change of access (written as ROLE_CHANGED with old → new).
ACCESS_FIELDS = ("role", "is_active", "is_staff", "is_superuser")


def _ip(request) -> str | None:
    if request is None or not hasattr(request, "META"):
        return None
    address = client_ip(request)
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return None
    return address


def _current_request():
    """The request being served (simple_history's middleware keeps it), else None."""
    from simple_history.models import HistoricalRecords

    return getattr(HistoricalRecords.context, "request", None)


def security_event_record(
    *,
    kind: str,
    user: User | None = None,
    username: str = "",
    actor: User | None = None,
    request=None,
    **details,
) -> SecurityEvent:
    """Write one audit row. ``request`` gives the client address (and the actor when none is
    given); ``details`` are codes and parameters (JSON), shown to staff as they are."""
    request = request if request is not None else _current_request()
    if actor is None and request is not None:
        candidate = getattr(request, "user", None)
        if candidate is not None and getattr(candidate, "is_authenticated", False):
            actor = candidate
    if not username and user is not None:
        username = user.get_username()
    return SecurityEvent.objects.create(
        kind=kind,
        user=user,
        username=(username or "")[:150],
        actor=actor,
        ip_address=_ip(request),
        details={key: value for key, value in details.items() if value not in (None, "")},
    )


@receiver(user_logged_in, dispatch_uid="core.audit.login")
def _logged_in(sender, request, user, **kwargs):
    security_event_record(kind=SecurityEventKind.LOGIN, user=user, actor=user, request=request)


@receiver(user_logged_out, dispatch_uid="core.audit.logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        security_event_record(kind=SecurityEventKind.LOGOUT, user=user, actor=user, request=request)


@receiver(user_login_failed, dispatch_uid="core.audit.login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str((credentials or {}).get("username", ""))[:150]
    user = User.objects.filter(username=username).first() if username else None
    step = (credentials or {}).get("step", "password")
    kind = SecurityEventKind.MFA_FAILED if step == "mfa" else SecurityEventKind.LOGIN_FAILED
    security_event_record(kind=kind, user=user, username=username, request=request)


def _locked_out(sender, request, username, ip_address, **kwargs):
    user = User.objects.filter(username=username).first() if username else None
    security_event_record(
        kind=SecurityEventKind.LOCKED_OUT, user=user, username=username or "", request=request
    )


user_locked_out.connect(_locked_out, dispatch_uid="core.audit.locked_out")  # django-axes' own signal


@receiver(pre_save, sender=User, dispatch_uid="core.audit.access_before")
def _remember_access(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    old = User.objects.filter(pk=instance.pk).values(*ACCESS_FIELDS).first()
    instance._access_before = old


@receiver(post_save, sender=User, dispatch_uid="core.audit.access_after")
def _access_changed(sender, instance, created, raw=False, **kwargs):
    if raw or created:
        return
    old = getattr(instance, "_access_before", None) or {}
    changed = {
        field: [old[field], getattr(instance, field)]
        for field in ACCESS_FIELDS
        if field in old and old[field] != getattr(instance, field)
    }
    instance._access_before = None
    if changed:
        security_event_record(kind=SecurityEventKind.ROLE_CHANGED, user=instance, changed=changed)
