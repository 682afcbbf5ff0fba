"""Settlement statements (对账单): the only code that writes statements and their lines.

Two kinds (``StatementKind``):
- invoice first: finance gathers the supplier's approved invoices of a period (issue date) into a
  statement, and the approved credit notes whose original is on it (a credit note reduces only
  what its original claimed, never more; it waits while its original is not payable, and once the
  original is paid it is a supplier balance, settled explicitly: see ``credit_notes``); each
  invoice moves approved → scheduled while it is in it.
- statement first: finance gathers goods-receipt lines of the period that are received but not
  yet invoiced (accepted minus returned minus what live invoices were matched against, at the PO
  line's price and tax rate, so a partly invoiced receipt line contributes its rest); when the
  supplier confirms, an invoice plan is issued (settlement.services.invoice_plans).

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
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext as _

from core import bounds
from core.errors import Conflict, DomainError, IllegalTransition, NotFound, PermissionDenied
from core.money import q2
from core.services import run_transition, transition_locked
from core.texts import register, text
from invoicing.models import Invoice, InvoiceState
from invoicing.tax_checks import tax_check_require_passed
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
from .conflicts import conflict_on_lock
from .invoice_plans import invoice_plan_issue

MAX_PERIOD_DAYS = 366
DEAD_INVOICE_STATES = [InvoiceState.REJECTED, InvoiceState.CANCELLED, InvoiceState.CREDITED]


# --- helpers shared with payments.py ----------------------------------------------------------


# What an invoice's log says when a statement takes it or lets it go (core.texts).
register(
    {
        "statement.scheduled": gettext_noop("In statement %(number)s."),
        "statement.unscheduled": gettext_noop("Removed from statement %(number)s."),
        "statement.cancelled": gettext_noop("Statement %(number)s cancelled: %(reason)s"),
    }
)


def require_finance(actor, what: str) -> None:
    if not (
        actor and actor.is_authenticated and actor.is_active and (actor.is_finance or actor.is_superuser)
    ):
        raise PermissionDenied(gettext("Only finance may %(what)s.") % {"what": what})


def require_reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            gettext("A reason is required to %(what)s.") % {"what": what}, code="reason_required"
        )
    return reason


def lock_statement(statement: Statement) -> Statement:
    locked = Statement.objects.select_for_update().filter(pk=statement.pk).first()
    if locked is None:
        raise NotFound(gettext("Statement %(pk)s not found.") % {"pk": statement.pk})
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
        raise DomainError(
            gettext("%(field)s must be an amount such as 1234.56.") % {"field": field}, code="invalid_amount"
        ) from None
    return bounds.amount(text, field=field, allow_negative=True)


def live_invoice_lines(statement: Statement):
    return statement.lines.filter(kind__in=INVOICE_KINDS, is_live=True)


# --- create and gather ------------------------------------------------------------------------


@conflict_on_lock()
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
    require_finance(actor, gettext("create statements"))
    if kind not in StatementKind.values:
        raise DomainError(
            gettext("Unknown statement kind %(kind)s.") % {"kind": repr(kind)}, code="invalid_statement_kind"
        )
    if not period_from or not period_to or period_from > period_to:
        raise DomainError(
            gettext("The period must run from a date to the same or a later date."), code="invalid_period"
        )
    if (period_to - period_from).days > MAX_PERIOD_DAYS:
        raise DomainError(gettext("A statement period is at most one year."), code="invalid_period")
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
                gettext(
                    "%(name)s has no %(what)s for %(name2)s in %(currency)s from %(period_from)s to %(period_to)s."
                )
                % {
                    "name": supplier.name,
                    "what": what,
                    "name2": legal_entity.name,
                    "currency": currency,
                    "period_from": period_from,
                    "period_to": period_to,
                },
                code="nothing_to_settle",
            )
        _recompute(statement)
        from .terms import statement_due_assign

        statement_due_assign(statement)
    return statement


@conflict_on_lock()
def statement_gather(*, statement: Statement, actor) -> int:
    """Gather again into a draft (e.g. after a dispute): adds what became eligible since.
    Returns the number of lines added."""
    require_finance(actor, gettext("change statements"))
    with transaction.atomic():
        statement = lock_statement(statement)
        require_state(
            statement, [StatementState.DRAFT], gettext("gather into the statement"), "statement_not_draft"
        )
        Supplier.objects.select_for_update().get(pk=statement.supplier_id)
        added = _gather(statement, actor)
        _recompute(statement)
    return added


def _gather(statement: Statement, actor) -> int:
    if statement.kind == StatementKind.INVOICE_FIRST:
        same = {"supplier_id": statement.supplier_id, "legal_entity_id": statement.legal_entity_id}
        invoices = (
            # of=self: the tax check's join is an outer one, which PostgreSQL cannot lock
            Invoice.objects.select_for_update(of=("self",))
            .filter(
                **same,
                state=InvoiceState.APPROVED,
                issue_date__gte=statement.period_from,
                issue_date__lte=statement.period_to,
            )
            .exclude(document_type="credit_note")
            .exclude(tax__verification="failed")  # held by its authenticity check (发票查验)
            .exclude(run_links__is_live=True)  # paid on its own by a live payment run
            .filter(Q(currency=statement.currency) | Q(currency=""))
            .order_by("id")
        )
        count = 0
        for invoice in invoices:
            if not receipts_billed_by_statement(invoice):
                _add_invoice(statement, invoice, actor)
                count += 1
        # a credit note goes only where its original is: it reduces what the original claims and
        # is never netted against other invoices (it waits while its original is not payable)
        on_statement = live_invoice_lines(statement).values("invoice_id")
        credit_notes = (
            Invoice.objects.select_for_update()
            .filter(**same, state=InvoiceState.APPROVED, document_type="credit_note")
            .filter(corrects_id__in=on_statement)
            .exclude(run_links__is_live=True)
            .order_by("id")
        )
        for credit_note in credit_notes:
            if credit_note_room(credit_note) is None:
                _add_invoice(statement, credit_note, actor)
                count += 1
        return count
    lines = eligible_receipt_lines(statement)
    _create_lines([_receipt_line(statement, rl, actor, quantity=rl.not_invoiced) for rl in lines])
    return len(lines)


def eligible_receipt_lines(statement: Statement) -> list[GoodsReceiptLine]:
    """Receipt (and return) lines of the period for the statement's supplier, legal entity and
    currency that are in no live statement, with what is not yet invoiced on them
    (``not_invoiced``: accepted minus returned minus what live invoices were matched against; a
    receipt line partly invoiced through three-way matching contributes the rest)."""
    in_statement = StatementLine.objects.filter(receipt_line=OuterRef("pk"), is_live=True)
    invoiced = _invoiced_on_receipt_lines()
    qs = (
        GoodsReceiptLine.objects.filter(
            receipt__po__supplier_id=statement.supplier_id,
            receipt__po__legal_entity_id=statement.legal_entity_id,
            receipt__po__currency=statement.currency,
            receipt__receipt_date__gte=statement.period_from,
            receipt__receipt_date__lte=statement.period_to,
        )
        .filter(~Exists(in_statement))
        .select_related("receipt", "receipt__po", "po_line", "po_line__item")
        .order_by("receipt__receipt_date", "receipt_id", "po_line__line_no", "id")
    )
    rows = list(qs)
    taken = invoiced([rl.pk for rl in rows])
    out = []
    for rl in rows:
        already = taken.get(rl.pk, Decimal("0"))
        rl.not_invoiced = rl.net_received - already
        if rl.not_invoiced != 0 and (not already or rl.not_invoiced > 0):
            out.append(rl)
    return out


def _invoiced_on_receipt_lines():
    def invoiced(ids: list[int]) -> dict[int, Decimal]:
        rows = (
            MatchAllocation.objects.filter(receipt_line_id__in=ids)
            .exclude(invoice__state__in=DEAD_INVOICE_STATES)
            .values("receipt_line_id")
            .annotate(q=Sum("quantity"))
        )
        return {row["receipt_line_id"]: max(row["q"] or Decimal("0"), Decimal("0")) for row in rows}

    return invoiced


def receipts_billed_by_statement(invoice: Invoice) -> str:
    """The number of a live statement-first statement that already bills receipt lines this
    invoice was matched against ('' if none): paying both would pay the goods twice. A statement
    that bills only the part of a receipt line no invoice was matched against is no conflict."""
    lines = list(
        StatementLine.objects.filter(
            is_live=True,
            kind=StatementLineKind.RECEIPT,
            receipt_line__match_allocations__invoice=invoice,
            receipt_line__match_allocations__quantity__gt=0,
        )
        .select_related("statement", "receipt_line")
        .distinct()
    )
    if not lines:
        return ""
    invoiced = _invoiced_on_receipt_lines()([line.receipt_line_id for line in lines])
    for line in lines:
        billed = line.quantity if line.quantity is not None else line.receipt_line.net_received
        if billed + invoiced.get(line.receipt_line_id, Decimal("0")) > line.receipt_line.net_received:
            return line.statement.number
    return ""


def _receipt_line(statement: Statement, rl: GoodsReceiptLine, actor, *, quantity=None) -> StatementLine:
    po_line = rl.po_line
    qty = rl.net_received if quantity is None else quantity
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


def credit_note_room(credit_note: Invoice) -> str | None:
    """Why this credit note cannot reduce its original now (a code), or None when it can: its
    original must exist, and the credit notes set against it may not take more than it claimed."""
    original = credit_note.corrects
    if original is None:
        return "credit_note_without_original"
    claimed = abs(original.net_amount or Decimal("0"))
    taken = (
        StatementLine.objects.filter(
            invoice__corrects=original, kind=StatementLineKind.CREDIT_NOTE, is_live=True
        )
        .exclude(invoice=credit_note)
        .aggregate(s=Sum("net"))["s"]
        or 0
    )
    if abs(Decimal(taken)) + abs(credit_note.net_amount or Decimal("0")) > claimed:
        return "credit_exceeds_original"
    return None


def _create_lines(lines: list[StatementLine]) -> None:
    try:
        with transaction.atomic():
            StatementLine.objects.bulk_create(lines)
    except IntegrityError:
        raise Conflict(
            gettext("Another statement took some of these lines at the same moment; try again."),
            code="already_in_open_statement",
        ) from None


def _invoice_amounts(invoice: Invoice) -> tuple[Decimal, Decimal]:
    net, tax = abs(invoice.net_amount or Decimal("0")), abs(invoice.tax_amount or Decimal("0"))
    return (-net, -tax) if invoice.is_credit_note else (net, tax)


def _add_invoice(statement: Statement, invoice: Invoice, actor) -> StatementLine:
    """``invoice`` is locked by the caller and approved."""
    tax_check_require_passed(invoice)
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
    transition_locked(
        invoice, "schedule", actor=actor, reason=text("statement.scheduled", number=statement.number)
    )
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


@conflict_on_lock()
def statement_invoice_add(*, statement: Statement, invoice: Invoice, actor) -> StatementLine:
    """Add one approved invoice or credit note of the statement's supplier (invoice-first, draft)."""
    require_finance(actor, gettext("change statements"))
    with transaction.atomic():
        statement = lock_statement(statement)
        require_state(statement, [StatementState.DRAFT], gettext("add an invoice"), "statement_not_draft")
        if statement.kind != StatementKind.INVOICE_FIRST:
            raise DomainError(
                gettext("Invoices reach a statement-first statement through its invoice plan, not by hand."),
                code="statement_first_takes_plan_invoices",
            )
        invoice = Invoice.objects.select_for_update().filter(pk=invoice.pk).first()
        if invoice is None or invoice.supplier_id != statement.supplier_id:
            raise NotFound(gettext("Invoice not found for this statement's supplier."))
        taken = (
            StatementLine.objects.filter(invoice=invoice, is_live=True).select_related("statement").first()
        )
        if taken is not None:
            raise Conflict(
                gettext("Invoice %(invoice)s is already in statement %(number)s.")
                % {"invoice": invoice, "number": taken.statement.number},
                code="already_in_open_statement",
                details={"statement": taken.statement.number},
            )
        in_run = invoice.run_links.filter(is_live=True).select_related("line__run").first()
        if in_run is not None:
            raise Conflict(
                gettext("Invoice %(invoice)s is in payment run %(run)s; it is paid with the run.")
                % {"invoice": invoice, "run": in_run.line.run.number},
                code="invoice_in_payment_run",
                details={"run": in_run.line.run.number},
            )
        if invoice.state != InvoiceState.APPROVED:
            raise DomainError(
                gettext("Only approved invoices can be settled; invoice %(invoice)s is %(state)s.")
                % {"invoice": invoice, "state": invoice.get_state_display()},
                code="invoice_not_approved",
                details={"state": invoice.state},
            )
        if invoice.legal_entity_id != statement.legal_entity_id:
            raise DomainError(
                gettext("Invoice %(invoice)s is addressed to another legal entity.") % {"invoice": invoice},
                code="invoice_other_legal_entity",
            )
        if invoice.currency and invoice.currency != statement.currency:
            raise DomainError(
                gettext("Invoice %(invoice)s is in %(currency)s, the statement in %(currency2)s.")
                % {"invoice": invoice, "currency": invoice.currency, "currency2": statement.currency},
                code="currency_mismatch",
            )
        if invoice.is_credit_note:
            _require_credit_note_settleable(statement, invoice)
        billed_by = receipts_billed_by_statement(invoice)
        if billed_by:
            raise Conflict(
                gettext(
                    "Invoice %(invoice)s was matched against goods that statement %(billed_by)s already bills."
                )
                % {"invoice": invoice, "billed_by": billed_by},
                code="receipts_in_statement",
                details={"statement": billed_by},
            )
        line = _add_invoice(statement, invoice, actor)
        _recompute(statement)
    return line


