from __future__ import annotations

from .kinds import KINDS
from .models import EmailPreference, Notification


def notification_list(user, *, unread_only: bool = False):
    qs = Notification.objects.filter(user=user)
    return qs.filter(read_at__isnull=True) if unread_only else qs


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def email_preferences(user) -> list[tuple[str, str, bool]]:
    """(kind, label, e-mail on?) for every kind; on unless the user turned it off."""
    off = set(EmailPreference.objects.filter(user=user, email=False).values_list("kind", flat=True))
    return [(code, str(kind.label), code not in off) for code, kind in KINDS.items()]
