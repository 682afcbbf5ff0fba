"""Thin Celery tasks of procurement: they take ids and call services."""

from celery import shared_task


@shared_task(name="procurement.close_due_rfqs")
def close_due_rfqs() -> list[int]:
    """Beat: close every RFQ whose deadline has passed (idempotent)."""
    from .services import rfq_close_due

    return rfq_close_due()


@shared_task(name="procurement.notify_supplier_of_po")
def notify_supplier_of_po(po_id: int) -> bool:
    """E-mail the supplier that a purchase order waits for acknowledgement."""
    from django.conf import settings
    from django.core.mail import send_mail

    from .models import PurchaseOrder

    po = PurchaseOrder.objects.select_related("supplier").filter(pk=po_id).first()
    if po is None or not po.supplier.contact_email:
        return False
    send_mail(
        f"Purchase order {po.number} / 采购订单 {po.number}",
        f"Purchase order {po.number} (revision {po.revision}) waits for your acknowledgement in the portal.",
        settings.DEFAULT_FROM_EMAIL,
        [po.supplier.contact_email],
    )
    return True
