"""The figures on each role's home dashboard (core.home.register_figures): what the person is
owed, owes or has open, summed by the database over what they may see."""

from django.urls import reverse
from django.utils.translation import gettext as _

from core.home import Figure, register_figures

from .selectors import dashboard


def _money(label: str, sums, *, url: str = "", hint: str = "") -> list[Figure]:
    if not sums:  # nothing yet: zero in the portal's default currency
        return [Figure(label, 0, unit="CNY", url=url, hint=hint, money=True)]
    return [
        Figure(label, total, unit=currency, url=url, hint=hint, money=True) for currency, total in sums[:2]
    ]


@register_figures
def role_figures(user):
    if not user.is_authenticated:
        return []
    if user.is_supplier_user:
        return [
            *_money(_("Invoiced, not yet paid"), dashboard.invoices_open(user), url=reverse("invoice-list")),
            *_money(
                _("Paid to you in the last 30 days"),
                dashboard.paid_recently(user),
                url=reverse("statement-list"),
            ),
            Figure(_("Open purchase orders"), dashboard.open_purchase_orders(user), url=reverse("po-list")),
        ]
    if user.is_finance or user.is_superuser:
        return [
            *_money(
                _("Approved invoices not yet in a statement"),
                dashboard.invoices_approved_unsettled(user),
                url=f"{reverse('invoice-list')}?state=approved",
            ),
            *_money(
                _("Approved statements to pay"),
                dashboard.statements_approved_to_pay(user),
                url=f"{reverse('statement-list')}?state=approved",
            ),
            *_money(
                _("Paid in the last 30 days"), dashboard.paid_recently(user), url=reverse("payment-list")
            ),
        ]
    if user.is_buyer:
        return [
            Figure(_("Open purchase orders"), dashboard.open_purchase_orders(user), url=reverse("po-list")),
            Figure(
                _("Invoices in exception"),
                dashboard.invoices_in_exception(user),
                url=f"{reverse('invoice-list')}?state=exception",
            ),
        ]
    return []
