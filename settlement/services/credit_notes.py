"""Credit notes in settlement: cancelling one, and the supplier balance.

A credit note reduces only what its original invoice claimed (``statements._gather`` puts it on a
statement only beside its original). When the original has already been paid, the credit note is
money the supplier owes back: the **supplier balance**. Finance settles it explicitly, either by
adding the credit note to a draft statement (a set-off, ``statement_invoice_add``) or by recording
the refund the supplier transferred (``credit_note_refund_record``).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext

from core.errors import DomainError, IllegalTransition, NotFound
from core.queue import enqueue_on_commit
from core.services import transition_locked
from core.texts import text
from invoicing.models import Invoice, InvoiceState

from ..models import StatementLine
from .conflicts import conflict_on_lock
from .statements import require_finance, require_reason

CANCELLABLE = [InvoiceState.VALIDATED, InvoiceState.MATCHED, InvoiceState.EXCEPTION, InvoiceState.APPROVED]


def _lock_credit_note(credit_note_id: int) -> Invoice:
    credit_note = Invoice.objects.select_for_update().filter(pk=credit_note_id).first()
    if credit_note is None or not credit_note.is_credit_note:
        raise NotFound(
            gettext("Credit note %(credit_note_id)s not found.") % {"credit_note_id": credit_note_id}
        )
    return credit_note


@conflict_on_lock()
def credit_note_cancel(*, credit_note_id: int, actor, reason: str) -> Invoice:
    """Withdraw a credit note that is not on a statement and not paid (e.g. one whose original was
    never approved). Its released quantities go back to the original; the reason is logged."""
    require_finance(actor, gettext("cancel credit notes"))
    reason = require_reason(reason, gettext("cancel a credit note"))
    with transaction.atomic():
        credit_note = _lock_credit_note(credit_note_id)
        if credit_note.state not in CANCELLABLE:
            raise IllegalTransition(
                gettext(
                    "Credit note %(credit_note)s is %(state)s; only a credit note not yet on a statement or paid can be cancelled."
                )
                % {"credit_note": credit_note, "state": credit_note.get_state_display()},
                code="credit_note_not_cancellable",
                details={"state": credit_note.state},
            )
        if StatementLine.objects.filter(invoice=credit_note, is_live=True).exists():
            raise IllegalTransition(
                gettext("Credit note %(credit_note)s is on a statement; take it off the statement first.")
                % {"credit_note": credit_note},
                code="credit_note_on_statement",
            )
        original = credit_note.corrects
        if original is not None and original.state == InvoiceState.CREDITED:
            raise IllegalTransition(
                gettext(
                    "Invoice %(original)s was closed as fully credited by its credit notes; credit note %(credit_note)s cannot be cancelled any more."
                )
                % {"original": original, "credit_note": credit_note},
                code="original_credited",
            )
        if credit_note.state in (InvoiceState.MATCHED, InvoiceState.APPROVED):
            transition_locked(
                credit_note,
                "reopen_match",
                actor=actor,
                reason=text("match.credit_note_cancel", reason=reason[:2000]),
            )
        transition_locked(
            credit_note,
            "cancel",
            actor=actor,
            reason=text("match.credit_note_cancelled", reason=reason[:2000]),
        )
        if original is not None and original.state == InvoiceState.EXCEPTION:
            from ..tasks import rematch_invoice

            enqueue_on_commit(rematch_invoice, original.pk)
    return credit_note


@conflict_on_lock()
def credit_note_refund_record(*, credit_note_id: int, actor, bank_reference: str) -> Invoice:
    """The supplier paid back a credit note of its balance (its original was paid): the credit
    note is settled (scheduled, then paid) with the bank reference of the refund."""
    require_finance(actor, gettext("record refunds"))
    reference = (bank_reference or "").strip()
    if not reference:
        raise DomainError(
            gettext("The bank reference of the refund is required."), code="bank_reference_required"
        )
    with transaction.atomic():
        credit_note = _lock_credit_note(credit_note_id)
        original = credit_note.corrects
        if (
            credit_note.state != InvoiceState.APPROVED
            or original is None
            or original.state != InvoiceState.PAID
        ):
            raise IllegalTransition(
                gettext(
                    "Credit note %(credit_note)s is not part of the supplier balance: only an approved credit note whose original invoice was paid is owed back."
                )
                % {"credit_note": credit_note},
                code="credit_note_not_owed",
                details={"state": credit_note.state},
            )
        if StatementLine.objects.filter(invoice=credit_note, is_live=True).exists():
            raise IllegalTransition(
                gettext("Credit note %(credit_note)s is on a statement already.")
                % {"credit_note": credit_note},
                code="credit_note_on_statement",
            )
        why = f"Refund received from the supplier, bank reference {reference}."
        transition_locked(credit_note, "schedule", actor=actor, reason=why)
        transition_locked(credit_note, "pay", actor=actor, reason=why)
    return credit_note
