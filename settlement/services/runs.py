"""Payment runs (付款批次): the only code that writes them. See settlement.models.runs.

* ``payment_run_propose`` — everything approved and due up to a date for one legal entity and
  currency, to the supplier's approved bank account: one line per statement, and one line per
  supplier of its "loose" approved invoices (on no statement), with the approved credit notes
  whose original is on that line or already paid netted against them (``credit_note_room``, the
  statements' rule). Left out (and listed on the run with the reason): on hold, holding an invoice
  on hold, already in a live run, of a supplier without an approved account, credit notes that
  take the line to nothing. When the run's payment date is within a line's early-payment discount
  window (the terms of its invoices or statement), the line pays its open amount less the discount.
* ``payment_run_line_amount`` / ``payment_run_line_remove`` / ``payment_run_line_discount`` —
  review while proposed (a lower amount is a partial payment of a statement; the discount taken or
  not, in the run's history).
* ``payment_run_approve`` — never by the proposer; above ``PAYMENT_RUN_SECOND_APPROVAL_ABOVE``
  two different finance users.
* ``payment_run_export_xml`` / ``payment_run_export_csv`` — the bank files of an approved run.
* ``payment_run_confirm_paid`` — the bank confirmed: each line becomes a ``Payment`` of its
  statement (settlement.services.payments.payment_settle: paid in full once, by the database).
"""

from __future__ import annotations

import csv
import io
from collections import OrderedDict
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from core import bounds
from core.errors import Conflict, DomainError, IllegalTransition, NotFound, PermissionDenied
from core.listing import csv_cell
from core.services import document_event_log, run_transition
from core.texts import money, register, text
from invoicing.models import Invoice, InvoiceState
from procurement.models import LegalEntity
from procurement.services import next_number
from suppliers.models import BankAccount, BankAccountState, PaymentTerm
from suppliers.payment_terms import discount_amount, due
from suppliers.selectors import approved_bank_account_for_payment

from .. import pain001
from ..models import (
    HouseBankAccount,
    InvoiceDue,
    PaymentRun,
    PaymentRunApproval,
    PaymentRunInvoice,
    PaymentRunLine,
    PaymentRunState,
    Statement,
    StatementLine,
    StatementState,
)
from .conflicts import conflict_on_lock
from .payments import payment_settle, payment_settle_invoices, require_payable, transfer_facts
from .statements import credit_note_room, lock_statement, require_finance, require_reason, to_amount
from .terms import _terms

MAX_RUN_LINES = 2000
MAX_LOOSE_INVOICES = 5000

register(
    {
        "run.discount_take": gettext_noop(
            "Early-payment discount of %(discount)s taken on %(reference)s (%(terms)s, until %(until)s)%(why)s"
        ),
        "run.discount_forgo": gettext_noop(
            "Early-payment discount of %(discount)s not taken on %(reference)s (%(terms)s)%(why)s"
        ),
        "run.why": gettext_noop(": %(reason)s"),
        "run.end": gettext_noop("."),
    }
)


def second_approval_above() -> Decimal:
    return Decimal(str(settings.PAYMENT_RUN_SECOND_APPROVAL_ABOVE))


def _lock(run: PaymentRun) -> PaymentRun:
    locked = PaymentRun.objects.select_for_update().filter(pk=run.pk).first()
    if locked is None:
        raise NotFound(gettext("Payment run %(pk)s not found.") % {"pk": run.pk})
    return locked


def _require_editable(run: PaymentRun) -> None:
    if not run.is_editable:
        raise IllegalTransition(
            gettext("Payment run %(number)s is %(state)s; only a proposed run can be changed.")
            % {"number": run.number, "state": run.get_state_display()},
            code="payment_run_not_editable",
            details={"state": run.state},
        )


def _retotal(run: PaymentRun) -> None:
    run.total = sum((line.amount for line in run.lines.filter(is_live=True)), Decimal("0.00"))
    run.approvals_required = 2 if run.total > second_approval_above() else 1
    run.save(update_fields=["total", "approvals_required"])


def house_account_for(legal_entity: LegalEntity, currency: str) -> HouseBankAccount:
    account = HouseBankAccount.objects.filter(
        legal_entity=legal_entity, currency=currency, is_active=True
    ).first()
    if account is None:
        raise DomainError(
            gettext("%(entity)s has no paying bank account in %(currency)s; add one in the admin first.")
            % {"entity": legal_entity.name, "currency": currency},
            code="no_house_account",
        )
    return account


