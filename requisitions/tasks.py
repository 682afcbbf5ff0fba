"""Thin Celery tasks of requisitions: they take ids and call services."""

from celery import shared_task

from core.queue import FOLLOW_UP


@shared_task(name="requisitions.auto_convert", **FOLLOW_UP)
def auto_convert(requisition_id: int | None = None) -> list[int]:
    """After an approval, when REQUISITION_AUTO_CONVERT_BUYER is set: turn every orderable
    approved line into purchase orders (idempotent: ordered lines are skipped)."""
    from .services import requisitions_auto_convert

    return [po.pk for po in requisitions_auto_convert()]
