"""Signals of sourcing, for the apps above procurement (notifications listens to them)."""

from django.dispatch import Signal

# A supplier asked a question on an RFQ: ``question`` (an RFQQuestion).
rfq_question_asked = Signal()

# The buyer answered a question: ``question``; every invited supplier should hear the answer.
rfq_question_answered = Signal()
