"""Home-page panels of settlement statements (registered when receivers_statements is imported),
and the statement panel on an invoice's page (core.documents)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from core.documents import register_panel
from core.home import Panel, queue_panel, register

from .models import InvoicePlan, StatementLine
from .selectors import statements as selectors


def _panel(title: str, qs, state: str, *, tone: str = "") -> Panel:
    url = reverse("statement-list") + (f"?state={state}" if state else "")
    return queue_panel(
        title,
        "settlement/statement_panel.html",
        "statements",
        qs.select_related("supplier"),
        url=url,
        tone=tone,
        extra={"state": state},
    )


@register
def statements_to_confirm(user):
    if not user.is_supplier_user:
        return None
    return _panel(_("Statements to confirm"), selectors.statements_to_confirm(user), "sent", tone="attention")


@register
def invoice_plans_to_invoice(user):
    if not user.is_supplier_user:
        return None
    statements = selectors.statement_list(user).filter(
        invoice_plan__in=InvoicePlan.objects.filter(fulfilled_at__isnull=True), state="confirmed"
    )
    if not statements.exists():
        return None
    return _panel(_("Invoice plans to invoice"), statements, "confirmed")


@register
def statements_to_approve(user):
    if not (user.is_finance or user.is_superuser):
        return None
    return _panel(_("Statements to approve"), selectors.statements_to_approve(user), "")


@register
def statements_to_pay(user):
    if not (user.is_finance or user.is_superuser):
        return None
    return _panel(_("Statements to pay"), selectors.statements_to_pay(user), "approved")


@register
def statements_disputed(user):
    if not (user.is_finance or user.is_superuser):
        return None
    disputed = selectors.statements_disputed(user)
    if not disputed.exists():
        return None
    return _panel(_("Statements disputed by suppliers"), disputed, "disputed", tone="attention")


def invoice_statement_panel(user, invoice):
    """Which statement an invoice is (or was) settled in, as far as the user may see it."""
    visible = selectors.statement_list(user)
    lines = list(
        StatementLine.objects.filter(invoice=invoice, statement__in=visible)
        .select_related("statement")
        .order_by("-is_live", "-id")
    )
    if not lines:
        return None
    return Panel(_("Settlement statement"), "settlement/statement_panel_invoice.html", {"lines": lines})


register_panel("invoicing.Invoice", invoice_statement_panel)