@conflict_on_lock()
def payment_run_propose(
    *, legal_entity: LegalEntity, currency: str, due_by: date, actor, execution_date: date | None = None
) -> PaymentRun:
    require_finance(actor, gettext("propose payment runs"))
    currency = bounds.currency(currency or "CNY")
    if due_by is None:
        raise DomainError(gettext("Give the date up to which payments are due."), code="invalid_date")
    bounds.date_sane(due_by, field="due_by")
    execution_date = execution_date or timezone.localdate()
    bounds.date_sane(execution_date, field="execution_date")
    if execution_date < timezone.localdate():
        raise DomainError(gettext("The payment date cannot be in the past."), code="execution_date_past")
    house = house_account_for(legal_entity, currency)
    with transaction.atomic():
        run = PaymentRun.objects.create(
            number=next_number("PAY"),
            legal_entity=legal_entity,
            currency=currency,
            due_by=due_by,
            execution_date=execution_date,
            house_account=house,
            proposed_by=actor,
        )
        accounts: dict[int, BankAccount | None] = {}

        def account_of(supplier_id: int) -> BankAccount | None:
            if supplier_id not in accounts:
                accounts[supplier_id] = approved_bank_account_for_payment(supplier_id)
            return accounts[supplier_id]

        lines, skipped = _statement_lines(run, account_of)
        loose, loose_skipped = _loose_lines(run, account_of)
        skipped += loose_skipped
        if not lines and not loose:
            raise DomainError(
                gettext("Nothing approved for %(entity)s in %(currency)s is due by %(date)s and payable.")
                % {"entity": legal_entity.name, "currency": currency, "date": due_by},
                code="nothing_due",
                details={"skipped": skipped},
            )
        try:
            with transaction.atomic():
                PaymentRunLine.objects.bulk_create(lines)
                for line, links in loose:
                    line.save()
                    for link in links:
                        link.line = line
                    PaymentRunInvoice.objects.bulk_create(links)
        except IntegrityError:
            raise Conflict(
                gettext(
                    "Another payment run took some of these statements or invoices at the same moment; try again."
                ),
                code="in_another_run",
            ) from None
        run.skipped = skipped
        run.save(update_fields=["skipped"])
        _retotal(run)
    return run


def _discount(term: PaymentTerm | None, until: date | None, percent, base: Decimal, on: date) -> Decimal:
    """The early-payment discount on ``base`` when paying ``on``: within the window, else 0."""
    if term is None or until is None or not percent or on > until or base <= 0:
        return Decimal("0.00")
    return discount_amount(base, Decimal(percent))


def _statement_lines(run: PaymentRun, account_of) -> tuple[list[PaymentRunLine], list[dict]]:
    """One line per approved statement due by the run's date (locked), and what is left out."""
    held_invoice = InvoiceDue.objects.filter(
        on_hold=True,
        invoice__statement_lines__statement=OuterRef("pk"),
        invoice__statement_lines__is_live=True,
    )
    in_run = PaymentRunLine.objects.filter(statement=OuterRef("pk"), is_live=True)
    candidates = list(
        Statement.objects.select_for_update(of=("self",))
        .filter(
            legal_entity=run.legal_entity,
            currency=run.currency,
            state=StatementState.APPROVED,
            due_date__lte=run.due_by,
        )
        .annotate(held_invoice=Exists(held_invoice), in_run=Exists(in_run))
        .select_related("supplier", "payment_term")
        .order_by("supplier__name", "due_date", "id")[:MAX_RUN_LINES]
    )
    lines, skipped = [], []
    for st in candidates:
        account = account_of(st.supplier_id)
        code = (
            "statement_on_hold"
            if st.on_hold
            else "invoice_on_hold"
            if st.held_invoice
            else "in_another_run"
            if st.in_run
            else "bank_account_not_approved"
            if account is None
            else "nothing_open"
            if st.open_amount <= 0
            else ""
        )
        if code:
            skipped.append({"statement": st.number, "supplier": st.supplier.name, "code": code})
            continue
        terms = _terms(st.payment_term)
        until = due(terms, st.period_to).discount_until if terms else None
        # a discount only on a statement nothing has been paid of yet
        base = st.open_amount if st.paid_amount == 0 else Decimal("0.00")
        cut = _discount(
            st.payment_term, until, terms.discount_percent if terms else 0, base, run.execution_date
        )
        lines.append(
            PaymentRunLine(
                run=run,
                statement=st,
                supplier_id=st.supplier_id,
                bank_account=account,
                open_amount=st.open_amount,
                amount=st.open_amount - cut,
                due_date=st.due_date,
                discount_amount=cut,
                discount_taken=cut > 0,
                discount_until=until if cut else None,
                discount_term=st.payment_term if cut else None,
            )
        )
    return lines, skipped


