"""Thin Celery tasks of procurement: they take ids and call services."""

from celery import shared_task

from core.http import header_text
from core.queue import FOLLOW_UP


@shared_task(name="procurement.close_due_rfqs")
def close_due_rfqs() -> list[int]:
    """Beat: close every RFQ whose deadline has passed (idempotent)."""
    from .services import rfq_close_due

    return rfq_close_due()


@shared_task(name="procurement.notify_supplier_of_po", **FOLLOW_UP)
def notify_supplier_of_po(po_id: int) -> bool:
    """E-mail the supplier's contact address that a purchase order waits for acknowledgement,
    unless the address is a portal user's of that supplier: users hear through their
    notifications, by e-mail only if they want it. Sent once per recorded task."""
    from django.conf import settings
    from django.core.mail import send_mail

    from core.models import User
    from core.queue import already_finished

    from .models import PurchaseOrder

    po = PurchaseOrder.objects.select_related("supplier").filter(pk=po_id).first()
    if po is None or not po.supplier.contact_email or already_finished(notify_supplier_of_po):
        return False
    if User.objects.filter(
        membership__supplier_id=po.supplier_id, email__iexact=po.supplier.contact_email
    ).exists():
        return False
    send_mail(
        header_text(f"采购订单 {po.number} 待确认 / Purchase order {po.number} to acknowledge"),
        f"采购订单 {po.number}（第 {po.revision} 版）在门户中等待您的确认。\n\n"
        f"Purchase order {po.number} (revision {po.revision}) waits for your acknowledgement in the portal.",
        settings.DEFAULT_FROM_EMAIL,
        [po.supplier.contact_email],
    )
    return True
