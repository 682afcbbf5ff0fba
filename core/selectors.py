"""Reads shared by every app."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet

from .models import ApiToken, Role, SecurityEvent, TransitionLog, User


def transition_log_for(obj: Model) -> QuerySet[TransitionLog]:
    """The history of a document the caller has already been allowed to see."""
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return TransitionLog.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related(
        "actor", "content_type"
    )


def api_token_list(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def outbox_open(user: User):
    """Follow-up tasks that have not finished and failed or are past their grace period (staff only):
    failed ones (the sweeper gave up) first, then the oldest."""
    from datetime import timedelta

    from django.conf import settings
    from django.db.models import Q
    from django.utils import timezone

    from .models import OutboxTask

    if not (user.is_staff or user.is_superuser):
        return OutboxTask.objects.none()
    since = timezone.now() - timedelta(seconds=settings.OUTBOX_GRACE_SECONDS)
    return OutboxTask.objects.filter(
        Q(created_at__lte=since) | ~Q(last_error=""), finished_at__isnull=True
    ).order_by("-attempts", "created_at", "pk")


def may_read_security_events(user: User) -> bool:
    return user.is_active and (user.role == Role.STAFF or user.is_staff or user.is_superuser)


def security_event_list(user: User) -> QuerySet[SecurityEvent]:
    """The security audit log, for staff only (nobody else gets a row)."""
    if not may_read_security_events(user):
        return SecurityEvent.objects.none()
    return SecurityEvent.objects.select_related("actor")