def _require_credit_note_settleable(statement: Statement, credit_note: Invoice) -> None:
    """A credit note goes on a statement with its original, or, once its original is paid, as an
    explicit set-off of the supplier's balance; never while its original is not payable."""
    original = credit_note.corrects
    if original is None:
        raise DomainError(
            gettext(
                "Credit note %(credit_note)s does not name the invoice it corrects; it cannot be settled."
            )
            % {"credit_note": credit_note},
            code="credit_note_without_original",
        )
    with_original = live_invoice_lines(statement).filter(invoice=original).exists()
    if not with_original and original.state != InvoiceState.PAID:
        raise DomainError(
            gettext(
                "Credit note %(credit_note)s corrects invoice %(original)s, which is %(state)s and not on this statement: the credit note waits for it."
            )
            % {"credit_note": credit_note, "original": original, "state": original.get_state_display()},
            code="credit_note_original_not_payable",
            details={"original": original.pk, "state": original.state},
        )
    why = credit_note_room(credit_note)
    if why:
        raise DomainError(
            gettext("Credit note %(credit_note)s would take more off invoice %(original)s than it claimed.")
            % {"credit_note": credit_note, "original": original},
            code=why,
        )


@conflict_on_lock()
def statement_deduction_add(*, statement: Statement, amount, reason: str, actor) -> StatementLine:
    """A finance deduction (e.g. a late-delivery penalty): reduces the amount to pay."""
    require_finance(actor, gettext("add deductions"))
    reason = require_reason(reason, gettext("add a deduction"))
    value = to_amount(amount)
    if value <= 0:
        raise DomainError(gettext("A deduction is a positive amount to take off."), code="invalid_amount")
    with transaction.atomic():
        statement = lock_statement(statement)
        require_state(statement, [StatementState.DRAFT], gettext("add a deduction"), "statement_not_draft")
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


