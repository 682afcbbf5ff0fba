from django.utils.translation import gettext as _

from core.home import Panel, register

from .models import RequisitionState
from .selectors import lines_to_convert, lines_to_source, my_requisitions, requisitions_to_approve


@register
def my_open_requisitions(user):
    if not user.is_requester:
        return None
    open_ones = my_requisitions(user).exclude(
        state__in=[RequisitionState.CLOSED, RequisitionState.CANCELLED, RequisitionState.REJECTED]
    )
    return Panel(
        _("My open requisitions"), "requisitions/_panel_requisitions.html", {"requisitions": open_ones[:20]}
    )


@register
def requisitions_waiting_for_me(user):
    waiting = requisitions_to_approve(user)
    if not waiting:
        return None
    return Panel(
        _("Requisitions to approve"), "requisitions/_panel_requisitions.html", {"requisitions": waiting[:20]}
    )


@register
def requisitions_to_convert(user):
    if not user.is_buyer:
        return None
    return Panel(
        _("Requisitions to convert"),
        "requisitions/_panel_convert.html",
        {"to_convert": lines_to_convert(user).count(), "to_source": lines_to_source(user).count()},
    )
