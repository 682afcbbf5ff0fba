"""Statements of suppliers A ("own") and B ("foreign") for the access walker
(tests/core/test_access_walker.py): each sent to its supplier and confirmed, with an invoice plan,
a line and (B) a payment, so every statement, line, plan, PDF/CSV and payment URL is checked.
B's documents carry the marker in visible fields and use ``foreign_id`` as primary key."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from procurement.models import LegalEntity
from settlement.models import InvoicePlan, InvoicePlanRate, Payment, Statement, StatementLine
from tests.factories import LegalEntityFactory, UserFactory, make_approved_bank_account


def _statement(supplier, entity, creator, *, number, marker_text, pk=None):
    kwargs = {"pk": pk} if pk else {}
    statement = Statement.objects.create(
        number=number,
        kind="statement_first",
        supplier=supplier,
        legal_entity=entity,
        period_from=date(2026, 3, 1),
        period_to=date(2026, 3, 31),
        net_total=Decimal("-10.00"),
        gross_total=Decimal("-10.00"),
        dispute_reason=marker_text,
        created_by=creator,
        sent_at=timezone.now(),
        **kwargs,
    )
    Statement.objects.filter(pk=statement.pk).update(state="confirmed")
    line = StatementLine.objects.create(
        statement=statement,
        kind="deduction",
        description=marker_text,
        reason=marker_text,
        net=Decimal("-10.00"),
        tax=Decimal("0.00"),
        gross=Decimal("-10.00"),
        **kwargs,
    )
    plan = InvoicePlan.objects.create(
        statement=statement,
        supplier=supplier,
        legal_entity=entity,
        buyer_name=f"{marker_text} buyer",
        buyer_tax_id=entity.tax_id,
        currency="CNY",
    )
    InvoicePlanRate.objects.create(
        plan=plan, tax_rate=Decimal("0.13"), net=Decimal("100.00"), tax=Decimal("13.00")
    )
    return statement, line


def build(supplier_a, supplier_b, alice, bob, *, foreign_id, marker):
    finance = UserFactory(username="walker-finance", role="finance")
    entity = LegalEntity.objects.filter(name="Walker entity").first() or LegalEntityFactory(
        name="Walker entity"
    )
    own, own_line = _statement(supplier_a, entity, finance, number="ST-OWN-1", marker_text="own statement")
    foreign, foreign_line = _statement(
        supplier_b, entity, finance, number="ST-FOREIGN-1", marker_text=f"{marker} statement", pk=foreign_id
    )
    account = make_approved_bank_account(supplier_b, number="6222020200445566")
    Payment.objects.create(
        statement=foreign,
        supplier=supplier_b,
        amount=Decimal("1.00"),
        currency="CNY",
        paid_on=date(2026, 4, 1),
        bank_reference=f"{marker} payment",
        bank_account=account,
        bank_name=account.bank_name,
        account_name=f"{marker} account",
        account_last4=account.last4,
        recorded_by=finance,
    )
    return {
        "own": {"statement_id": own.pk, "statement_line_id": own_line.pk},
        "foreign": {"statement_id": foreign.pk, "statement_line_id": foreign_line.pk},
    }
