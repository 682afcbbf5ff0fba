"""Thin Celery tasks of notifications."""

from celery import shared_task


@shared_task(
    name="notifications.send_email",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_notification_email(notification_id: int) -> bool:
    from .services import notification_email_send

    return notification_email_send(notification_id=notification_id)
