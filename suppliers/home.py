from django.urls import reverse
from django.utils.translation import gettext as _

from core.home import Panel, queue_panel, register

from .models import SupplierState
from .selectors import (
    bank_accounts_awaiting_approval,
    documents_expiring,
    supplier_changes_awaiting,
    supplier_id_for,
    supplier_list,
)


@register
def suppliers_to_approve(user):
    if not user.is_buyer:
        return None
    return queue_panel(
        _("Suppliers waiting for your approval"),
        "suppliers/_panel_list.html",
        "suppliers",
        supplier_list(user).filter(state=SupplierState.SUBMITTED),
        url=f"{reverse('supplier-list')}?state={SupplierState.SUBMITTED}",
    )


@register
def own_company(user):
    if not user.is_supplier_user:
        return None
    own = supplier_list(user).filter(pk=supplier_id_for(user))
    return Panel(_("Your company"), "suppliers/_panel_list.html", {"suppliers": own})


@register
def bank_accounts_to_approve(user):
    if not (user.is_finance or user.is_superuser):
        return None
    return queue_panel(
        _("Bank accounts waiting for your approval"),
        "suppliers/_panel_bank_accounts.html",
        "accounts",
        bank_accounts_awaiting_approval(user),
        url=reverse("bank-account-list"),
    )


@register
def documents_expiring_soon(user):
    if not user.is_supplier_user:
        return None
    return queue_panel(
        _("Your documents expiring within 30 days"),
        "suppliers/_panel_documents.html",
        "documents",
        documents_expiring(user, within_days=30),
        url=reverse("supplier-detail", args=[supplier_id_for(user)]) + "#documents",
        since="expires_on",
        tone="attention",
    )


@register
def supplier_changes_to_approve(user):
    if not (user.is_buyer or user.is_superuser):
        return None
    return queue_panel(
        _("Supplier data changes waiting for your approval"),
        "suppliers/_panel_changes.html",
        "changes",
        supplier_changes_awaiting(user),
        since="requested_at",
    )
