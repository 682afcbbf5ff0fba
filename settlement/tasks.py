"""Celery tasks of settlement: thin wrappers that take ids and call the matching services."""

from celery import shared_task

from core.queue import FOLLOW_UP
from core.texts import text


@shared_task(name="settlement.match_invoice", **FOLLOW_UP)
def match_invoice(invoice_id: int) -> str:
    """Match a validated invoice (enqueued when validation passes). Idempotent."""
    from .services.matching import invoice_match

    result = invoice_match(invoice_id=invoice_id)
    return result.verdict if result is not None else "claimed"


@shared_task(name="settlement.rematch_invoice", **FOLLOW_UP)
def rematch_invoice(invoice_id: int) -> str:
    """Match an exception again after its inputs changed (a late receipt, a PO change)."""
    from core.errors import IllegalTransition

    from .services.matching import invoice_rematch

    try:
        outcome = invoice_rematch(invoice_id=invoice_id, reason=text("match.receipt_changed"))
    except IllegalTransition:  # finance decided it meanwhile (approved, rejected): nothing to do
        return "skipped"
    return "changed" if outcome.changed else "unchanged"


@shared_task(name="settlement.refresh_match_staleness", **FOLLOW_UP)
def refresh_match_staleness(po_ids: list[int]) -> dict:
    """Re-check the current match results that depend on these purchase orders."""
    from .services.matching import match_staleness_refresh

    return match_staleness_refresh(po_ids=po_ids)


@shared_task(name="settlement.credit_note_follow_up", **FOLLOW_UP)
def credit_note_follow_up(original_id: int) -> str:
    """A credit note against this invoice was matched: credit it fully or match it again."""
    from .services.matching import credit_note_follow_up as follow_up

    return follow_up(original_id=original_id)


@shared_task(name="settlement.requeue_unmatched_invoices")
def requeue_unmatched_invoices(older_than_minutes: float | None = None) -> int:
    """Beat: match again invoices that stayed validated (a lost message)."""
    from .services.matching import invoices_requeue_unmatched

    return invoices_requeue_unmatched(older_than_minutes=older_than_minutes)
