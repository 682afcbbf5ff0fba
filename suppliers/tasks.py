"""Thin Celery tasks of the suppliers app."""

from celery import shared_task


@shared_task(name="suppliers.check_qualification_expiry")
def check_qualification_expiry() -> dict:
    """Daily: warn about documents expiring within 30 days; suspend suppliers whose mandatory
    documents have expired. Safe to run any number of times."""
    from .services import qualification_expiry_check

    return qualification_expiry_check()
