"""How a transition-log row reads: the action and the states in the reader's language.

The log stores codes (``publish``, ``draft`` → ``published``); the words are chosen when the row is
shown, so switching the language changes how old rows read. State names come from the document
model's own state choices; action names from the table below (a transition not listed reads as
its code with spaces).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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


# What each transition does, as a verb a sentence can use ("Cannot %(action)s a purchase order
# that is sent."): the refused-transition messages of core.services name the action with it.
TRANSITION_VERBS = {
    "accept": pgettext_lazy("transition verb", "accept"),
    "accept_change": pgettext_lazy("transition verb", "accept the change proposal of"),
    "acknowledge": pgettext_lazy("transition verb", "acknowledge"),
    "approve": pgettext_lazy("transition verb", "approve"),
    "award": pgettext_lazy("transition verb", "award"),
    "block": pgettext_lazy("transition verb", "block"),
    "cancel": pgettext_lazy("transition verb", "cancel"),
    "close": pgettext_lazy("transition verb", "close"),
    "confirm": pgettext_lazy("transition verb", "confirm"),
    "credit": pgettext_lazy("transition verb", "credit"),
    "credit_note_received": pgettext_lazy("transition verb", "record a credit note for"),
    "decline": pgettext_lazy("transition verb", "decline"),
    "decline_change": pgettext_lazy("transition verb", "decline the change proposal of"),
    "dispute": pgettext_lazy("transition verb", "dispute"),
    "expire": pgettext_lazy("transition verb", "expire"),
    "fail_validation": pgettext_lazy("transition verb", "fail the validation of"),
    "mark_invoiced": pgettext_lazy("transition verb", "mark as invoiced"),
    "match": pgettext_lazy("transition verb", "match"),
    "order": pgettext_lazy("transition verb", "order"),
    "order_partly": pgettext_lazy("transition verb", "order part of"),
    "pass_validation": pgettext_lazy("transition verb", "pass the validation of"),
    "pay": pgettext_lazy("transition verb", "pay"),
    "propose_change": pgettext_lazy("transition verb", "propose a change to"),
    "publish": pgettext_lazy("transition verb", "publish"),
    "raise_exception": pgettext_lazy("transition verb", "send to the exception desk"),
    "receive_fully": pgettext_lazy("transition verb", "receive all of"),
    "receive_partially": pgettext_lazy("transition verb", "receive part of"),
    "reinstate": pgettext_lazy("transition verb", "reinstate"),
    "reject": pgettext_lazy("transition verb", "reject"),
    "reject_match": pgettext_lazy("transition verb", "reject the match of"),
    "reopen_match": pgettext_lazy("transition verb", "reopen the match of"),
    "request_credit_note": pgettext_lazy("transition verb", "ask for a credit note for"),
    "request_early_close": pgettext_lazy("transition verb", "ask to close early"),
    "resolve": pgettext_lazy("transition verb", "resolve"),
    "retire": pgettext_lazy("transition verb", "retire"),
    "revise": pgettext_lazy("transition verb", "revise"),
    "schedule": pgettext_lazy("transition verb", "put on a statement"),
    "send": pgettext_lazy("transition verb", "send"),
    "start_validation": pgettext_lazy("transition verb", "start the validation of"),
    "submit": pgettext_lazy("transition verb", "submit"),
    "suspend": pgettext_lazy("transition verb", "suspend"),
    "terminate": pgettext_lazy("transition verb", "terminate"),
    "unschedule": pgettext_lazy("transition verb", "take off a statement"),
    "withdraw": pgettext_lazy("transition verb", "withdraw"),
    "approve_first": pgettext_lazy("transition verb", "give the first approval of"),
    "export": pgettext_lazy("transition verb", "export"),
    "confirm_paid": pgettext_lazy("transition verb", "confirm the payment of"),
    "vat_transferred_out": pgettext_lazy("transition verb", "transfer out the input VAT of"),
}


def transition_verb(name: str):
    """The action of transition ``name`` as a verb in the active language (a transition not listed
    reads as its code with spaces)."""
    return TRANSITION_VERBS.get(name) or name.replace("_", " ")


def transition_label(name: str):
    return TRANSITION_LABELS.get(name) or name.replace("_", " ")


def state_label(model, value: str):
    """The display name of ``value`` in ``model``'s ``state`` field, else the value itself."""
    try:
        choices = dict(model._meta.get_field("state").flatchoices)
    except Exception:  # a model without a state field, or a deleted model
        return value
    return choices.get(value, value)
