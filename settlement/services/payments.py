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
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from core import bounds
from core.errors import Conflict, DomainError, IllegalTransition
from core.services import document_event_log, run_transition, transition_locked
from core.texts import money, register, text
from invoicing.models import Invoice, InvoiceState
from invoicing.tax_checks import tax_check_require_passed
from suppliers.models import Supplier
from suppliers.selectors import bank_account_require_approved_for_payment

from ..models import Payment, PaymentInvoice, PaymentRunLine, Statement, StatementLine, StatementState
from .conflicts import conflict_on_lock
from .statements import live_invoice_lines, lock_statement, require_finance, to_amount

register(
    {
        "pay.partly": gettext_noop("%(amount)s paid, bank reference %(reference)s."),
        "pay.partly_discount": gettext_noop(
            "%(amount)s paid and an early-payment discount of %(discount)s taken, bank reference %(reference)s."
        ),
        "pay.with_statement": gettext_noop("Paid with statement %(number)s, bank reference %(reference)s."),
        "pay.in_run": gettext_noop(
            "Paid directly in payment run %(run)s (%(amount)s), bank reference %(reference)s."
        ),
        "pay.in_run_discount": gettext_noop(
            "Paid directly in payment run %(run)s (%(amount)s after an early-payment discount of "
            "%(discount)s), bank reference %(reference)s."
        ),
    }
)


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
    *,
    statement: Statement,
    amount,
    reference: str,
    account,
    paid_on: date,
    actor,
    run_line=None,
    discount=None,
) -> Payment:
    """Store one payment of ``amount`` on the locked, approved ``statement`` to ``account``. When it
    pays what is left (with the early-payment ``discount`` taken, if any), the statement and each of
    its invoices become paid (each invoice once: one-to-one ``PaymentInvoice.invoice``); a part
    leaves the statement approved with less open."""
    discount = discount or Decimal("0.00")
    if amount <= 0 or amount + discount > statement.open_amount:
        raise DomainError(
            gettext("%(value)s is more than the %(open)s %(currency)s open on statement %(number)s.")
            % {
                "value": amount + discount,
                "open": statement.open_amount,
                "currency": statement.currency,
                "number": statement.number,
            },
            code="payment_exceeds_open",
        )
    final = amount + discount == statement.open_amount
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                statement=statement,
                supplier_id=statement.supplier_id,
                amount=amount,
                discount_amount=discount,
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
        _add_paid(statement, amount + discount)
        currency = statement.currency
        document_event_log(
            statement,
            "pay_partly",
            actor=actor,
            reason=text("pay.partly", amount=money(amount, currency), reference=reference)
            if not discount
            else text(
                "pay.partly_discount",
                amount=money(amount, currency),
                discount=money(discount, currency),
                reference=reference,
            ),
        )
        return payment
    reason = text("pay.with_statement", number=statement.number, reference=reference)
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
    _add_paid(statement, amount + discount)  # the statement row is written last, as briefly as possible
    run_transition(statement, "pay", actor=actor, reason=reason)
    statement.refresh_from_db()
    return payment


def payment_settle_invoices(*, line: PaymentRunLine, reference: str, paid_on: date, actor) -> Payment:
    """Pay a run line of loose invoices (no statement): one payment of the line's amount to its
    account; each invoice and credit note on it becomes paid, each once (one-to-one
    ``PaymentInvoice.invoice``: a second payment of an invoice is refused by the database)."""
    links = list(line.invoice_links.filter(is_live=True).order_by("invoice_id"))
    invoices = {
        i.pk: i for i in Invoice.objects.select_for_update().filter(pk__in=[k.invoice_id for k in links])
    }
    on_statement = set(
        StatementLine.objects.filter(invoice_id__in=list(invoices), is_live=True).values_list(
            "invoice_id", flat=True
        )
    )
    currency = line.run.currency
    discount = line.taken_discount
    reason = (
        text(
            "pay.in_run_discount",
            run=line.run.number,
            amount=money(line.amount, currency),
            discount=money(discount, currency),
            reference=reference,
        )
        if discount
        else text("pay.in_run", run=line.run.number, amount=money(line.amount, currency), reference=reference)
    )
    for link in links:
        invoice = invoices[link.invoice_id]
        if invoice.state != InvoiceState.APPROVED or invoice.pk in on_statement:
            raise IllegalTransition(
                gettext(
                    "Invoice %(invoice)s is %(state)s and no longer payable on its own; nothing was paid."
                )
                % {"invoice": invoice, "state": invoice.get_state_display()},
                code="invoice_not_payable",
                details={"invoice_id": invoice.pk, "state": invoice.state},
            )
        if not invoice.is_credit_note:
            tax_check_require_passed(invoice)
        transition_locked(invoice, "pay", actor=actor, reason=reason)
    account = line.bank_account
    payment = Payment.objects.create(
        statement=None,
        supplier_id=line.supplier_id,
        amount=line.amount,
        discount_amount=discount,
        is_final=True,
        run_line=line,
        currency=currency,
        paid_on=paid_on,
        bank_reference=reference[:100],
        bank_account=account,
        bank_name=account.bank_name,
        account_name=account.account_name,
        account_last4=account.last4,
        recorded_by=actor,
    )
    try:
        with transaction.atomic():
            PaymentInvoice.objects.bulk_create(
                PaymentInvoice(
                    payment=payment,
                    invoice_id=link.invoice_id,
                    amount=link.gross - (link.discount if line.discount_taken else Decimal("0.00")),
                )
                for link in links
            )
    except IntegrityError:
        raise Conflict(
            gettext("An invoice of this payment run has already been paid."), code="invoice_already_paid"
        ) from None
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
