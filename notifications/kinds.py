"""What a notification can be about, and how it reads (pure: no database).

A notification stores its ``kind`` and ``params``; the words are made when it is shown, in the
reader's language, from the templates below. Adding a kind means adding one entry here.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.http import header_text


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
            _("Statement %(number)s over %(amount)s %(currency)s waits for your confirmation."),
        ),
        Kind(
            "match_exception",
            _("Match exception"),
            _("Invoice %(number)s needs a decision"),
            _("Invoice %(number)s of %(supplier)s did not match: %(reasons)s"),
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


def render(kind: str, params: dict, *, language: str | None = None) -> tuple[str, str]:
    """(subject, body) of a notification in ``language`` (default: the active language)."""
    spec = KINDS.get(kind)
    if spec is None:
        return kind, ""
    values = _Params(params or {})
    with translation.override(language) if language else nullcontext():
        # the subject becomes an e-mail header: one line whatever a supplier or user typed
        return header_text(str(spec.subject) % values), str(spec.body) % values
