"""Home-page panels of matching: finance's exception desk and stale matches; the supplier's
invoices waiting for a credit note."""

from django.urls import reverse
from django.utils.translation import gettext as _

from core.documents import register_panel
from core.home import Panel, register

from .models import CaseState
from .selectors.matching import aging_counts, can_work_desk, stale_result_list, supplier_match_list


@register
def match_exceptions(user):
    if not can_work_desk(user):
        return None
    counts = aging_counts(user)
    stale = stale_result_list(user).count()
    total = sum(counts.values())
    return Panel(
        _("Match exceptions"),
        "settlement/match_panel_desk.html",
        {"counts": counts, "total": total, "stale": stale},
        count=total,
        url=reverse("match-desk"),
        tone="attention",
    )


@register
def credit_notes_requested(user):
    if not user.is_authenticated or not user.is_supplier_user:
        return None
    invoices = [
        invoice
        for invoice in supplier_match_list(user)
        .filter(exception_cases__state=CaseState.AWAITING_CREDIT_NOTE)
        .distinct()[:20]
        if invoice.open_cases
    ]
    if not invoices:
        return None
    return Panel(
        _("Credit notes requested"),
        "settlement/match_panel_credit_notes.html",
        {"invoices": invoices},
        count=len(invoices),
        url=reverse("match-status-list"),
        tone="attention",
    )


def _invoice_panel(user, invoice):
    from .views_matching import invoice_match_panel

    return invoice_match_panel(user, invoice)


register_panel("invoicing.Invoice", _invoice_panel)
