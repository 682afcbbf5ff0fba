from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.home import Panel, register

from .models import POState, RFQState
from .selectors import purchase_order_list, rfq_list


@register
def pos_to_approve(user):
    if not user.is_internal:
        return None
    pending = purchase_order_list(user).filter(state=POState.PENDING_APPROVAL).exclude(requester=user)
    if not (user.is_buyer or pending.exists()):  # finance sees the panel when a rule asks for them
        return None
    return Panel(_("Purchase orders to approve"), "procurement/_panel_pos.html", {"pos": pending[:20]})


@register
def rfqs_to_award(user):
    if not user.is_buyer:
        return None
    rfqs = rfq_list(user).filter(state=RFQState.CLOSED)
    return Panel(_("RFQs to award"), "procurement/_panel_rfqs.html", {"rfqs": rfqs[:20]})


@register
def pos_to_acknowledge(user):
    if not user.is_supplier_user:
        return None
    pos = purchase_order_list(user).filter(state=POState.SENT)
    return Panel(_("Purchase orders to acknowledge"), "procurement/_panel_pos.html", {"pos": pos[:20]})


@register
def rfqs_to_quote(user):
    if not user.is_supplier_user:
        return None
    rfqs = (
        rfq_list(user)
        .filter(state=RFQState.PUBLISHED)
        .filter(Q(deadline__isnull=True) | Q(deadline__gt=timezone.now()))
    )
    return Panel(_("RFQs to quote"), "procurement/_panel_rfqs.html", {"rfqs": rfqs[:20]})
