"""Settlement statements (对账单): the only code that writes statements and their lines.

Two kinds (``StatementKind``):
- invoice first: finance gathers the supplier's approved invoices and credit notes of a period
  (issue date) into a statement; each invoice moves approved → scheduled while it is in it.
- statement first: finance gathers goods-receipt lines of the period that are received but not
  yet invoiced (accepted minus returned, at the PO line's price and tax rate); when the supplier
  confirms, an invoice plan is issued (settlement.services.invoice_plans).

Both take finance deductions (reason, amount). State machine on ``Statement``; every service
locks the statement row first, then the rows it changes (invoices in id order), so two finance
users can never put one invoice or one receipt line into two open statements (the partial unique
indexes on ``StatementLine`` are the last line of defence and turn into a 409).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone

from core import bounds
from core.errors import Conflict, DomainError, IllegalTransition, NotFound, PermissionDenied
from core.money import q2
from core.services import run_transition, transition_locked
from invoicing.models import Invoice, InvoiceState
from procurement.models import GoodsReceiptLine, LegalEntity
from procurement.services import next_number
from suppliers.models import Supplier
from suppliers.selectors import supplier_id_for

from ..models import (
    INVOICE_KINDS,
    TOTAL_KINDS,
    MatchAllocation,
    Statement,
    StatementKind,
    StatementLine,
    StatementLineKind,
    StatementState,
)
from .invoice_plans import invoice_plan_issue

MAX_PERIOD_DAYS = 366
DEAD_INVOICE_STATES = [InvoiceState.REJECTED, InvoiceState.CANCELLED, InvoiceState.CREDITED]


# --- helpers shared with payments.py ----------------------------------------------------------


def require_finance(actor, what: str) -> None:
    if not (
        actor and actor.is_authenticated and actor.is_active and (actor.is_finance or actor.is_superuser)
    ):
        raise PermissionDenied(f"Only finance may {what}.")


def require_reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(f"A reason is required to {what}.", code="reason_required")
    return reason


def lock_statement(statement: Statement) -> Statement:
    locked = Statement.objects.select_for_update().filter(pk=statement.pk).first()
    if locked is None:
        raise NotFound(f"Statement {statement.pk} not found.")
    return locked


def require_state(statement: Statement, states, what: str, code: str = "illegal_transition") -> None:
    if statement.state not in states:
        raise IllegalTransition(
            f"Cannot {what}: statement {statement.number} is {statement.get_state_display()}.",
            code=code,
            details={"state": statement.state},
        )


def to_amount(value, field: str = "amount") -> Decimal:
    """An amount typed by finance: a number (``invalid_amount``), at most 2 decimals and 10^12
    either sign (``core.bounds``, 422); the sign rules are the caller's."""
    text = value if isinstance(value, Decimal | int) else str(value).strip()
    try:
        q2(text)
    except (InvalidOperation, TypeError, ValueError):
        if bounds.parse_number(text) is not None:  # 1e30, 25 digits: say it is too large
            bounds.amount(text, field=field, allow_negative=True)
        raise DomainError(f"{field} must be an amount such as 1234.56.", code="invalid_amount") from None
    return bounds.amount(text, field=field, allow_negative=True)


def live_invoice_lines(statement: Statement):
    return statement.lines.filter(kind__in=INVOICE_KINDS, is_live=True)


# --- create and gather ------------------------------------------------------------------------


