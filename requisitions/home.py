from django.urls import reverse
from django.utils.translation import gettext as _

from core.home import Figure, Panel, queue_panel, register, register_figures

from .models import RequisitionLine, RequisitionState
from .selectors import cart_get, lines_to_convert, lines_to_source, my_requisitions, requisitions_to_approve


@register
def my_open_requisitions(user):
    if not user.is_requester:
        return None
    open_ones = my_requisitions(user).exclude(
        state__in=[RequisitionState.CLOSED, RequisitionState.CANCELLED, RequisitionState.REJECTED]
    )
    return queue_panel(
        _("My open requisitions"),
        "requisitions/_panel_requisitions.html",
        "requisitions",
        open_ones.select_related("requester"),
        url=reverse("requisition-list"),
    )


@register
def requisitions_waiting_for_me(user):
    waiting = requisitions_to_approve(user)
    if not waiting:
        return None
    oldest = min((r.submitted_at or r.created_at for r in waiting), default=None)
    return Panel(
        _("Requisitions to approve"),
        "requisitions/_panel_requisitions.html",
        {"requisitions": waiting[:10], "more": max(len(waiting) - 10, 0)},
        count=len(waiting),
        url=reverse("requisition-approvals"),
        oldest=oldest,
    )


@register
def requisitions_to_convert(user):
    if not user.is_buyer:
        return None
    to_convert, to_source = lines_to_convert(user).count(), lines_to_source(user).count()
    return Panel(
        _("Requisitions to convert"),
        "requisitions/_panel_convert.html",
        {"to_convert": to_convert, "to_source": to_source},
        count=to_convert + to_source,
        url=reverse("requisition-convert"),
    )


@register_figures
def requester_figures(user):
    """A requester's figures: what sits in the cart, and how many of their requisitions are on
    their way (approved or ordered, not yet closed)."""
    if not user.is_requester:
        return []
    cart = cart_get(user)
    in_cart = RequisitionLine.objects.filter(requisition=cart).count() if cart else 0
    moving = my_requisitions(user).filter(
        state__in=[RequisitionState.APPROVED, RequisitionState.PARTLY_ORDERED, RequisitionState.ORDERED]
    )
    return [
        Figure(_("Lines in your cart"), in_cart, url=reverse("requisition-cart")),
        Figure(_("Requisitions approved or being ordered"), moving.count(), url=reverse("requisition-list")),
    ]
