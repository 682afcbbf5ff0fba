"""Payments: finance records the payment of an approved statement.

The payment goes to the supplier bank account that finance has approved at that moment (read
under the supplier row lock, the same lock bank-account approval takes, so an approval racing
the payment is either fully before or fully after it). Its amount must equal the statement
total. The statement becomes paid, and so does every invoice and credit note on it; a statement
is paid in full at most once (one final ``Payment`` per statement) and so is an invoice
(one-to-one ``PaymentInvoice.invoice``).
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from core import bounds
from core.errors import Conflict, DomainError, IllegalTransition
from core.services import document_event_log, run_transition, transition_locked
from invoicing.models import Invoice, InvoiceState
from invoicing.tax_checks import tax_check_require_passed
from suppliers.models import Supplier
from suppliers.selectors import bank_account_require_approved_for_payment

from ..models import Payment, PaymentInvoice, Statement, StatementState
from .conflicts import conflict_on_lock
from .statements import live_invoice_lines, lock_statement, require_finance, to_amount


def _already_paid(*, statement: Statement, **_) -> Conflict | None:
    if Statement.objects.filter(pk=statement.pk, state=StatementState.PAID).exists():
        return Conflict(
            gettext("Statement %(number)s is already paid.") % {"number": statement.number},
            code="statement_already_paid",
        )
    return None


def transfer_facts(bank_reference: str, paid_on: date | None) -> tuple[str, date]:
    """A transfer's bank reference (required) and day (today by default, never in the future)."""
    reference = (bank_reference or "").strip()
    if not reference:
        raise DomainError(
            gettext("The bank reference of the transfer is required."), code="bank_reference_required"
        )
    paid_on = paid_on or timezone.localdate()
    if paid_on > timezone.localdate():
        raise DomainError(
            gettext("A payment cannot be recorded for a future date."), code="paid_on_in_future"
        )
    bounds.date_sane(paid_on, field="paid_on")
    return reference, paid_on


@conflict_on_lock(_already_paid)
def payment_record(
    *, statement: Statement, amount, bank_reference: str, actor, paid_on: date | None = None
) -> Payment:
    """Finance records the transfer of what is open on an approved statement (outside a run)."""
    require_finance(actor, gettext("record payments"))
    value = to_amount(amount)
    reference, paid_on = transfer_facts(bank_reference, paid_on)
    with transaction.atomic():
        statement = lock_statement(statement)
        require_payable(statement)
        in_run = statement.run_lines.filter(is_live=True).select_related("run").first()
        if in_run is not None:
            raise Conflict(
                gettext("Statement %(number)s is in payment run %(run)s; it is paid with the run.")
                % {"number": statement.number, "run": in_run.run.number},
                code="statement_in_payment_run",
                details={"run": in_run.run.number},
            )
        if value != statement.open_amount:
            raise DomainError(
                gettext(
                    "The payment must be the statement total %(gross_total)s %(currency)s, not %(value)s."
                )
                % {"gross_total": statement.open_amount, "currency": statement.currency, "value": value},
                code="payment_amount_mismatch",
                details={"expected": str(statement.open_amount), "given": str(value)},
            )
        Supplier.objects.select_for_update().get(pk=statement.supplier_id)
        account = bank_account_require_approved_for_payment(statement.supplier_id)
        return payment_settle(
            statement=statement,
            amount=value,
            reference=reference,
            account=account,
            paid_on=paid_on,
            actor=actor,
        )


def require_payable(statement: Statement) -> None:
    """``statement`` (locked) is approved and not yet paid in full."""
    if statement.state == StatementState.PAID:
        raise Conflict(
            gettext("Statement %(number)s is already paid.") % {"number": statement.number},
            code="statement_already_paid",
        )
    if statement.state != StatementState.APPROVED:
        raise IllegalTransition(
            gettext("Only an approved statement can be paid; %(number)s is %(state)s.")
            % {"number": statement.number, "state": statement.get_state_display()},
            code="statement_not_approved",
            details={"state": statement.state},
        )


def payment_settle(
    *, statement: Statement, amount, reference: str, account, paid_on: date, actor, run_line=None
) -> Payment:
    """Store one payment of ``amount`` on the locked, approved ``statement`` to ``account``. When it
    pays what is left, the statement and each of its invoices become paid (each invoice once:
    one-to-one ``PaymentInvoice.invoice``); a part leaves the statement approved with less open."""
    if amount <= 0 or amount > statement.open_amount:
        raise DomainError(
            gettext("%(value)s is more than the %(open)s %(currency)s open on statement %(number)s.")
            % {
                "value": amount,
                "open": statement.open_amount,
                "currency": statement.currency,
                "number": statement.number,
            },
            code="payment_exceeds_open",
        )
    final = amount == statement.open_amount
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                statement=statement,
                supplier_id=statement.supplier_id,
                amount=amount,
                is_final=final,
                run_line=run_line,
                currency=statement.currency,
                paid_on=paid_on,
                bank_reference=reference[:100],
                bank_account=account,
                bank_name=account.bank_name,
                account_name=account.account_name,
                account_last4=account.last4,
                recorded_by=actor,
            )
    except IntegrityError:
        raise Conflict(
            gettext("Statement %(number)s is already paid.") % {"number": statement.number},
            code="statement_already_paid",
        ) from None
    if not final:
        _add_paid(statement, amount)
        document_event_log(
            statement,
            "pay_partly",
            actor=actor,
            reason=f"{amount} {statement.currency}, bank reference {reference}.",
        )
        return payment
    reason = f"Paid with statement {statement.number}, bank reference {reference}."
    lines = {line.invoice_id: line for line in live_invoice_lines(statement)}
    for invoice in Invoice.objects.select_for_update().filter(pk__in=list(lines)).order_by("id"):
        if invoice.state != InvoiceState.SCHEDULED:
            raise IllegalTransition(
                gettext("Invoice %(invoice)s is %(state)s, not scheduled; nothing was paid.")
                % {"invoice": invoice, "state": invoice.get_state_display()},
                code="invoice_not_payable",
                details={"invoice_id": invoice.pk, "state": invoice.state},
            )
        tax_check_require_passed(invoice)
        transition_locked(invoice, "pay", actor=actor, reason=reason)
    try:
        with transaction.atomic():
            PaymentInvoice.objects.bulk_create(
                PaymentInvoice(payment=payment, invoice_id=pk, amount=line.gross)
                for pk, line in lines.items()
            )
    except IntegrityError:
        raise Conflict(
            gettext("An invoice of this statement has already been paid."), code="invoice_already_paid"
        ) from None
    _add_paid(statement, amount)  # the statement row is written last, as briefly as possible
    run_transition(statement, "pay", actor=actor, reason=reason)
    statement.refresh_from_db()
    return payment


def _add_paid(statement: Statement, amount) -> None:
    """Count a payment on the statement; the database refuses more than its total."""
    try:
        with transaction.atomic():
            Statement.objects.filter(pk=statement.pk).update(paid_amount=F("paid_amount") + amount)
    except IntegrityError:
        raise Conflict(
            gettext("Statement %(number)s is already paid.") % {"number": statement.number},
            code="statement_already_paid",
        ) from None
    statement.paid_amount += amount
