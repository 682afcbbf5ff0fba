"""What a notification can be about, and how it reads (pure: no database).

A notification stores its ``kind`` and ``params``; the words are made when it is shown, in the
reader's language, from the templates below. Adding a kind means adding one entry here.
"""

from __future__ import annotations

from contextlib import nullcontext, suppress
from dataclasses import dataclass
from datetime import datetime

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core import formatting
from core.http import header_text
from core.texts import render_value


@dataclass(frozen=True)
class Kind:
    code: str
    label: str  # shown on the preferences page
    subject: str  # %(name)s placeholders filled from params
    body: str


KINDS: dict[str, Kind] = {
    k.code: k
    for k in [
        Kind(
            "rfq_invitation",
            _("Invitation to quote"),
            _("You are invited to quote on %(number)s"),
            _("%(buyer)s invites you to quote on %(number)s (%(title)s) until %(deadline)s."),
        ),
        Kind(
            "rfq_question",
            _("Question on an RFQ"),
            _("A supplier asks a question on %(number)s"),
            _("A supplier asks about %(number)s (%(title)s): %(question)s"),
        ),
        Kind(
            "rfq_answer",
            _("Answer to a question on an RFQ"),
            _("The buyer answered a question on %(number)s"),
            _("Question on %(number)s (%(title)s): %(question)s\nAnswer: %(answer)s"),
        ),
        Kind(
            "rfq_result",
            _("RFQ result"),
            _("The result of %(number)s is out"),
            _("%(number)s (%(title)s) is awarded: you won %(won)s of the %(quoted)s line(s) you quoted."),
        ),
        Kind(
            "po_to_acknowledge",
            _("Purchase order to acknowledge"),
            _("Purchase order %(number)s waits for your acknowledgement"),
            _("Purchase order %(number)s (revision %(revision)s) waits for your acknowledgement."),
        ),
        Kind(
            "invoice_rejected",
            _("Invoice rejected"),
            _("Invoice %(number)s was rejected"),
            _("Invoice %(number)s was rejected: %(reasons)s"),
        ),
        Kind(
            "credit_note_requested",
            _("Credit note requested"),
            _("A credit note is requested for invoice %(number)s"),
            _("Finance asks for a credit note (红字发票) for invoice %(number)s: %(message)s"),
        ),
        Kind(
            "statement_to_confirm",
            _("Statement to confirm"),
            _("Statement %(number)s waits for your confirmation"),
            _("Statement %(number)s over %(amount)s waits for your confirmation."),
        ),
        Kind(
            "match_exception",
            _("Match exception"),
            _("Invoice %(number)s needs a decision"),
            _("Invoice %(number)s of %(supplier)s did not match: %(reasons)s"),
        ),
        Kind(
            "po_rejected",
            _("Purchase order rejected by the supplier"),
            _("%(supplier)s rejected purchase order %(number)s"),
            _("%(supplier)s rejected purchase order %(number)s (revision %(revision)s): %(reason)s"),
        ),
        Kind(
            "po_change_proposed",
            _("Change proposed on a purchase order"),
            _("%(supplier)s proposes a change to purchase order %(number)s"),
            _("%(supplier)s proposes to change %(lines)s line(s) of purchase order %(number)s: %(reason)s"),
        ),
        Kind(
            "po_change_accepted",
            _("Your change proposal was accepted"),
            _("Your change to purchase order %(number)s was accepted"),
            _(
                "The buyer accepted your change to purchase order %(number)s: it is now revision %(revision)s. %(reason)s"
            ),
        ),
        Kind(
            "po_change_declined",
            _("Your change proposal was declined"),
            _("Your change to purchase order %(number)s was declined"),
            _("The buyer declined your change to purchase order %(number)s: %(reason)s"),
        ),
        Kind(
            "shipping_notice",
            _("Shipping notice from a supplier"),
            _("%(supplier)s ships goods for purchase order %(number)s"),
            _(
                "%(supplier)s shipped goods for purchase order %(number)s on %(shipped_on)s (expected %(expected_on)s, %(carrier)s %(tracking_no)s): %(lines)s"
            ),
        ),
        Kind(
            "quote_submitted",
            _("Quote submitted"),
            _("%(supplier)s submitted a quote on %(number)s"),
            _(
                "%(supplier)s submitted version %(version)s of its quote on %(number)s (%(title)s). Prices stay sealed until the RFQ closes."
            ),
        ),
        Kind(
            "document_expiring",
            _("Document about to expire"),
            _("%(document)s expires on %(date)s"),
            _("%(document)s of %(owner)s expires on %(date)s."),
        ),
    ]
}


class _Params(dict):
    """Missing placeholders read as '' rather than failing: old rows outlive template changes."""

    def __missing__(self, key):
        return ""


def _readable(values: _Params) -> _Params:
    """Figures and dates as the reader's language writes them (core.formatting): ``amount`` in its
    ``currency``, ``date`` a day, ``deadline`` a day and time (stored as ISO text)."""
    if values.get("amount") not in (None, ""):
        values["amount"] = formatting.amount(values["amount"], values.get("currency"))
    if values.get("date"):
        values["date"] = formatting.day(values["date"])
    deadline = values.get("deadline")
    if deadline and deadline != "—":
        with suppress(ValueError):
            values["deadline"] = formatting.moment(datetime.fromisoformat(str(deadline)))
    return values


def render(kind: str, params: dict, *, language: str | None = None) -> tuple[str, str]:
    """(subject, body) of a notification in ``language`` (default: the active language)."""
    spec = KINDS.get(kind)
    if spec is None:
        return kind, ""
    with translation.override(language) if language else nullcontext():
        values = _readable(_Params({k: render_value(v) for k, v in (params or {}).items()}))
        # the subject becomes an e-mail header: one line whatever a supplier or user typed
        return header_text(str(spec.subject) % values), str(spec.body) % values