def statement_create(
    *,
    kind: str,
    supplier: Supplier,
    legal_entity: LegalEntity,
    period_from: date,
    period_to: date,
    actor,
    currency: str | None = None,
) -> Statement:
    """A new draft statement with everything of the period gathered into it.

    Refuses (nothing stored) when there is nothing to settle in the period."""
    require_finance(actor, "create statements")
    if kind not in StatementKind.values:
        raise DomainError(f"Unknown statement kind {kind!r}.", code="invalid_statement_kind")
    if not period_from or not period_to or period_from > period_to:
        raise DomainError(
            "The period must run from a date to the same or a later date.", code="invalid_period"
        )
    if (period_to - period_from).days > MAX_PERIOD_DAYS:
        raise DomainError("A statement period is at most one year.", code="invalid_period")
    bounds.date_sane(period_from, field="period_from")
    bounds.date_sane(period_to, field="period_to")
    currency = bounds.currency(currency or legal_entity.default_currency or "CNY")
    with transaction.atomic():
        # One finance user at a time gathers for a supplier: the second sees the first's lines.
        Supplier.objects.select_for_update().get(pk=supplier.pk)
        statement = Statement.objects.create(
            number=next_number("ST"),
            kind=kind,
            supplier=supplier,
            legal_entity=legal_entity,
            currency=currency,
            period_from=period_from,
            period_to=period_to,
            created_by=actor,
        )
        added = _gather(statement, actor)
        if not added:
            what = (
                "approved invoices or credit notes"
                if kind == StatementKind.INVOICE_FIRST
                else ("received goods not yet invoiced or settled")
            )
            raise DomainError(
                f"{supplier.name} has no {what} for {legal_entity.name} in {currency} "
                f"from {period_from} to {period_to}.",
                code="nothing_to_settle",
            )
        _recompute(statement)
    return statement


def statement_gather(*, statement: Statement, actor) -> int:
    """Gather again into a draft (e.g. after a dispute): adds what became eligible since.
    Returns the number of lines added."""
    require_finance(actor, "change statements")
    with transaction.atomic():
        statement = lock_statement(statement)
        require_state(statement, [StatementState.DRAFT], "gather into the statement", "statement_not_draft")
        Supplier.objects.select_for_update().get(pk=statement.supplier_id)
        added = _gather(statement, actor)
        _recompute(statement)
    return added


def _gather(statement: Statement, actor) -> int:
    if statement.kind == StatementKind.INVOICE_FIRST:
        invoices = (
            Invoice.objects.select_for_update()
            .filter(
                supplier_id=statement.supplier_id,
                legal_entity_id=statement.legal_entity_id,
                state=InvoiceState.APPROVED,
                issue_date__gte=statement.period_from,
                issue_date__lte=statement.period_to,
            )
            .filter(Q(currency=statement.currency) | Q(currency=""))
            .order_by("id")
        )
        count = 0
        for invoice in invoices:
            if not receipts_billed_by_statement(invoice):
                _add_invoice(statement, invoice, actor)
                count += 1
        return count
    lines = eligible_receipt_lines(statement)
    _create_lines([_receipt_line(statement, rl, actor) for rl in lines])
    return len(lines)


def eligible_receipt_lines(statement: Statement) -> list[GoodsReceiptLine]:
    """Receipt (and return) lines of the period for the statement's supplier, legal entity and
    currency that are in no live statement and against which no live invoice has been matched
    (a receipt line partly invoiced through three-way matching is left to invoice-first
    settlement)."""
    in_statement = StatementLine.objects.filter(receipt_line=OuterRef("pk"), is_live=True)
    invoiced = MatchAllocation.objects.filter(receipt_line=OuterRef("pk"), quantity__gt=0).exclude(
        invoice__state__in=DEAD_INVOICE_STATES
    )
    qs = (
        GoodsReceiptLine.objects.filter(
            receipt__po__supplier_id=statement.supplier_id,
            receipt__po__legal_entity_id=statement.legal_entity_id,
            receipt__po__currency=statement.currency,
            receipt__receipt_date__gte=statement.period_from,
            receipt__receipt_date__lte=statement.period_to,
        )
        .filter(~Exists(in_statement), ~Exists(invoiced))
        .select_related("receipt", "receipt__po", "po_line", "po_line__item")
        .order_by("receipt__receipt_date", "receipt_id", "po_line__line_no", "id")
    )
    return [rl for rl in qs if rl.net_received != 0]


