"""The matching flow in the database: match a validated invoice, re-match, staleness, credit notes.

``invoice_match`` is what the Celery task ``settlement.match_invoice`` runs after validation:

1. lock the invoice; anything not ``validated`` is left alone (a re-delivered task does nothing);
2. offer it to statement-first settlement (``invoice_plan_claim``): a plan that takes it ends here;
3. build the engine inputs (``match_inputs.build_inputs``), locking the PO rows involved ordered by
   id, so two invoices on the same receipt are matched one after the other and never over-allocate;
4. run the engine unless the current result has the same input hash (then nothing new is stored);
   store the result and its allocations;
5. matched (also within tolerance) → ``match`` then ``approve`` with no person, the reason naming
   the policy version; otherwise ``raise_exception`` and an open exception case.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from core.errors import IllegalTransition, NotFound, PermissionDenied
from core.permissions import is_finance
from core.queue import enqueue, enqueue_on_commit
from core.services import transition_locked
from core.texts import Text, register, text
from invoicing.models import Invoice, InvoiceState
from invoicing.tax_checks import tax_check_failed, tax_event_log
from invoicing.tax_models import InvoiceTax, Verification
from settlement.matching import ENGINE_VERSION, Verdict, match_invoice

from ..models import (
    CaseResolution,
    CaseState,
    ExceptionCase,
    MatchAllocation,
    MatchResult,
    MatchVerdict,
)
from ..models.matching import OPEN_CASE_STATES
from ..selectors.matching import exception_reasons, supplier_facts
from . import invoice_plans
from .match_inputs import CREDIT_COUNTS, MatchInputs, build_inputs, candidate_rule_of
from .match_json import policy_to_json, result_to_json, scenario_to_json

log = logging.getLogger(__name__)

# Invoices whose current result is re-checked when a PO line or receipt changes.
CHECKED_STATES = [InvoiceState.MATCHED, InvoiceState.EXCEPTION, InvoiceState.APPROVED]


# What the log says when matching moves an invoice or closes its case (core.texts).
register(
    {
        "match.exception": gettext_noop("three-way match exception: %(facts)s"),
        "match.matched": gettext_noop("three-way match under policy %(policy)s"),
        "match.approved_automatically": gettext_noop(
            "approved without a person: all lines within policy %(policy)s (engine %(engine)s)"
        ),
        "match.matched_again": gettext_noop("matched again within policy"),
        "match.case_resolved": gettext_noop("%(resolution)s: %(reason)s"),
        "match.inputs_changed": gettext_noop("inputs changed since the last match"),
        "match.again": gettext_noop("match again: %(why)s"),
        "match.fully_credited": gettext_noop("fully reversed by credit notes"),
        "match.credit_note_matched": gettext_noop("a credit note against it was matched"),
        "match.credit_note_not_enough": gettext_noop(
            "a credit note was matched but the invoice is still an exception"
        ),
        "match.invoice_cancelled": gettext_noop("the invoice was cancelled"),
        "match.receipt_changed": gettext_noop("a receipt or PO line changed"),
        "match.finance_asked": gettext_noop("finance asked to match again"),
        **{f"case_resolution.{value}": label for value, label in CaseResolution.choices},
        "match.variance_accepted": gettext_noop("variance accepted: %(reason)s"),
        "match.credit_note_cancel": gettext_noop("cancel: %(reason)s"),
        "match.credit_note_cancelled": gettext_noop("credit note cancelled: %(reason)s"),
    }
)


def lock_invoice(invoice_id: int, *, for_match: bool = False) -> Invoice:
    """The invoice row locked, with its supplier (read, not locked: the approval's due date and
    event read it). ``for_match``: also whether it has a current match result and a failed
    authenticity check (``had_current_result``, ``had_failed_tax_check``), read with the lock;
    both are written only under this lock (matching, ``invoice_tax_verify``)."""
    query = Invoice.objects.select_for_update(of=("self",)).select_related("supplier")
    if for_match:
        query = query.annotate(
            had_current_result=Exists(MatchResult.objects.filter(invoice=OuterRef("pk"), is_current=True)),
            had_failed_tax_check=Exists(
                InvoiceTax.objects.filter(invoice=OuterRef("pk"), verification=Verification.FAILED)
            ),
        )
    invoice = query.filter(pk=invoice_id).first()
    if invoice is None:
        raise NotFound(gettext("Invoice %(invoice_id)s not found.") % {"invoice_id": invoice_id})
    return invoice


def current_result(invoice: Invoice) -> MatchResult | None:
    return MatchResult.objects.filter(invoice=invoice, is_current=True).select_related("policy").first()


def open_case(invoice: Invoice) -> ExceptionCase | None:
    return (
        ExceptionCase.objects.select_for_update().filter(invoice=invoice, state__in=OPEN_CASE_STATES).first()
    )


# ------------------------------------------------------------------------------------------ matching


def invoice_match(*, invoice_id: int, actor=None) -> MatchResult | None:
    """Match a validated invoice (see the module docstring). Returns the current result, or None
    when an invoice plan took the invoice."""
    with transaction.atomic():
        invoice = lock_invoice(invoice_id, for_match=True)
        if invoice.state != InvoiceState.VALIDATED:
            return current_result(invoice) if invoice.had_current_result else None
        if invoice_plans.invoice_plan_claim(invoice, locked=True):
            return None
        return _match_locked(invoice, build_inputs(invoice, lock=True), actor=actor)


def _match_locked(invoice: Invoice, inputs: MatchInputs, *, actor) -> MatchResult:
    """Run (or reuse) the match of a locked, validated invoice and move it on by the verdict."""
    result = current_result(invoice) if getattr(invoice, "had_current_result", True) else None
    # an invoice never matched before has no result and so no case (cases open with a result,
    # and once stored an invoice always has a current one): nothing to supersede or close
    first = result is None
    if first or result.input_hash != inputs.input_hash:
        result = _store(invoice, inputs, actor=actor, previous=not first)
    policy = result.policy_version
    if result.verdict == MatchVerdict.EXCEPTION:
        # the log is shown to the supplier too: the facts, not the buyer's tolerance limits
        facts = [supplier_facts(r) for r in exception_reasons(result)[:3]]
        transition_locked(invoice, "raise_exception", reason=text("match.exception", facts=facts))
        _open_or_update_case(invoice, result, new=first)
        return result
    # matched then approved: both steps logged, the row written once (one history row) by the
    # approval's save, or by this one when a failed authenticity check holds it at matched
    transition_locked(invoice, "match", actor=actor, reason=text("match.matched", policy=policy), save=False)
    failed = getattr(invoice, "had_failed_tax_check", None)
    if failed if failed is not None else tax_check_failed(invoice):
        # held at matched: approved once a new authenticity check passes
        invoice.save()
        tax_event_log(invoice, "tax_check_failed", actor=None, reason=text("tax.held_for_check"))
        if not first:
            close_case(invoice, CaseResolution.REMATCHED, actor=actor, reason=text("match.matched_again"))
        return result
    transition_locked(
        invoice,
        "approve",
        reason=text("match.approved_automatically", policy=policy, engine=result.engine_version),
    )
    if not first:
        close_case(invoice, CaseResolution.REMATCHED, actor=actor, reason=text("match.matched_again"))
    if invoice.is_credit_note and invoice.corrects_id:
        from ..tasks import credit_note_follow_up

        enqueue_on_commit(credit_note_follow_up, invoice.corrects_id)
    return result


def _summary(engine_result) -> str:
    """The reasons that made it an exception, in the engine's words (at most three)."""
    messages = [r.message for r in engine_result.all_reasons if r.severity is Verdict.EXCEPTION]
    more = [f"(+{len(messages) - 3} more)"] if len(messages) > 3 else []
    return "\n".join(messages[:3] + more)


