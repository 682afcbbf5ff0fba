"""Thin Celery tasks of the core app."""

from celery import shared_task
from django.db import connection

from .queue import FOLLOW_UP


@shared_task(name="core.healthcheck")
def healthcheck() -> dict:
    """Proves a worker can reach the database: used by monitoring and the integration tests."""
    from .models import User

    return {"database": connection.vendor, "users": User.objects.count()}


@shared_task(name="core.scheduler_heartbeat", ignore_result=True)
def scheduler_heartbeat() -> None:
    """Run by the scheduler every 30 s: readiness checks that the scheduler is alive."""
    from django.utils import timezone

    from .models import Heartbeat

    Heartbeat.objects.update_or_create(name="scheduler", defaults={"at": timezone.now()})


@shared_task(name="core.outbox_sweep", ignore_result=True)
def outbox_sweep() -> dict:
    """Beat: dispatch again the follow-up tasks that were not sent, failed or got lost."""
    from .queue import outbox_sweep as sweep

    return sweep()


@shared_task(name="core.send_email", **FOLLOW_UP)
def send_email(subject: str, body: str, recipients: list[str]) -> bool:
    """Send one e-mail after the action that caused it committed (outside any lock, with the
    SMTP timeout of the settings). Sent once: a copy of this task whose record finished skips."""
    from django.conf import settings
    from django.core.mail import send_mail

    from .queue import already_finished

    if already_finished(send_email):
        return False
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    return True
