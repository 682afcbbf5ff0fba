"""Writes of procurement: the only code that changes RFQs, quotes, purchase orders and receipts.

Split by document: ``rfq`` (sourcing, sealed quotes, award), ``purchase_orders`` (PO life cycle,
approval rules, supplier acknowledgement, revisions), ``receipts`` (goods receipts and returns).
"""

from ._common import next_number  # noqa: F401 - document numbers for other apps too
from .po_changes import po_change_accept, po_change_decline, po_change_propose  # noqa: F401
from .purchase_orders import (  # noqa: F401
    purchase_order_acknowledge,
    purchase_order_approve,
    purchase_order_cancel,
    purchase_order_close,
    purchase_order_create,
    purchase_order_decline,
    purchase_order_line_add,
    purchase_order_line_remove,
    purchase_order_line_update,
    purchase_order_reject,
    purchase_order_revise,
    purchase_order_send,
    purchase_order_submit,
    shipping_notice_create,
)
from .receipts import goods_receipt_create, goods_return_create  # noqa: F401
from .rfq import (  # noqa: F401
    MAX_ATTACHMENTS,
    quote_attachment_max_bytes,
    quote_attachment_read,
    quote_attachments_add,
    quote_submit,
    rfq_award,
    rfq_cancel,
    rfq_close,
    rfq_close_due,
    rfq_create,
    rfq_invite,
    rfq_line_add,
    rfq_publish,
)
from .rfq_questions import rfq_question_answer, rfq_question_ask  # noqa: F401