def _stored_inputs(inputs: MatchInputs) -> dict:
    """The scenario the result is decided on, and how its PO lines were chosen (replayed exactly;
    ``reconcile_scenario`` ignores ``candidates``, re-checks read it: ``candidate_rule_of``)."""
    scenario = scenario_to_json(inputs.invoice, **inputs.engine_kwargs())
    if inputs.candidates:
        scenario["candidates"] = inputs.candidates
    return scenario


def _store(invoice: Invoice, inputs: MatchInputs, *, actor, previous: bool = True) -> MatchResult:
    """Store the engine's result as the invoice's current one (``previous``: it may have one to
    supersede, whose allocations are dropped)."""
    engine_result = match_invoice(inputs.invoice, **inputs.engine_kwargs())
    if previous:
        earlier = MatchResult.objects.filter(invoice=invoice, is_current=True)
        MatchAllocation.objects.filter(result__in=earlier).delete()
        earlier.update(is_current=False)
    explanation = result_to_json(engine_result)
    explanation["labels"] = inputs.labels
    explanation["policy"] = policy_to_json(inputs.policy)
    explanation["policy"]["scope"] = inputs.policy_row.scope_display
    result = MatchResult.objects.create(
        invoice=invoice,
        verdict=MatchVerdict(engine_result.verdict.value),
        input_hash=engine_result.input_hash,
        policy=inputs.policy_row,
        policy_version=inputs.policy_row.label,
        engine_version=engine_result.engine_version or ENGINE_VERSION,
        explanation=explanation,
        inputs=_stored_inputs(inputs),
        summary=_summary(engine_result) if engine_result.verdict is Verdict.EXCEPTION else "",
        triggered_by=actor,
    )
    result.purchase_orders.add(*inputs.purchase_order_ids)
    original = invoice.corrects_id if invoice.is_credit_note else None
    MatchAllocation.objects.bulk_create(
        MatchAllocation(
            result=result,
            invoice=invoice,
            invoice_line_id=int(a.invoice_line_id),
            po_line_id=int(a.po_line_id),
            receipt_line_id=None if a.receipt_line_id is None else int(a.receipt_line_id),
            quantity=a.quantity,
            original_invoice_id=original,
        )
        for a in engine_result.allocations
    )
    return result