@conflict_on_lock()
def statement_line_remove(*, statement: Statement, line_id: int, actor) -> None:
    """Take a line out of a draft: an invoice goes back to approved, a receipt line is free again."""
    require_finance(actor, gettext("change statements"))
    with transaction.atomic():
        statement = lock_statement(statement)
        line = statement.lines.filter(pk=line_id).first()
        if line is None:
            raise NotFound(
                gettext("Line %(line_id)s is not on statement %(number)s.")
                % {"line_id": line_id, "number": statement.number}
            )
        require_state(statement, [StatementState.DRAFT], gettext("remove a line"), "statement_not_draft")
        lines = [line]
        if line.invoice_id:
            # its credit notes wait with it: they leave the statement together
            lines += list(
                live_invoice_lines(statement).filter(
                    invoice__corrects_id=line.invoice_id, kind=StatementLineKind.CREDIT_NOTE
                )
            )
        for each in lines:
            if each.invoice_id:
                invoice = Invoice.objects.select_for_update().get(pk=each.invoice_id)
                transition_locked(
                    invoice,
                    "unschedule",
                    actor=actor,
                    reason=text("statement.unscheduled", number=statement.number),
                )
            each.delete()
        _recompute(statement)


# --- state changes --------------------------------------------------------------------------


@conflict_on_lock()
def statement_send(*, statement: Statement, actor, reason: str = "") -> Statement:
    """Draft → sent: the supplier sees it and confirms or disputes."""
    require_finance(actor, gettext("send statements"))
    with transaction.atomic():
        statement = lock_statement(statement)
        require_state(statement, [StatementState.DRAFT], gettext("send the statement"))
        if not statement.lines.filter(is_live=True).exists():
            raise DomainError(gettext("An empty statement cannot be sent."), code="statement_empty")
        if statement.gross_total <= 0:
            raise DomainError(
                gettext("The statement total is %(gross_total)s; only a positive amount can be settled.")
                % {"gross_total": statement.gross_total},
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
                    gettext("Returns exceed receipts at one tax rate; the supplier could not invoice that."),
                    code="negative_rate_amount",
                )
        statement = run_transition(statement, "send", actor=actor, reason=reason)
        if statement.sent_at is None:
            statement.sent_at = timezone.now()
            statement.save(update_fields=["sent_at"])
    return statement