def _loose_lines(run: PaymentRun, account_of) -> tuple[list[tuple[PaymentRunLine, list]], list[dict]]:
    """Per supplier, its approved invoices due by the run's date that are on no live statement and
    in no live run (locked), with the approved credit notes that may be netted against them: those
    whose original is on the line or already paid, within what the original claimed
    (``credit_note_room``). A supplier's line whose credit notes take it to nothing is left out."""
    on_statement = StatementLine.objects.filter(invoice=OuterRef("pk"), is_live=True)
    in_run = PaymentRunInvoice.objects.filter(invoice=OuterRef("pk"), is_live=True)
    same = {"legal_entity": run.legal_entity, "state": InvoiceState.APPROVED}
    currency = (
        Q(currency=run.currency) | Q(currency="") if run.currency == "CNY" else Q(currency=run.currency)
    )
    invoices = list(
        # of=self: the due row and the tax check are outer joins, which PostgreSQL cannot lock
        Invoice.objects.select_for_update(of=("self",))
        .filter(currency, **same, due__due_date__lte=run.due_by)
        .exclude(document_type="credit_note")
        .exclude(tax__verification="failed")
        .annotate(on_statement=Exists(on_statement), in_run=Exists(in_run))
        .filter(on_statement=False)
        .select_related("supplier", "due", "due__payment_term")
        .order_by("supplier__name", "due__due_date", "id")[:MAX_LOOSE_INVOICES]
    )
    skipped: list[dict] = []
    per_supplier: OrderedDict[int, list[Invoice]] = OrderedDict()
    for invoice in invoices:
        account = account_of(invoice.supplier_id)
        code = (
            "invoice_on_hold"
            if invoice.due.on_hold
            else "in_another_run"
            if invoice.in_run
            else "bank_account_not_approved"
            if account is None
            else ""
        )
        if code:
            skipped.append(_skip(invoice, code))
            continue
        per_supplier.setdefault(invoice.supplier_id, []).append(invoice)
    if not per_supplier:
        return [], skipped
    taken = {i.pk for group in per_supplier.values() for i in group}
    credit_notes = (
        Invoice.objects.select_for_update(of=("self",))
        .filter(currency, **same, document_type="credit_note", supplier_id__in=list(per_supplier))
        .annotate(on_statement=Exists(on_statement), in_run=Exists(in_run))
        .filter(on_statement=False, in_run=False)
        .filter(Q(corrects_id__in=taken) | Q(corrects__state=InvoiceState.PAID))
        .select_related("corrects", "due")
        .order_by("id")
    )
    credits: dict[int, list[Invoice]] = {}
    for credit_note in credit_notes:
        original = credit_note.corrects
        # only against its own supplier's invoices, and only within what its original claimed
        if original is None or original.supplier_id != credit_note.supplier_id:
            continue
        held = getattr(credit_note, "due", None)
        if (held is not None and held.on_hold) or credit_note_room(credit_note) is not None:
            continue
        credits.setdefault(credit_note.supplier_id, []).append(credit_note)
    result = []
    for supplier_id, group in per_supplier.items():
        notes = credits.get(supplier_id, [])
        links, open_total, cut_total = [], Decimal("0.00"), Decimal("0.00")
        terms_seen: list[tuple[PaymentTerm, date]] = []
        for invoice in group:
            gross = invoice.gross_amount or Decimal("0.00")
            reduced = gross - sum(
                (abs(c.gross_amount or 0) for c in notes if c.corrects_id == invoice.pk), Decimal("0.00")
            )
            due_row = invoice.due
            cut = _discount(
                due_row.payment_term,
                due_row.discount_until,
                due_row.discount_percent,
                reduced,
                run.execution_date,
            )
            if cut:
                terms_seen.append((due_row.payment_term, due_row.discount_until))
            links.append(PaymentRunInvoice(invoice=invoice, gross=gross, discount=cut))
            open_total += gross
            cut_total += cut
        for credit_note in notes:
            amount = -abs(credit_note.gross_amount or Decimal("0.00"))
            links.append(PaymentRunInvoice(invoice=credit_note, gross=amount))
            open_total += amount
        if open_total <= 0 or open_total - cut_total <= 0:
            skipped.extend(_skip(i, "credits_exceed_invoices") for i in group)
            continue
        first_due = min(i.due.due_date for i in group)
        # the line names the terms of its first discount (and the earliest window it closes by)
        term, until = min(terms_seen, key=lambda t: t[1]) if terms_seen else (None, None)
        line = PaymentRunLine(
            run=run,
            statement=None,
            supplier_id=supplier_id,
            bank_account=account_of(supplier_id),
            open_amount=open_total,
            amount=open_total - cut_total,
            due_date=first_due,
            discount_amount=cut_total,
            discount_taken=cut_total > 0,
            discount_until=until,
            discount_term=term,
        )
        result.append((line, links))
    return result, skipped


