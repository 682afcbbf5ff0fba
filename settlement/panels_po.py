"""On a purchase order's page: the invoices matched against it and the statements that settle
them (procurement must not import settlement, so settlement contributes the panel)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.documents import register_panel
from core.home import Panel
from invoicing.selectors import invoice_list

from .models import MatchAllocation, StatementLine
from .selectors.statements import statement_list


def po_related_panel(user, po):
    matched = MatchAllocation.objects.filter(po_line__po=po, result__is_current=True).values("invoice_id")
    invoices = list(invoice_list(user).filter(pk__in=matched).order_by("issue_date", "pk"))
    lines = (
        StatementLine.objects.filter(invoice__in=invoices, is_live=True, statement__in=statement_list(user))
        .select_related("statement")
        .order_by("statement_id")
    )
    statement_of = {line.invoice_id: line.statement for line in lines}
    rows = [(invoice, statement_of.get(invoice.pk)) for invoice in invoices]
    return Panel(_("Invoices and statements"), "settlement/po_related_panel.html", {"rows": rows})


register_panel("procurement.PurchaseOrder", po_related_panel)