def receipts_billed_by_statement(invoice: Invoice) -> str:
    """The number of a live statement-first statement that already bills receipt lines this
    invoice was matched against ('' if none): paying both would pay the goods twice."""
    line = (
        StatementLine.objects.filter(
            is_live=True,
            kind=StatementLineKind.RECEIPT,
            receipt_line__match_allocations__invoice=invoice,
            receipt_line__match_allocations__quantity__gt=0,
        )
        .select_related("statement")
        .first()
    )
    return line.statement.number if line else ""


def _receipt_line(statement: Statement, rl: GoodsReceiptLine, actor) -> StatementLine:
    po_line = rl.po_line
    qty = rl.net_received
    net = q2(qty * po_line.unit_price)
    tax = q2(net * po_line.tax_rate) if po_line.tax_rate is not None else Decimal("0.00")
    return StatementLine(
        statement=statement,
        kind=StatementLineKind.RECEIPT,
        receipt_line=rl,
        reference=f"{rl.receipt.number} / {rl.receipt.po.number}-{po_line.line_no}",
        description=(po_line.description or po_line.item.name)[:300],
        date=rl.receipt.receipt_date,
        quantity=qty,
        unit_price=po_line.unit_price,
        tax_rate=po_line.tax_rate,
        net=net,
        tax=tax,
        gross=net + tax,
        created_by=actor,
    )


def _create_lines(lines: list[StatementLine]) -> None:
    try:
        with transaction.atomic():
            StatementLine.objects.bulk_create(lines)
    except IntegrityError:
        raise Conflict(
            "Another statement took some of these lines at the same moment; try again.",
            code="already_in_open_statement",
        ) from None


def _invoice_amounts(invoice: Invoice) -> tuple[Decimal, Decimal]:
    net, tax = abs(invoice.net_amount or Decimal("0")), abs(invoice.tax_amount or Decimal("0"))
    return (-net, -tax) if invoice.is_credit_note else (net, tax)


def _add_invoice(statement: Statement, invoice: Invoice, actor) -> StatementLine:
    """``invoice`` is locked by the caller and approved."""
    net, tax = _invoice_amounts(invoice)
    rates = set(invoice.lines.values_list("tax_rate", flat=True))
    line = StatementLine(
        statement=statement,
        kind=StatementLineKind.CREDIT_NOTE if invoice.is_credit_note else StatementLineKind.INVOICE,
        invoice=invoice,
        reference=invoice.invoice_number or f"#{invoice.pk}",
        description=(
            f"corrects {invoice.corrects_number}"
            if invoice.is_credit_note and invoice.corrects_number
            else ""
        ),
        date=invoice.issue_date,
        tax_rate=next(iter(rates)) if len(rates) == 1 else None,
        net=net,
        tax=tax,
        gross=net + tax,
        created_by=actor,
    )
    _create_lines([line])
    transition_locked(invoice, "schedule", actor=actor, reason=f"In statement {statement.number}.")
    return line


def _recompute(statement: Statement) -> None:
    totals = statement.lines.filter(kind__in=TOTAL_KINDS, is_live=True).aggregate(
        net=Sum("net"), tax=Sum("tax")
    )
    statement.net_total = q2(totals["net"] or 0)
    statement.tax_total = q2(totals["tax"] or 0)
    statement.gross_total = statement.net_total + statement.tax_total
    statement.save(update_fields=["net_total", "tax_total", "gross_total"])


# --- edit a draft -------------------------------------------------------------------------------