def _skip(invoice: Invoice, code: str) -> dict:
    return {
        "document": str(invoice),
        "invoice_id": invoice.pk,
        "supplier": invoice.supplier.name,
        "code": code,
    }


def _line(run: PaymentRun, line_id: int) -> PaymentRunLine:
    line = run.lines.filter(pk=line_id, is_live=True).first()
    if line is None:
        raise NotFound(
            gettext("Line %(line_id)s is not in payment run %(number)s.")
            % {"line_id": line_id, "number": run.number}
        )
    return line


@conflict_on_lock()
def payment_run_line_amount(*, run: PaymentRun, line_id: int, amount, actor) -> PaymentRunLine:
    """Pay less than is open on a statement's line (a partial payment: no discount), or all of it
    again. A line of loose invoices pays them in full (less a discount taken) or is removed."""
    require_finance(actor, gettext("change payment runs"))
    value = to_amount(amount)
    with transaction.atomic():
        run = _lock(run)
        _require_editable(run)
        line = _line(run, line_id)
        if line.statement_id is None:
            raise DomainError(
                gettext("Invoices paid without a statement are paid in full; remove the line instead."),
                code="run_invoices_paid_in_full",
            )
        if value <= 0 or value > line.open_amount:
            raise DomainError(
                gettext("The amount must be more than 0 and at most the %(open)s open.")
                % {"open": line.open_amount},
                code="run_amount_out_of_range",
                details={"open": str(line.open_amount)},
            )
        if line.discount_taken and value != line.amount:
            line.discount_taken = False  # a part payment is not an early payment in full
            document_event_log(run, "discount_forgo", actor=actor, reason=_discount_text(line, False, ""))
        line.amount = value
        line.save(update_fields=["amount", "discount_taken"])
        _retotal(run)
    return line


def _line_reference(line: PaymentRunLine) -> str:
    if line.statement_id:
        return line.statement.number
    return ", ".join(str(link.invoice) for link in line.invoice_links.all() if link.is_live)


def _discount_text(line: PaymentRunLine, take: bool, reason: str):
    currency = line.run.currency
    why = text("run.why", reason=reason) if reason else text("run.end")
    terms = str(line.discount_term.name_en) if line.discount_term else "—"
    params = {
        "discount": money(line.discount_amount, currency),
        "reference": _line_reference(line),
        "terms": terms,
        "why": why,
    }
    if take:
        return text(
            "run.discount_take",
            until=line.discount_until.isoformat() if line.discount_until else "—",
            **params,
        )
    return text("run.discount_forgo", **params)


@conflict_on_lock()
def payment_run_line_discount(
    *, run: PaymentRun, line_id: int, take: bool, actor, reason: str = ""
) -> PaymentRunLine:
    """Finance takes (or does not take) the early-payment discount a line's terms offer on the run's
    payment date; the line pays its open amount less the discount, or all of it. A history row of
    the run says which, with the discount, the terms and the reason given."""
    require_finance(actor, gettext("change payment runs"))
    reason = (reason or "").strip()[:300]
    with transaction.atomic():
        run = _lock(run)
        _require_editable(run)
        line = _line(run, line_id)
        if line.discount_amount <= 0:
            raise DomainError(
                gettext("No early-payment discount applies to this line on the run's payment date."),
                code="no_discount",
            )
        if line.discount_taken == take and line.amount == line.open_amount - line.taken_discount:
            raise DomainError(
                gettext("Nothing changed: the discount is already so."), code="discount_unchanged"
            )
        line.discount_taken = take
        line.amount = line.open_amount - line.taken_discount
        line.save(update_fields=["discount_taken", "amount"])
        document_event_log(
            run,
            "discount_take" if take else "discount_forgo",
            actor=actor,
            reason=_discount_text(line, take, reason),
        )
        _retotal(run)
    return line


