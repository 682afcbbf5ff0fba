"""Payments: finance records the payment of an approved statement.

The payment goes to the supplier bank account that finance has approved at that moment (read
under the supplier row lock, the same lock bank-account approval takes, so an approval racing
the payment is either fully before or fully after it). Its amount must equal the statement
total. The statement becomes paid, and so does every invoice and credit note on it; a statement
is paid at most once (one-to-one ``Payment.statement``) and so is an invoice
(one-to-one ``PaymentInvoice.invoice``).
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from core import bounds
from core.errors import Conflict, DomainError, IllegalTransition
from core.services import run_transition, transition_locked
from invoicing.models import Invoice, InvoiceState
from invoicing.tax_checks import tax_check_require_passed
from suppliers.models import Supplier
from suppliers.selectors import bank_account_require_approved_for_payment

from ..models import Payment, PaymentInvoice, Statement, StatementState
from .conflicts import conflict_on_lock
from .statements import live_invoice_lines, lock_statement, require_finance, to_amount


def _already_paid(*, statement: Statement, **_) -> Conflict | None:
    if Payment.objects.filter(statement_id=statement.pk).exists():
        return Conflict(
            gettext("Statement %(number)s is already paid.") % {"number": statement.number},
            code="statement_already_paid",
        )
    return None


@conflict_on_lock(_already_paid)
def payment_record(
    *, statement: Statement, amount, bank_reference: str, actor, paid_on: date | None = None
) -> Payment:
    require_finance(actor, gettext("record payments"))
    value = to_amount(amount)
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
    with transaction.atomic():
        statement = lock_statement(statement)
        if statement.state == StatementState.PAID or Payment.objects.filter(statement=statement).exists():
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
        if value != statement.gross_total:
            raise DomainError(
                gettext(
                    "The payment must be the statement total %(gross_total)s %(currency)s, not %(value)s."
                )
                % {"gross_total": statement.gross_total, "currency": statement.currency, "value": value},
                code="payment_amount_mismatch",
                details={"expected": str(statement.gross_total), "given": str(value)},
            )
        Supplier.objects.select_for_update().get(pk=statement.supplier_id)
        account = bank_account_require_approved_for_payment(statement.supplier_id)
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    statement=statement,
                    supplier_id=statement.supplier_id,
                    amount=value,
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
        run_transition(statement, "pay", actor=actor, reason=reason)
    return payment
