"""Approved statements ready for a payment run, with the accounts a run needs."""

from __future__ import annotations

from settlement.models import HouseBankAccount
from settlement.services import statements as svc
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