@conflict_on_lock()
def payment_run_line_remove(*, run: PaymentRun, line_id: int, actor) -> None:
    require_finance(actor, gettext("change payment runs"))
    with transaction.atomic():
        run = _lock(run)
        _require_editable(run)
        line = _line(run, line_id)
        if run.lines.filter(is_live=True).count() == 1:
            raise DomainError(
                gettext("This is the run's last line; cancel the run instead."), code="run_would_be_empty"
            )
        line.delete()  # its invoice links go with it
        _retotal(run)


@conflict_on_lock()
def payment_run_approve(*, run: PaymentRun, actor, reason: str = "") -> PaymentRun:
    require_finance(actor, gettext("approve payment runs"))
    with transaction.atomic():
        run = _lock(run)
        if run.proposed_by_id == actor.pk:
            raise PermissionDenied(
                gettext("You proposed payment run %(number)s; another finance user must approve it.")
                % {"number": run.number},
                code="own_payment_run_approval",
            )
        if run.approvals.filter(user=actor).exists():
            raise PermissionDenied(
                gettext("You already approved payment run %(number)s; a second person must approve it.")
                % {"number": run.number},
                code="already_approved_in_chain",
            )
        if run.state not in (PaymentRunState.PROPOSED, PaymentRunState.IN_APPROVAL):
            raise IllegalTransition(
                gettext("Payment run %(number)s is %(state)s; there is nothing to approve.")
                % {"number": run.number, "state": run.get_state_display()},
                code="payment_run_not_in_approval",
            )
        PaymentRunApproval.objects.create(run=run, user=actor)
        done = run.approvals.count() >= run.approvals_required
        return run_transition(run, "approve" if done else "approve_first", actor=actor, reason=reason)


def _require_exportable(run: PaymentRun) -> None:
    if run.state not in (PaymentRunState.APPROVED, PaymentRunState.EXPORTED):
        raise IllegalTransition(
            gettext("Payment run %(number)s is %(state)s; only an approved run goes to the bank.")
            % {"number": run.number, "state": run.get_state_display()},
            code="payment_run_not_approved",
            details={"state": run.state},
        )


def grouped_transfers(run: PaymentRun) -> list[dict]:
    """One transfer per supplier and bank account: the sum of its lines (each less a discount
    taken), the statements and invoices named."""
    groups: OrderedDict[tuple[int, int], dict] = OrderedDict()
    lines = (
        run.lines.filter(is_live=True)
        .select_related("statement", "supplier", "bank_account", "discount_term")
        .prefetch_related("invoice_links__invoice")
        .order_by("supplier__name", "id")
    )
    for line in lines:
        key = (line.supplier_id, line.bank_account_id)
        group = groups.setdefault(
            key,
            {"supplier": line.supplier, "account": line.bank_account, "amount": Decimal("0.00"), "lines": []},
        )
        group["amount"] += line.amount
        group["lines"].append(line)
    return list(groups.values())


def _remittance(group: dict) -> str:
    return " ".join(
        f"{_line_reference(line).replace(', ', ' ')}{'' if not line.is_partial else ' (part)'}"
        for line in group["lines"]
    )


def _check_accounts(groups: list[dict]) -> None:
    for group in groups:
        if group["account"].state != BankAccountState.APPROVED:
            raise DomainError(
                gettext(
                    "The bank account of %(supplier)s in this run is no longer approved; cancel the run and propose it again."
                )
                % {"supplier": group["supplier"].name},
                code="bank_account_not_approved",
            )


