"""Thin Celery tasks of notifications."""

from celery import shared_task

from core.queue import FOLLOW_UP


@shared_task(name="notifications.send_email", **FOLLOW_UP)
def send_notification_email(notification_id: int) -> bool:
    from .services import notification_email_send

    return notification_email_send(notification_id=notification_id)


@shared_task(name="notifications.send_delivery", **FOLLOW_UP)
def send_delivery(delivery_id: int) -> bool:
    """Send one webhook or group-robot delivery (its own retries: the retry sweep)."""
    from .integrations.services import delivery_send

    return delivery_send(delivery_id=delivery_id)


@shared_task(name="notifications.retry_deliveries", ignore_result=True)
def retry_deliveries() -> int:
    """Beat, every minute: send again the deliveries whose pause after a failure is over."""
    from .integrations.services import deliveries_retry_due

    return deliveries_retry_due()
