from django.urls import reverse
from django.utils.translation import gettext as _

from core.home import queue_panel, register

from .selectors import contracts_awaiting_approval


@register
def contracts_to_approve(user):
    if not (user.is_buyer or user.is_superuser):
        return None
    return queue_panel(
        _("Contracts waiting for your approval"),
        "contracts/_panel_list.html",
        "contracts",
        contracts_awaiting_approval(user).select_related("supplier"),
        url=f"{reverse('contract-list')}?state=in_approval",
    )