@conflict_on_lock()
def payment_run_export_xml(*, run: PaymentRun, actor) -> bytes:
    """The ISO 20022 pain.001.001.03 file of an approved run, validated against the schema."""
    require_finance(actor, gettext("export payment runs"))
    with transaction.atomic():
        run = _lock(run)
        _require_exportable(run)
        groups = grouped_transfers(run)
        _check_accounts(groups)
        house = run.house_account
        now = timezone.now()
        message_id = f"{run.number}-{now:%Y%m%d%H%M%S}"
        batch = pain001.Batch(
            message_id=message_id,
            created_at=timezone.localtime(now),
            initiator=run.legal_entity.name,
            payment_info_id=run.number,
            execution_date=run.execution_date,
            currency=run.currency,
            debtor_name=run.legal_entity.name,
            debtor_account=house.account_number,
            debtor_bank=house.bank_name,
            debtor_bic=house.bic,
            transfers=[
                pain001.Transfer(
                    end_to_end_id=f"{run.number}-{n}",
                    amount=group["amount"],
                    creditor_name=group["account"].account_name,
                    creditor_account=group["account"].account_number(),
                    creditor_bank=group["account"].bank_name,
                    remittance=_remittance(group),
                )
                for n, group in enumerate(groups, start=1)
            ],
        )
        data = pain001.build(batch)
        run.message_id = message_id
        run.exported_at = now
        run.save(update_fields=["message_id", "exported_at"])
        run_transition(run, "export", actor=actor, reason=f"pain.001.001.03 {message_id}")
    return data


CSV_HEADER = (
    "run",
    "end_to_end_id",
    "payment_date",
    "supplier",
    "account_holder",
    "bank",
    "account_number",
    "amount",
    "currency",
    "remittance",
)


@conflict_on_lock()
def payment_run_export_csv(*, run: PaymentRun, actor) -> str:
    """The same transfers as a CSV for banks that take files (every text cell formula-guarded)."""
    require_finance(actor, gettext("export payment runs"))
    with transaction.atomic():
        run = _lock(run)
        _require_exportable(run)
        groups = grouped_transfers(run)
        _check_accounts(groups)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_HEADER)
        for n, group in enumerate(groups, start=1):
            account = group["account"]
            writer.writerow(
                [
                    csv_cell(v)
                    for v in (
                        run.number,
                        f"{run.number}-{n}",
                        run.execution_date.isoformat(),
                        group["supplier"].name,
                        account.account_name,
                        account.bank_name,
                        account.account_number(),
                        f"{group['amount']:.2f}",
                        run.currency,
                        _remittance(group),
                    )
                ]
            )
        run_transition(run, "export", actor=actor, reason="CSV")
    return out.getvalue()


@conflict_on_lock()
def payment_run_confirm_paid(
    *, run: PaymentRun, bank_reference: str, actor, paid_on: date | None = None
) -> PaymentRun:
    """The bank confirmed the run: each line becomes a payment of its statement."""
    require_finance(actor, gettext("confirm payments"))
    reference, paid_on = transfer_facts(bank_reference, paid_on)
    with transaction.atomic():
        run = _lock(run)
        _require_exportable(run)
        lines = list(run.lines.filter(is_live=True).select_related("bank_account").order_by("statement_id"))
        _check_accounts([{"account": line.bank_account, "supplier": line.supplier} for line in lines])
        for line in lines:
            if line.statement_id is None:
                payment_settle_invoices(
                    line=line, reference=f"{reference} {run.number}", paid_on=paid_on, actor=actor
                )
                continue
            statement = lock_statement(line.statement)
            require_payable(statement)
            payment_settle(
                statement=statement,
                amount=line.amount,
                reference=f"{reference} {run.number}",
                account=line.bank_account,
                paid_on=paid_on,
                actor=actor,
                run_line=line,
                discount=line.taken_discount,
            )
        run.lines.update(is_live=False)
        PaymentRunInvoice.objects.filter(line__run=run).update(is_live=False)
        run.bank_reference = reference[:100]
        run.save(update_fields=["bank_reference"])
        return run_transition(run, "confirm_paid", actor=actor, reason=reference)


@conflict_on_lock()
def payment_run_cancel(*, run: PaymentRun, reason: str, actor) -> PaymentRun:
    require_finance(actor, gettext("cancel payment runs"))
    reason = require_reason(reason, gettext("cancel a payment run"))
    with transaction.atomic():
        run = _lock(run)
        run = run_transition(run, "cancel", actor=actor, reason=reason)
        run.lines.update(is_live=False)
        PaymentRunInvoice.objects.filter(line__run=run).update(is_live=False)
    return run


__all__ = [
    "grouped_transfers",
    "payment_run_approve",
    "payment_run_cancel",
    "payment_run_confirm_paid",
    "payment_run_line_discount",
    "payment_run_export_csv",
    "payment_run_export_xml",
    "payment_run_line_amount",
    "payment_run_line_remove",
    "payment_run_propose",
]
