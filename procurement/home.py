from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.home import queue_panel, register

from .models import POState, RFQState
from .selectors import purchase_order_list, rfq_list


def _list_url(name: str, state: str) -> str:
    return f"{reverse(name)}?state={state}"


@register
def pos_to_approve(user):
    if not user.is_internal:
        return None
    pending = purchase_order_list(user).filter(state=POState.PENDING_APPROVAL).exclude(requester=user)
    if not (user.is_buyer or pending.exists()):  # finance sees the panel when a rule asks for them
        return None
    return queue_panel(
        _("Purchase orders to approve"),
        "procurement/_panel_pos.html",
        "pos",
        pending.select_related("supplier"),
        url=_list_url("po-list", POState.PENDING_APPROVAL),
    )


@register
def rfqs_to_award(user):
    if not user.is_buyer:
        return None
    rfqs = rfq_list(user).filter(state=RFQState.CLOSED)
    return queue_panel(
        _("RFQs to award"),
        "procurement/_panel_rfqs.html",
        "rfqs",
        rfqs,
        url=_list_url("rfq-list", RFQState.CLOSED),
    )


@register
def pos_to_acknowledge(user):
    if not user.is_supplier_user:
        return None
    pos = purchase_order_list(user).filter(state=POState.SENT).select_related("supplier")
    return queue_panel(
        _("Purchase orders to acknowledge"),
        "procurement/_panel_pos.html",
        "pos",
        pos,
        url=_list_url("po-list", POState.SENT),
        tone="attention",
    )


@register
def rfqs_to_quote(user):
    if not user.is_supplier_user:
        return None
    rfqs = (
        rfq_list(user)
        .filter(state=RFQState.PUBLISHED)
        .filter(Q(deadline__isnull=True) | Q(deadline__gt=timezone.now()))
    )
    return queue_panel(
        _("RFQs to quote"),
        "procurement/_panel_rfqs.html",
        "rfqs",
        rfqs,
        url=_list_url("rfq-list", RFQState.PUBLISHED),
    )
