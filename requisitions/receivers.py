"""Requisitions listen to procurement (a higher app never is imported by a lower one):
an awarded RFQ links its PO lines to the requisition lines it was started from; a purchase
order reaching a final state may close the requisitions it delivered."""

from django.dispatch import receiver
from django_fsm.signals import post_transition

from procurement.models import RFQ, PurchaseOrder

PO_FINAL_TRANSITIONS = {"receive_fully", "close", "cancel"}


@receiver(post_transition, sender=RFQ, dispatch_uid="requisitions_follow_rfq_award")
def follow_rfq_award(sender, instance, name, source, target, **kwargs):
    if name != "award" or kwargs.get("exception") is not None:
        return
    from .services import requisition_lines_follow_award

    actor = (kwargs.get("method_kwargs") or {}).get("by")
    requisition_lines_follow_award(rfq=instance, actor=actor)


@receiver(post_transition, sender=PurchaseOrder, dispatch_uid="requisitions_close_delivered")
def close_delivered(sender, instance, name, source, target, **kwargs):
    if name not in PO_FINAL_TRANSITIONS or kwargs.get("exception") is not None:
        return
    from .services import requisitions_close_delivered

    # post_transition runs before the PO row is saved: pass its new state along.
    requisitions_close_delivered(po_id=instance.pk, po_state=target)
