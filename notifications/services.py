"""Writing notifications. Other apps call :func:`notify`; nothing else here is public."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.errors import DomainError, NotFound
from core.mail import language_of
from core.queue import enqueue_on_commit
from core.texts import Text

from .kinds import KINDS
from .models import EmailPreference, Notification


def _param(value):
    """A parameter as stored: the portal's own words (a text) as its code and parameters, read in
    each reader's language when shown or e-mailed; anything else as its string."""
    if isinstance(value, Text):
        return value.as_json()
    return value if isinstance(value, dict) and "code" in value else str(value)


def notify(*, users: Iterable, kind: str, params: dict | None = None, url: str = "") -> list[Notification]:
    """One inbox row per active user; e-mail (by Celery, after commit) to those who want it."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    # a value that is the portal's own words stays a code with parameters (core.texts)
    params = {k: _param(v) for k, v in (params or {}).items()}
    recipients = {u.pk: u for u in users if u is not None and u.is_active}
    if not recipients:
        return []
    with transaction.atomic():
        created = Notification.objects.bulk_create(
            [Notification(user_id=pk, kind=kind, params=params, url=url) for pk in sorted(recipients)]
        )
        muted = set(
            EmailPreference.objects.filter(user_id__in=recipients, kind=kind, email=False).values_list(
                "user_id", flat=True
            )
        )
        from .tasks import send_notification_email

        for note in created:
            if note.user_id not in muted and recipients[note.user_id].email:
                enqueue_on_commit(send_notification_email, note.pk)
        from .integrations.services import channel_notify

        channel_notify(kind=kind, params=params, url=url)  # the teams' group robots that want this kind
    return created


def notification_email_send(*, notification_id: int) -> bool:
    """Send one notification by e-mail, once (safe to run twice: the first run claims it), in the
    recipient's language (``User.language``, set on the e-mail settings page).

    The row is claimed under a short lock and the mail is sent after that commit, outside any
    lock; a send that fails gives the claim back (and raises, so the task retries)."""
    from django.conf import settings
    from django.core.mail import send_mail

    from .kinds import render

    with transaction.atomic():
        note = (
            Notification.objects.select_for_update()
            .select_related("user")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if note is None or not note.user.email or _muted(note):
            return False
        note.emailed_at = timezone.now()
        note.save(update_fields=["emailed_at"])
    subject, body = render(note.kind, note.params, language=language_of(note.user))
    link = f"\n\n{settings.PORTAL_BASE_URL.rstrip('/')}{note.url}" if note.url else ""
    try:
        send_mail(
            subject,
            f"{body}{link}",
            settings.DEFAULT_FROM_EMAIL,
            [note.user.email],
        )
    except Exception:
        Notification.objects.filter(pk=note.pk, emailed_at=note.emailed_at).update(emailed_at=None)
        raise
    return True


def _muted(note: Notification) -> bool:
    """The user turned e-mail of this kind off (also after the task was recorded)."""
    return EmailPreference.objects.filter(user_id=note.user_id, kind=note.kind, email=False).exists()


def notification_mark_read(*, notification_id: int, actor) -> Notification:
    with transaction.atomic():
        note = Notification.objects.select_for_update().filter(pk=notification_id, user=actor).first()
        if note is None:
            raise NotFound(gettext("No such notification."))
        if note.read_at is None:
            note.read_at = timezone.now()
            note.save(update_fields=["read_at"])
    return note


def notifications_mark_all_read(*, actor) -> int:
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(read_at=timezone.now())


def email_preferences_set(*, actor, email_kinds: Iterable[str]) -> None:
    """E-mail exactly the kinds listed; the inbox always gets everything."""
    wanted = set(email_kinds)
    unknown = wanted - set(KINDS)
    if unknown:
        raise DomainError(
            gettext("Unknown notification kind: %(names)s.") % {"names": ", ".join(sorted(unknown))},
            code="unknown_notification_kind",
        )
    with transaction.atomic():
        for kind in KINDS:
            EmailPreference.objects.update_or_create(
                user=actor, kind=kind, defaults={"email": kind in wanted}
            )