def _require_own_supplier(statement: Statement, actor, what: str) -> None:
    if not (actor and actor.is_authenticated and actor.is_supplier_user):
        raise PermissionDenied(gettext("Only the supplier's users may %(what)s.") % {"what": what})
    if supplier_id_for(actor) != statement.supplier_id:
        raise NotFound(gettext("Statement %(pk)s not found.") % {"pk": statement.pk})


@conflict_on_lock()
def statement_confirm(*, statement: Statement, actor, reason: str = "") -> Statement:
    """The supplier agrees. Statement-first: the invoice plan is issued in the same step."""
    _require_own_supplier(statement, actor, gettext("confirm statements"))
    with transaction.atomic():
        statement = lock_statement(statement)
        statement = run_transition(statement, "confirm", actor=actor, reason=reason)
        if statement.kind == StatementKind.STATEMENT_FIRST:
            invoice_plan_issue(statement)
    return statement


@conflict_on_lock()
def statement_dispute(*, statement: Statement, actor, reason: str) -> Statement:
    _require_own_supplier(statement, actor, gettext("dispute statements"))
    reason = require_reason(reason, gettext("dispute a statement"))
    with transaction.atomic():
        statement = lock_statement(statement)
        statement = run_transition(statement, "dispute", actor=actor, reason=reason)
        statement.dispute_reason = reason
        statement.save(update_fields=["dispute_reason"])
    return statement


