"""Thin Celery tasks of notifications."""

from celery import shared_task

from core.queue import FOLLOW_UP


@shared_task(name="notifications.send_email", **FOLLOW_UP)
def send_notification_email(notification_id: int) -> bool:
    from .services import notification_email_send

    return notification_email_send(notification_id=notification_id)