def statement_invoice_add(*, statement: Statement, invoice: Invoice, actor) -> StatementLine:
    """Add one approved invoice or credit note of the statement's supplier (invoice-first, draft)."""
    require_finance(actor, "change statements")
    with transaction.atomic():
        statement = lock_statement(statement)
        require_state(statement, [StatementState.DRAFT], "add an invoice", "statement_not_draft")
        if statement.kind != StatementKind.INVOICE_FIRST:
            raise DomainError(
                "Invoices reach a statement-first statement through its invoice plan, not by hand.",
                code="statement_first_takes_plan_invoices",
            )
        invoice = Invoice.objects.select_for_update().filter(pk=invoice.pk).first()
        if invoice is None or invoice.supplier_id != statement.supplier_id:
            raise NotFound("Invoice not found for this statement's supplier.")
        taken = (
            StatementLine.objects.filter(invoice=invoice, is_live=True).select_related("statement").first()
        )
        if taken is not None:
            raise Conflict(
                f"Invoice {invoice} is already in statement {taken.statement.number}.",
                code="already_in_open_statement",
                details={"statement": taken.statement.number},
            )
        if invoice.state != InvoiceState.APPROVED:
            raise DomainError(
                f"Only approved invoices can be settled; invoice {invoice} is {invoice.get_state_display()}.",
                code="invoice_not_approved",
                details={"state": invoice.state},
            )
        if invoice.legal_entity_id != statement.legal_entity_id:
            raise DomainError(
                f"Invoice {invoice} is addressed to another legal entity.", code="invoice_other_legal_entity"
            )
        if invoice.currency and invoice.currency != statement.currency:
            raise DomainError(
                f"Invoice {invoice} is in {invoice.currency}, the statement in {statement.currency}.",
                code="currency_mismatch",
            )
        billed_by = receipts_billed_by_statement(invoice)
        if billed_by:
            raise Conflict(
                f"Invoice {invoice} was matched against goods that statement {billed_by} already bills.",
                code="receipts_in_statement",
                details={"statement": billed_by},
            )
        line = _add_invoice(statement, invoice, actor)
        _recompute(statement)
    return line


def statement_deduction_add(*, statement: Statement, amount, reason: str, actor) -> StatementLine:
    """A finance deduction (e.g. a late-delivery penalty): reduces the amount to pay."""
    require_finance(actor, "add deductions")
    reason = require_reason(reason, "add a deduction")
    value = to_amount(amount)
    if value <= 0:
        raise DomainError("A deduction is a positive amount to take off.", code="invalid_amount")
    with transaction.atomic():
        statement = lock_statement(statement)
        require_state(statement, [StatementState.DRAFT], "add a deduction", "statement_not_draft")
        line = StatementLine.objects.create(
            statement=statement,
            kind=StatementLineKind.DEDUCTION,
            description=reason[:300],
            reason=reason,
            date=timezone.localdate(),
            net=-value,
            tax=Decimal("0.00"),
            gross=-value,
            created_by=actor,
        )
        _recompute(statement)
    return line


def statement_line_remove(*, statement: Statement, line_id: int, actor) -> None:
    """Take a line out of a draft: an invoice goes back to approved, a receipt line is free again."""
    require_finance(actor, "change statements")
    with transaction.atomic():
        statement = lock_statement(statement)
        line = statement.lines.filter(pk=line_id).first()
        if line is None:
            raise NotFound(f"Line {line_id} is not on statement {statement.number}.")
        require_state(statement, [StatementState.DRAFT], "remove a line", "statement_not_draft")
        if line.invoice_id:
            invoice = Invoice.objects.select_for_update().get(pk=line.invoice_id)
            transition_locked(
                invoice, "unschedule", actor=actor, reason=f"Removed from statement {statement.number}."
            )
        line.delete()
        _recompute(statement)


# --- state changes --------------------------------------------------------------------------


