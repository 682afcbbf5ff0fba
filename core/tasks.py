"""Thin Celery tasks of the core app."""

from celery import shared_task
from django.db import connection


@shared_task(name="core.healthcheck")
def healthcheck() -> dict:
    """Proves a worker can reach the database: used by monitoring and the integration tests."""
    from .models import User

    return {"database": connection.vendor, "users": User.objects.count()}
