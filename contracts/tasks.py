"""Thin Celery tasks of the contracts app."""

from celery import shared_task


@shared_task(name="contracts.check_contract_expiry")
def check_contract_expiry() -> dict:
    """Daily: remind about contracts ending within 30 days; expire the ones past their end."""
    from .services import contract_expiry_check

    return contract_expiry_check()