def _primary_reason(result: MatchResult) -> str:
    for line in result.explanation.get("lines", []):
        for reason in line.get("reasons", []):
            if reason.get("severity") == Verdict.EXCEPTION.value:
                return reason.get("code", "")
    for reason in result.explanation.get("reasons", []):
        if reason.get("severity") == Verdict.EXCEPTION.value:
            return reason.get("code", "")
    return ""


def _open_or_update_case(invoice: Invoice, result: MatchResult, *, new: bool = False) -> ExceptionCase:
    """``new``: the invoice's first result, so it has no case yet."""
    case = None if new else open_case(invoice)
    if case is None:
        return ExceptionCase.objects.create(
            invoice=invoice, result=result, primary_reason=_primary_reason(result)
        )
    case.result = result
    case.primary_reason = _primary_reason(result)
    case.save(update_fields=["result", "primary_reason"])
    return case


def close_case(invoice: Invoice, resolution: str, *, actor, reason: str) -> ExceptionCase | None:
    case = open_case(invoice)
    if case is None:
        return None
    case.resolution = resolution
    # a typed reason; the portal's own (a text) is in the case's log, read in the reader's language
    case.resolution_reason = "" if isinstance(reason, Text) else reason
    case.resolved_by = actor
    case.resolved_at = timezone.now()
    transition_locked(
        case,
        "resolve",
        actor=actor,
        reason=text("match.case_resolved", resolution=text(f"case_resolution.{resolution}"), reason=reason),
    )
    return case


def release_allocations(invoice: Invoice) -> int:
    """An invoice that left the flow (rejected, cancelled) gives its claims back."""
    deleted, _ = MatchAllocation.objects.filter(invoice=invoice).delete()
    return deleted


def invoice_left_desk(invoice: Invoice, *, resolution: str, actor=None, reason: str = "") -> None:
    """After cancel / reject: release the invoice's claims and close its case."""
    release_allocations(invoice)
    close_case(invoice, resolution, actor=actor, reason=reason)


# ---------------------------------------------------------------------------------------- re-matching


class RematchOutcome:
    def __init__(self, result: MatchResult | None, changed: bool):
        self.result = result
        self.changed = changed


def invoice_rematch(*, invoice_id: int, actor=None, reason: str = "") -> RematchOutcome:
    """Match an invoice again: finance after a late receipt (``actor`` must be finance), or the
    system (``actor=None``) after a receipt or credit note changed what an exception depends on.

    Exceptions may always be matched again; matched / approved invoices only when their result is
    stale. When nothing the current result depends on has changed, nothing happens
    (``changed=False``)."""
    if actor is not None and not is_finance(None, actor):
        raise PermissionDenied(gettext("Only finance may match an invoice again."))
    with transaction.atomic():
        invoice = lock_invoice(invoice_id)
        result = current_result(invoice)
        stale = bool(result and result.is_stale)
        if invoice.state == InvoiceState.VALIDATED:
            return RematchOutcome(invoice_match(invoice_id=invoice.pk, actor=actor), True)
        if invoice.state != InvoiceState.EXCEPTION and not (
            stale and invoice.state in (InvoiceState.MATCHED, InvoiceState.APPROVED)
        ):
            raise IllegalTransition(
                gettext(
                    "Invoice %(invoice)s is %(state)s: only exceptions and stale matches can be matched again."
                )
                % {"invoice": invoice, "state": invoice.get_state_display()},
                code="cannot_rematch",
                details={"state": invoice.state},
            )
        if result is not None:
            again = build_inputs(
                invoice, lock=True, before_result_id=result.pk, candidate_rule=candidate_rule_of(result)
            )
            if again.input_hash == result.input_hash:
                if result.is_stale:
                    MatchResult.objects.filter(pk=result.pk).update(is_stale=False, stale_since=None)
                return RematchOutcome(result, False)
        why = reason if isinstance(reason, Text) else reason.strip()[:2000] or text("match.inputs_changed")
        transition_locked(invoice, "reopen_match", actor=actor, reason=text("match.again", why=why))
        inputs = build_inputs(invoice, lock=True)
        return RematchOutcome(_match_locked(invoice, inputs, actor=actor), True)


