"""``{{ invoice|signed_net }}``: an invoice's net amount with the sign of its document type (a credit
note negative, whatever sign its file carried)."""

from django import template

register = template.Library()


@register.filter
def signed_net(invoice):
    amount = getattr(invoice, "net_amount", None)
    if amount is None or not getattr(invoice, "is_credit_note", False):
        return amount
    return -abs(amount)
