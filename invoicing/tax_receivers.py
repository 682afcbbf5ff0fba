"""After a Chinese invoice passed validation: its authenticity check is enqueued (outbox), and a
red invoice is linked to the red-letter request it fulfils."""

from django.dispatch import receiver
from django_fsm.signals import post_transition

from core.queue import enqueue_on_commit

from .models import Invoice
from .verification import CHINESE_FORMATS


@receiver(post_transition, sender=Invoice, dispatch_uid="invoicing_tax_steps_on_validation")
def tax_steps_on_validation(sender, instance, name, source, target, **kwargs):
    if kwargs.get("exception") is not None or name != "pass_validation":
        return
    if instance.format not in CHINESE_FORMATS:
        return
    from .red_letter import red_invoice_link
    from .tasks import verify_invoice_tax

    if instance.is_credit_note and instance.corrects_id:
        red_invoice_link(instance)
    enqueue_on_commit(verify_invoice_tax, instance.pk)