def statement_send(*, statement: Statement, actor, reason: str = "") -> Statement:
    """Draft → sent: the supplier sees it and confirms or disputes."""
    require_finance(actor, "send statements")
    with transaction.atomic():
        statement = lock_statement(statement)
        require_state(statement, [StatementState.DRAFT], "send the statement")
        if not statement.lines.filter(is_live=True).exists():
            raise DomainError("An empty statement cannot be sent.", code="statement_empty")
        if statement.gross_total <= 0:
            raise DomainError(
                f"The statement total is {statement.gross_total}; only a positive amount can be settled.",
                code="statement_total_not_positive",
            )
        if statement.kind == StatementKind.STATEMENT_FIRST:
            negative = (
                statement.lines.filter(kind=StatementLineKind.RECEIPT, is_live=True)
                .values("tax_rate")
                .annotate(net=Sum("net"))
                .filter(net__lt=0)
            )
            if negative.exists():
                raise DomainError(
                    "Returns exceed receipts at one tax rate; the supplier could not invoice that.",
                    code="negative_rate_amount",
                )
        statement = run_transition(statement, "send", actor=actor, reason=reason)
        if statement.sent_at is None:
            statement.sent_at = timezone.now()
            statement.save(update_fields=["sent_at"])
    return statement


def _require_own_supplier(statement: Statement, actor, what: str) -> None:
    if not (actor and actor.is_authenticated and actor.is_supplier_user):
        raise PermissionDenied(f"Only the supplier's users may {what}.")
    if supplier_id_for(actor) != statement.supplier_id:
        raise NotFound(f"Statement {statement.pk} not found.")


def statement_confirm(*, statement: Statement, actor, reason: str = "") -> Statement:
    """The supplier agrees. Statement-first: the invoice plan is issued in the same step."""
    _require_own_supplier(statement, actor, "confirm statements")
    with transaction.atomic():
        statement = lock_statement(statement)
        statement = run_transition(statement, "confirm", actor=actor, reason=reason)
        if statement.kind == StatementKind.STATEMENT_FIRST:
            invoice_plan_issue(statement)
    return statement


def statement_dispute(*, statement: Statement, actor, reason: str) -> Statement:
    _require_own_supplier(statement, actor, "dispute statements")
    reason = require_reason(reason, "dispute a statement")
    with transaction.atomic():
        statement = lock_statement(statement)
        statement = run_transition(statement, "dispute", actor=actor, reason=reason)
        statement.dispute_reason = reason
        statement.save(update_fields=["dispute_reason"])
    return statement


def statement_revise(*, statement: Statement, actor, reason: str = "") -> Statement:
    """Disputed → draft: finance corrects it and sends it again."""
    require_finance(actor, "revise statements")
    return run_transition(statement, "revise", actor=actor, reason=reason)


def statement_approve(*, statement: Statement, actor, reason: str = "") -> Statement:
    """Confirmed (invoice first) or invoiced (statement first) → approved for payment."""
    require_finance(actor, "approve statements")
    with transaction.atomic():
        statement = lock_statement(statement)
        if statement.state == StatementState.CONFIRMED and statement.kind == StatementKind.STATEMENT_FIRST:
            raise IllegalTransition(
                f"Statement {statement.number} waits for invoices: its invoice plan is not fully invoiced yet.",
                code="invoice_plan_open",
            )
        return run_transition(statement, "approve", actor=actor, reason=reason)


def statement_cancel(*, statement: Statement, actor, reason: str) -> Statement:
    """Withdraw a statement not yet confirmed: its invoices go back to approved, its receipt
    lines are free for another statement. The lines stay on it for the record."""
    require_finance(actor, "cancel statements")
    reason = require_reason(reason, "cancel a statement")
    with transaction.atomic():
        statement = lock_statement(statement)
        statement = run_transition(statement, "cancel", actor=actor, reason=reason)
        ids = list(live_invoice_lines(statement).values_list("invoice_id", flat=True))
        for invoice in Invoice.objects.select_for_update().filter(pk__in=ids).order_by("id"):
            transition_locked(
                invoice, "unschedule", actor=actor, reason=f"Statement {statement.number} cancelled: {reason}"
            )
        statement.lines.update(is_live=False)
    return statement
