"""Thin Celery tasks of procurement: they take ids and call services."""

from celery import shared_task

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
    from django.utils.translation import gettext as _

    from core.mail import compose, languages_of
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
    words = {"number": po.number, "revision": po.revision}
    for language, emails in languages_of([po.supplier.contact_email]).items():
        subject, body = compose(
            language,
            lambda: (
                _("Purchase order %(number)s waits for your acknowledgement") % words,
                _(
                    "Purchase order %(number)s (revision %(revision)s) waits for your acknowledgement in the portal."
                )
                % words,
            ),
        )
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, emails)
    return True
