"""How a transition-log row reads: the action and the states in the reader's language.

The log stores codes (``publish``, ``draft`` → ``published``); the words are chosen when the row is
shown, so switching the language changes how old rows read. State names come from the document
model's own state choices; action names from the table below (a transition not listed reads as
its code with spaces).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

TRANSITION_LABELS = {
    "acknowledge": _("Acknowledged"),
    "approve": _("Approved"),
    "award": _("Awarded"),
    "block": _("Blocked"),
    "accept_change": _("Change proposal accepted"),
    "cancel": _("Cancelled"),
    "close": _("Closed"),
    "request_early_close": _("Early close asked (waits for a second buyer)"),
    "confirm": _("Confirmed"),
    "credit": _("Credited"),
    "credit_note_received": _("Credit note received"),
    "decline": _("Declined"),
    "dispute": _("Disputed"),
    "decline_change": _("Change proposal declined"),
    "expire": _("Expired"),
    "fail_validation": _("Failed validation"),
    "mark_invoiced": _("Invoiced"),
    "match": _("Matched"),
    "order": _("Ordered"),
    "order_partly": _("Partly ordered"),
    "pass_validation": _("Passed validation"),
    "pay": _("Paid"),
    "propose_change": _("Change proposed by the supplier"),
    "publish": _("Published"),
    "raise_exception": _("Sent to the exception desk"),
    "receive_fully": _("Fully received"),
    "receive_partially": _("Partially received"),
    "reinstate": _("Reinstated"),
    "reject": _("Rejected"),
    "reject_match": _("Match rejected"),
    "reopen_match": _("Match reopened"),
    "request_credit_note": _("Credit note requested"),
    "resolve": _("Resolved"),
    "retire": _("Retired"),
    "reveal_account_number": _("Full account number shown"),
    "revise": _("Revised"),
    "schedule": _("Put on a statement"),
    "send": _("Sent"),
    "start_validation": _("Validation started"),
    "submit": _("Submitted"),
    "suspend": _("Suspended"),
    "terminate": _("Terminated"),
    "unschedule": _("Taken off a statement"),
    "withdraw": _("Withdrawn"),
}


def transition_label(name: str):
    return TRANSITION_LABELS.get(name) or name.replace("_", " ")


def state_label(model, value: str):
    """The display name of ``value`` in ``model``'s ``state`` field, else the value itself."""
    try:
        choices = dict(model._meta.get_field("state").flatchoices)
    except Exception:  # a model without a state field, or a deleted model
        return value
    return choices.get(value, value)
