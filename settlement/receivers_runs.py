"""Due dates follow approval: every way an invoice reaches ``approved`` (matching without a
person, finance accepting a variance) stores its due date and terms (settlement.services.terms).
Also names the payment-run and hold steps in documents' histories."""

from __future__ import annotations

from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from django_fsm.signals import post_transition

from core.history import TRANSITION_LABELS
from invoicing.models import Invoice, InvoiceState

TRANSITION_LABELS.update(
    {
        "approve_first": _("Approved once (a second person must approve)"),
        "export": _("Payment file exported"),
        "confirm_paid": _("Payment confirmed by the bank"),
        "payment_hold": _("Payment put on hold"),
        "payment_release": _("Payment hold released"),
        "pay_partly": _("Partly paid"),
        "payment_term_set": _("Payment terms set"),
        "discount_take": _("Early-payment discount taken"),
        "discount_forgo": _("Early-payment discount not taken"),
    }
)


@receiver(post_transition, sender=Invoice, dispatch_uid="settlement.invoice_due_on_approval")
def invoice_due_on_approval(sender, instance, name, source, target, **kwargs):
    if target == InvoiceState.APPROVED and source != InvoiceState.SCHEDULED:
        from .services.terms import invoice_due_assign

        invoice_due_assign(instance)
