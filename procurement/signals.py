"""Signals procurement sends for steps that are not state transitions (higher apps, e.g.
notifications, listen). Sent inside the service's transaction, after the document is complete."""

from django.dispatch import Signal

# kwargs: notice (ShippingNotice, with its lines)
shipping_notice_sent = Signal()
# kwargs: proposal (POChangeProposal, with its lines)
po_change_proposed = Signal()