@conflict_on_lock()
def statement_revise(*, statement: Statement, actor, reason: str = "") -> Statement:
    """Disputed → draft: finance corrects it and sends it again."""
    require_finance(actor, gettext("revise statements"))
    return run_transition(statement, "revise", actor=actor, reason=reason)


@conflict_on_lock()
def statement_approve(*, statement: Statement, actor, reason: str = "") -> Statement:
    """Confirmed (invoice first) or invoiced (statement first) → approved for payment."""
    require_finance(actor, gettext("approve statements"))
    with transaction.atomic():
        statement = lock_statement(statement)
        if statement.created_by_id == actor.pk:  # four eyes: who prepared it does not release it
            raise PermissionDenied(
                _("You prepared statement %(number)s; another finance user must approve it for payment.")
                % {"number": statement.number},
                code="own_statement_approval",
            )
        if statement.state == StatementState.CONFIRMED and statement.kind == StatementKind.STATEMENT_FIRST:
            raise IllegalTransition(
                gettext(
                    "Statement %(number)s waits for invoices: its invoice plan is not fully invoiced yet."
                )
                % {"number": statement.number},
                code="invoice_plan_open",
            )
        return run_transition(statement, "approve", actor=actor, reason=reason)


@conflict_on_lock()
def statement_cancel(*, statement: Statement, actor, reason: str) -> Statement:
    """Withdraw a statement not yet confirmed: its invoices go back to approved, its receipt
    lines are free for another statement. The lines stay on it for the record."""
    require_finance(actor, gettext("cancel statements"))
    reason = require_reason(reason, gettext("cancel a statement"))
    with transaction.atomic():
        statement = lock_statement(statement)
        statement = run_transition(statement, "cancel", actor=actor, reason=reason)
        ids = list(live_invoice_lines(statement).values_list("invoice_id", flat=True))
        for invoice in Invoice.objects.select_for_update().filter(pk__in=ids).order_by("id"):
            transition_locked(
                invoice,
                "unschedule",
                actor=actor,
                reason=text("statement.cancelled", number=statement.number, reason=reason),
            )
        statement.lines.update(is_live=False)
    return statement
