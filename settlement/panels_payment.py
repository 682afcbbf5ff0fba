"""On an invoice's page: its due date, the terms it came from and how far it is from being paid
(the supplier and finance), and finance's payment hold."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.documents import register_panel
from core.home import Panel

from .models import InvoiceDue, TermSource
from .selectors.account import invoice_payment_status


def invoice_payment_panel(user, invoice):
    """Due date, terms and payment status of an invoice, for the supplier and finance."""
    due = InvoiceDue.objects.filter(invoice=invoice).select_related("payment_term").first()
    if due is None and invoice.state not in ("paid", "scheduled"):
        return None
    return Panel(
        _("Due date and payment"),
        "settlement/invoice_payment_panel.html",
        {
            "invoice": invoice,
            "due": due,
            "source": TermSource(due.term_source).label if due else "",
            "status": invoice_payment_status(invoice),
            "can_hold": bool(due) and (user.is_finance or user.is_superuser) and invoice.state == "approved",
        },
    )


register_panel("invoicing.Invoice", invoice_payment_panel)
