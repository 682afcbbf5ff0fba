"""E-mails in the recipient's language.

Every e-mail the portal sends is written in the language of the person who receives it: a user's
``language`` (set on the e-mail settings page), else the portal's default language
(:data:`core.models.DEFAULT_LANGUAGE`) for an address that belongs to no user (a supplier's
contact address, an invitee). :func:`enqueue_mail` writes the subject and body once per language
among the recipients, under ``translation.override``, and sends each group its own copy after
the caller's transaction commits (``core.send_email`` through the outbox).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.utils import translation

from .http import header_text
from .models import DEFAULT_LANGUAGE, User


def language_of(user: User | None) -> str:
    """The language e-mails to ``user`` are written in."""
    return (getattr(user, "language", "") or DEFAULT_LANGUAGE) if user is not None else DEFAULT_LANGUAGE


def languages_of(emails: Iterable[str]) -> dict[str, list[str]]:
    """language → the addresses (sorted, each once) whose owner reads it."""
    wanted = sorted({e for e in emails if e})
    known: dict[str, str] = {}
    for email, language in User.objects.filter(email__in=wanted, is_active=True).values_list(
        "email", "language"
    ):
        known.setdefault(email, language or DEFAULT_LANGUAGE)
    groups: dict[str, list[str]] = {}
    for email in wanted:
        groups.setdefault(known.get(email, DEFAULT_LANGUAGE), []).append(email)
    return groups


def compose(language: str, write: Callable[[], tuple[object, object]]) -> tuple[str, str]:
    """(subject, body) as ``write`` makes them in ``language``; the subject is one header line."""
    with translation.override(language):
        subject, body = write()
        return header_text(str(subject)), str(body)


def enqueue_mail(recipients: Iterable[str], write: Callable[[], tuple[object, object]]) -> int:
    """Send ``write()``'s (subject, body) to ``recipients``, each in their own language, after the
    current transaction commits. Returns how many e-mails (one per language) were queued."""
    from .queue import enqueue_on_commit
    from .tasks import send_email

    groups = languages_of(recipients)
    for language, emails in groups.items():
        subject, body = compose(language, write)
        enqueue_on_commit(send_email, subject, body, emails)
    return len(groups)
