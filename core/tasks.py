"""Thin Celery tasks of the core app."""

from celery import shared_task
from django.db import connection


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