def match_staleness_refresh(*, po_ids: list[int]) -> dict:
    """A PO line or receipt of these POs changed: re-check the input hash of the current results of
    invoices not yet scheduled or paid. Stale exceptions are matched again (a task each); stale
    matched / approved invoices are only flagged for finance."""
    counts = {"checked": 0, "stale": 0, "rematch": 0}
    if not po_ids:
        return counts
    from ..tasks import rematch_invoice

    results = list(
        MatchResult.objects.filter(
            is_current=True, purchase_orders__in=po_ids, invoice__state__in=CHECKED_STATES
        )
        .select_related("invoice")
        .distinct()
        .order_by("pk")
    )
    with transaction.atomic():
        for result in results:
            counts["checked"] += 1
            inputs = build_inputs(
                result.invoice,
                lock=False,
                before_result_id=result.pk,
                candidate_rule=candidate_rule_of(result),
            )
            stale = inputs.input_hash != result.input_hash
            if stale != result.is_stale:
                MatchResult.objects.filter(pk=result.pk).update(
                    is_stale=stale, stale_since=timezone.now() if stale else None
                )
            if stale:
                counts["stale"] += 1
                if result.invoice.state == InvoiceState.EXCEPTION:
                    counts["rematch"] += 1
                    enqueue_on_commit(rematch_invoice, result.invoice_id)
    return counts


def invoices_requeue_unmatched(*, older_than_minutes: float | None = None, limit: int = 1000) -> int:
    """Enqueue the match again for invoices left ``validated`` (a lost message, a dead worker, a
    failed in-process run). Safe: the task does nothing for an invoice that was matched meanwhile.
    ``older_than_minutes`` defaults to the ``INVOICE_REQUEUE_AFTER_MINUTES`` setting (10). Nothing
    while at least as many messages wait in the queue (core.queue.backlog_covers): the match
    messages of a backlog are queued behind it, not lost."""
    from core.queue import backlog_covers

    from ..tasks import match_invoice as match_task

    if older_than_minutes is None:
        older_than_minutes = getattr(settings, "INVOICE_REQUEUE_AFTER_MINUTES", 10)
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    ids = list(
        Invoice.objects.filter(state=InvoiceState.VALIDATED, validated_at__lt=cutoff)
        .order_by("validated_at")
        .values_list("pk", flat=True)[:limit]
    )
    if backlog_covers(len(ids)):
        return 0
    for pk in ids:
        enqueue(match_task, pk)
    return len(ids)


# -------------------------------------------------------------------------------------- credit notes


def credited_amount(invoice: Invoice) -> Decimal:
    """What the invoice's matched credit notes take off its net amount (a positive figure)."""
    total = (
        Invoice.objects.filter(corrects=invoice, state__in=CREDIT_COUNTS).aggregate(s=Sum("net_amount"))["s"]
        or 0
    )
    return abs(Decimal(total))


def credit_note_follow_up(*, original_id: int) -> str:
    """A credit note against ``original_id`` was matched. A fully credited original becomes
    ``credited``; an original still on the exception desk is matched again, now with the credit
    note's released quantities."""
    with transaction.atomic():
        original = lock_invoice(original_id)
        if original.state not in CHECKED_STATES:
            return original.state
        net = abs(original.net_amount or Decimal(0))
        if net and credited_amount(original) >= net:
            transition_locked(original, "credit", reason=text("match.fully_credited"))
            close_case(original, CaseResolution.CREDITED, actor=None, reason=text("match.fully_credited"))
            return original.state
        if original.state != InvoiceState.EXCEPTION:
            return original.state
        outcome = invoice_rematch(invoice_id=original.pk, reason=text("match.credit_note_matched"))
        original.refresh_from_db()
        if original.state == InvoiceState.EXCEPTION:
            case = open_case(original)
            if case is not None and case.state == CaseState.AWAITING_CREDIT_NOTE:
                transition_locked(
                    case,
                    "credit_note_received",
                    reason=text("match.credit_note_not_enough"),
                )
        log.info(
            "credit note follow-up of invoice %s: %s (changed=%s)",
            original.pk,
            original.state,
            outcome.changed,
        )
        return original.state
