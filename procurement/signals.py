"""Signals procurement sends for steps that are not state transitions, for the apps above
procurement (notifications listens to them). Sent inside the service's transaction, after the
document is complete."""

from django.dispatch import Signal

# A supplier asked a question on an RFQ: ``question`` (an RFQQuestion).
rfq_question_asked = Signal()

# The buyer answered a question: ``question``; every invited supplier should hear the answer.
rfq_question_answered = Signal()

# A supplier's shipping notice: ``notice`` (ShippingNotice, with its lines).
shipping_notice_sent = Signal()

# A supplier's change proposal on a PO: ``proposal`` (POChangeProposal, with its lines).
po_change_proposed = Signal()
