from datetime import datetime

from ninja import Router, Schema

from . import selectors, services

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    subject: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None


@router.get("", response=list[NotificationOut])
def notification_list(request, unread: bool = False):
    return list(selectors.notification_list(request.user, unread_only=unread)[:200])


@router.post("/{int:notification_id}/read", response=NotificationOut)
def notification_read(request, notification_id: int):
    return services.notification_mark_read(notification_id=notification_id, actor=request.user)
