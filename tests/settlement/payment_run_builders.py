"""Approved statements ready for a payment run, with the accounts a run needs."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from core.services import run_transition
from settlement.models import HouseBankAccount
from settlement.services import statements as svc
from suppliers.models import PaymentTerm
from tests.factories import UserFactory
from tests.settlement.statement_builders import PERIOD, make_invoice


def approver(name: str = "finance-approver"):
    return UserFactory(username=name, role="finance")


def approved_statement(supplier, supplier_user, entity, finance, *, net="1000.00", check=None):
    """An invoice-first statement of one invoice of ``net`` + 13 % VAT, approved for payment."""
    make_invoice(supplier, entity, lines=((net, "0.13"),))
    statement = svc.statement_create(
        kind="invoice_first",
        supplier=supplier,
        legal_entity=entity,
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        actor=finance,
    )
    statement = svc.statement_send(statement=statement, actor=finance)
    statement = svc.statement_confirm(statement=statement, actor=supplier_user)
    return svc.statement_approve(statement=statement, actor=check or approver(f"chk-{statement.pk}"))


def house_account(entity, currency="CNY"):
    return HouseBankAccount.objects.create(
        legal_entity=entity,
        currency=currency,
        bank_name="中国工商银行上海分行",
        account_number="1001234509876543210",
    )


def approved_invoice(supplier, entity, finance, *, net="1000.00", days_ago=3, credit_of=None, term=None):
    """An invoice (or a credit note of ``credit_of``) matched and approved by finance: the receiver
    stores its due date from the supplier's terms."""
    if term is not None:
        supplier.payment_term = PaymentTerm.objects.get(code=term)
        supplier.save()
    invoice = make_invoice(
        supplier,
        entity,
        lines=((net, "0.13"),),
        state="matched",
        issue_date=timezone.localdate() - timedelta(days=days_ago),
        credit_note=credit_of is not None,
        corrects=credit_of,
    )
    run_transition(invoice, "approve", actor=finance, reason="test")
    return invoice
