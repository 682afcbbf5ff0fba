"""Finance's actions on the exception desk.

Each action is refused with a clear error, and changes nothing, when the user is not finance
(403 ``permission_denied``), a required reason is missing (``reason_required``), or the invoice
or its case is in the wrong state (409 ``illegal_transition`` / ``no_open_case``). State changes
go through transitions, so each leaves a TransitionLog row (invoice or case).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext

from core.errors import Conflict, DomainError, IllegalTransition, PermissionDenied
from core.permissions import is_finance
from core.queue import enqueue_on_commit
from core.services import run_transition
from core.texts import text
from invoicing.models import InvoiceState
from invoicing.tax_checks import tax_check_require_passed

from ..models import CaseResolution, CaseState, ExceptionCase
from .approvals import approval_record
from .conflicts import conflict_on_lock
from .matching import (
    RematchOutcome,
    close_case,
    current_result,
    invoice_left_desk,
    invoice_rematch,
    lock_invoice,
    open_case,
)


def _require_finance(actor, what: str) -> None:
    if actor is None or not is_finance(None, actor):
        raise PermissionDenied(gettext("Only finance may %(what)s.") % {"what": what})


def _require_reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            gettext("A reason is required to %(what)s.") % {"what": what}, code="reason_required"
        )
    return reason


def _require_exception(invoice, what: str) -> None:
    if invoice.state != InvoiceState.EXCEPTION:
        raise IllegalTransition(
            gettext("Cannot %(what)s invoice %(invoice)s: it is %(state)s, not on the exception desk.")
            % {"what": what, "invoice": invoice, "state": invoice.get_state_display()},
            details={"state": invoice.state},
        )


@conflict_on_lock()
def exception_accept(*, invoice_id: int, actor, reason: str):
    """Accept the variance: the invoice is approved for payment by this finance user."""
    _require_finance(actor, gettext("accept a match variance"))
    reason = _require_reason(reason, gettext("accept a variance"))
    with transaction.atomic():
        invoice = lock_invoice(invoice_id)
        _require_exception(invoice, gettext("accept the variance of"))
        tax_check_require_passed(invoice)
        result = current_result(invoice)
        if result is not None and result.is_stale:
            raise Conflict(
                gettext(
                    "The receipts or PO changed since this invoice was matched: match it again before accepting."
                ),
                code="match_result_stale",
            )
        case = open_case(invoice)
        if case is not None and not approval_record(invoice=invoice, case=case, actor=actor, reason=reason):
            return invoice  # the chain waits for another finance approver
        invoice = run_transition(
            invoice, "approve", actor=actor, reason=text("match.variance_accepted", reason=reason)
        )
        close_case(invoice, CaseResolution.ACCEPTED, actor=actor, reason=reason)
        if invoice.is_credit_note and invoice.corrects_id:
            from ..tasks import credit_note_follow_up

            enqueue_on_commit(credit_note_follow_up, invoice.corrects_id)
        return invoice


@conflict_on_lock()
def exception_request_credit_note(*, invoice_id: int, actor, message: str) -> ExceptionCase:
    """Ask the supplier for a credit note (红字发票); the case waits for it. When a credit note
    against the invoice is matched, the invoice is matched again (``credit_note_follow_up``)."""
    _require_finance(actor, gettext("ask for a credit note"))
    message = _require_reason(message, gettext("ask for a credit note (tell the supplier what to credit)"))
    with transaction.atomic():
        invoice = lock_invoice(invoice_id)
        _require_exception(invoice, gettext("ask for a credit note for"))
        case = open_case(invoice)
        if case is None:
            raise Conflict(
                gettext("Invoice %(invoice)s has no open exception case.") % {"invoice": invoice},
                code="no_open_case",
            )
        if case.state != CaseState.OPEN:
            raise IllegalTransition(
                gettext("A credit note was already requested for invoice %(invoice)s.")
                % {"invoice": invoice},
                details={"state": case.state},
            )
        case.credit_note_request = message
        case.save(update_fields=["credit_note_request"])
        return run_transition(case, "request_credit_note", actor=actor, reason=message)


@conflict_on_lock()
def exception_reject(*, invoice_id: int, actor, reason: str):
    """Send the invoice back to the supplier: ``reject_match``; its claims on receipts are released."""
    _require_finance(actor, gettext("reject an invoice"))
    reason = _require_reason(reason, gettext("reject an invoice"))
    with transaction.atomic():
        invoice = lock_invoice(invoice_id)
        _require_exception(invoice, gettext("reject"))
        invoice = run_transition(invoice, "reject_match", actor=actor, reason=reason)
        invoice_left_desk(invoice, resolution=CaseResolution.REJECTED, actor=actor, reason=reason)
        return invoice


@conflict_on_lock()
def exception_rematch(*, invoice_id: int, actor, reason: str = "") -> RematchOutcome:
    """Match again (after a late receipt). Unchanged inputs: nothing happens (``changed=False``)."""
    _require_finance(actor, gettext("match an invoice again"))
    return invoice_rematch(invoice_id=invoice_id, actor=actor, reason=reason or text("match.finance_asked"))
