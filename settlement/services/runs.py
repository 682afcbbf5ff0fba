"""Payment runs (付款批次): the only code that writes them. See settlement.models.runs.

* ``payment_run_propose`` — everything approved and due up to a date for one legal entity and
  currency: one line per statement, to the supplier's approved bank account. Left out (and listed
  on the run with the reason): statements on hold or holding an invoice on hold, already in a live
  run, of a supplier without an approved account.
* ``payment_run_line_amount`` / ``payment_run_line_remove`` — review while proposed (a lower
  amount is a partial payment).
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
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext

from core import bounds
from core.errors import Conflict, DomainError, IllegalTransition, NotFound, PermissionDenied
from core.listing import csv_cell
from core.services import run_transition
from procurement.models import LegalEntity
from procurement.services import next_number
from suppliers.models import BankAccount, BankAccountState
from suppliers.selectors import approved_bank_account_for_payment

from .. import pain001
from ..models import (
    HouseBankAccount,
    InvoiceDue,
    PaymentRun,
    PaymentRunApproval,
    PaymentRunLine,
    PaymentRunState,
    Statement,
    StatementState,
)
from .conflicts import conflict_on_lock
from .payments import payment_settle, require_payable, transfer_facts
from .statements import lock_statement, require_finance, require_reason, to_amount

MAX_RUN_LINES = 2000


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
    held_invoice = InvoiceDue.objects.filter(
        on_hold=True,
        invoice__statement_lines__statement=OuterRef("pk"),
        invoice__statement_lines__is_live=True,
    )
    in_run = PaymentRunLine.objects.filter(statement=OuterRef("pk"), is_live=True)
    with transaction.atomic():
        candidates = list(
            Statement.objects.select_for_update(of=("self",))
            .filter(
                legal_entity=legal_entity,
                currency=currency,
                state=StatementState.APPROVED,
                due_date__lte=due_by,
            )
            .annotate(held_invoice=Exists(held_invoice), in_run=Exists(in_run))
            .select_related("supplier")
            .order_by("supplier__name", "due_date", "id")[:MAX_RUN_LINES]
        )
        run = PaymentRun.objects.create(
            number=next_number("PAY"),
            legal_entity=legal_entity,
            currency=currency,
            due_by=due_by,
            execution_date=execution_date,
            house_account=house,
            proposed_by=actor,
        )
        lines, skipped = [], []
        accounts: dict[int, BankAccount | None] = {}
        for st in candidates:
            if st.supplier_id not in accounts:
                accounts[st.supplier_id] = approved_bank_account_for_payment(st.supplier_id)
            account = accounts[st.supplier_id]
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
            lines.append(
                PaymentRunLine(
                    run=run,
                    statement=st,
                    supplier_id=st.supplier_id,
                    bank_account=account,
                    open_amount=st.open_amount,
                    amount=st.open_amount,
                    due_date=st.due_date,
                )
            )
        if not lines:
            raise DomainError(
                gettext("Nothing approved for %(entity)s in %(currency)s is due by %(date)s and payable.")
                % {"entity": legal_entity.name, "currency": currency, "date": due_by},
                code="nothing_due",
                details={"skipped": skipped},
            )
        try:
            with transaction.atomic():
                PaymentRunLine.objects.bulk_create(lines)
        except IntegrityError:
            raise Conflict(
                gettext("Another payment run took some of these statements at the same moment; try again."),
                code="in_another_run",
            ) from None
        run.skipped = skipped
        run.save(update_fields=["skipped"])
        _retotal(run)
    return run


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
    """Pay less than is open on a line (a partial payment), or all of it again."""
    require_finance(actor, gettext("change payment runs"))
    value = to_amount(amount)
    with transaction.atomic():
        run = _lock(run)
        _require_editable(run)
        line = _line(run, line_id)
        if value <= 0 or value > line.open_amount:
            raise DomainError(
                gettext("The amount must be more than 0 and at most the %(open)s open.")
                % {"open": line.open_amount},
                code="run_amount_out_of_range",
                details={"open": str(line.open_amount)},
            )
        line.amount = value
        line.save(update_fields=["amount"])
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
        line.delete()
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
    """One transfer per supplier and bank account: the sum of its lines, the statements named."""
    groups: OrderedDict[tuple[int, int], dict] = OrderedDict()
    for line in run.lines.filter(is_live=True).select_related("statement", "supplier", "bank_account"):
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
        f"{line.statement.number}{'' if not line.is_partial else ' (part)'}" for line in group["lines"]
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
            )
        run.lines.update(is_live=False)
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
    return run


__all__ = [
    "grouped_transfers",
    "payment_run_approve",
    "payment_run_cancel",
    "payment_run_confirm_paid",
    "payment_run_export_csv",
    "payment_run_export_xml",
    "payment_run_line_amount",
    "payment_run_line_remove",
    "payment_run_propose",
]
