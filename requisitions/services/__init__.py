"""Writes of requisitions: the only code that changes carts, requisitions, budgets and the links
to purchase orders. Split by step: ``cart`` (requester), ``approval``, ``sourcing`` and
``conversion`` (buyers), ``lifecycle`` (cancel / close), ``master_data`` (cost centres, budgets)."""

from .approval import requisition_approve, requisition_reject  # noqa: F401
from .cart import (  # noqa: F401
    cart_add,
    cart_add_free_text,
    cart_get_or_create,
    cart_line_remove,
    cart_line_update,
    requisition_submit,
)
from .conversion import requisitions_auto_convert, requisitions_convert  # noqa: F401
from .lifecycle import requisition_cancel, requisition_close, requisitions_close_delivered  # noqa: F401
from .master_data import budget_set, cost_centre_create, requester_assign  # noqa: F401
from .sourcing import (  # noqa: F401
    requisition_line_source,
    requisition_lines_follow_award,
    requisition_rfq_start,
)
