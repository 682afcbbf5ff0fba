"""Thin Celery tasks of procurement: they take ids and call services."""

from celery import shared_task


@shared_task(name="procurement.close_due_rfqs")
def close_due_rfqs() -> list[int]:
    """Beat: close every RFQ whose deadline has passed (idempotent)."""
    from .services import rfq_close_due

    return rfq_close_due()
