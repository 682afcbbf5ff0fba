"""Two finance users racing for the same invoice, the same receipt lines or the same payment, and
two invoices racing for one invoice plan: exactly one wins, the other gets a clear refusal.
Real threads with their own connections: PostgreSQL only (row locks)."""

from decimal import Decimal

import pytest
from django.db import connection

from core.errors import DomainError
from invoicing.models import Invoice
from settlement.models import Payment, PaymentInvoice, Statement, StatementLine
from settlement.services import statements as svc
from settlement.services.invoice_plans import invoice_plan_claim
from settlement.services.payments import payment_record
from tests.concurrency import race
from tests.factories import (
    LegalEntityFactory,
    SupplierFactory,
    UserFactory,
    make_approved_bank_account,
    make_supplier_user,
)
from tests.settlement.statement_builders import PERIOD, make_invoice, make_received_po

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


_race = race


@pytest.fixture
def world():
    finance_a = UserFactory(username="fin-a", role="finance")
    finance_b = UserFactory(username="fin-b", role="finance")
    supplier = SupplierFactory(state="approved")
    return {
        "finance_a": finance_a,
        "finance_b": finance_b,
        "buyer": UserFactory(username="buyer-x", role="buyer"),
        "supplier": supplier,
        "supplier_user": make_supplier_user(supplier, "sup-x"),
        "entity": LegalEntityFactory(),
    }


def _invoice_first(world, actor):
    return svc.statement_create(
        kind="invoice_first",
        supplier=world["supplier"],
        legal_entity=world["entity"],
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        actor=actor,
    )


def test_two_finance_users_adding_one_invoice_to_two_statements_put_it_in_exactly_one(world):
    supplier, entity = world["supplier"], world["entity"]
    make_invoice(supplier, entity)
    first = _invoice_first(world, world["finance_a"])
    make_invoice(supplier, entity)
    second = _invoice_first(world, world["finance_b"])
    contested = make_invoice(supplier, entity, issue_date=PERIOD[1].replace(month=4, day=2))

    results = _race(
        lambda: svc.statement_invoice_add(statement=first, invoice=contested, actor=world["finance_a"]),
        lambda: svc.statement_invoice_add(statement=second, invoice=contested, actor=world["finance_b"]),
    )

    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1, results
    assert isinstance(errors[0], DomainError) and errors[0].code == "already_in_open_statement"
    assert StatementLine.objects.filter(invoice=contested, is_live=True).count() == 1
    assert Invoice.objects.get(pk=contested.pk).state == "scheduled"
    totals = {s.pk: s.gross_total for s in Statement.objects.all()}
    assert sorted(totals.values()) == [Decimal("1130.00"), Decimal("2260.00")]


def test_two_finance_users_gathering_the_same_receipts_at_once_put_them_in_exactly_one_statement(world):
    make_received_po(
        world["buyer"], world["supplier"], world["entity"], lines=((5, "10", "0.13"), (2, "3", "0.06"))
    )

    def create(actor):
        return svc.statement_create(
            kind="statement_first",
            supplier=world["supplier"],
            legal_entity=world["entity"],
            period_from=PERIOD[0],
            period_to=PERIOD[1],
            actor=actor,
        )

    results = _race(lambda: create(world["finance_a"]), lambda: create(world["finance_b"]))

    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and getattr(errors[0], "code", None) == "nothing_to_settle", results
    assert Statement.objects.count() == 1 and StatementLine.objects.filter(is_live=True).count() == 2


def test_two_concurrent_payments_of_one_statement_record_exactly_one(world):
    supplier, entity = world["supplier"], world["entity"]
    make_approved_bank_account(supplier)
    make_invoice(supplier, entity)
    statement = _invoice_first(world, world["finance_a"])
    statement = svc.statement_send(statement=statement, actor=world["finance_a"])
    statement = svc.statement_confirm(statement=statement, actor=world["supplier_user"])
    statement = svc.statement_approve(statement=statement, actor=world["finance_b"])  # four eyes

    results = _race(
        lambda: payment_record(
            statement=statement, amount="1130.00", bank_reference="A-1", actor=world["finance_a"]
        ),
        lambda: payment_record(
            statement=statement, amount="1130.00", bank_reference="B-1", actor=world["finance_b"]
        ),
    )

    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1, results
    assert isinstance(errors[0], DomainError) and errors[0].code == "statement_already_paid"
    assert Payment.objects.count() == 1 and PaymentInvoice.objects.count() == 1
    assert Statement.objects.get(pk=statement.pk).state == "paid"
    assert Invoice.objects.get().state == "paid"


def test_two_invoices_racing_for_a_plan_that_fits_one_are_claimed_once(world):
    supplier, entity = world["supplier"], world["entity"]
    make_received_po(world["buyer"], supplier, entity, lines=((10, "100", "0.13"),))
    statement = svc.statement_create(
        kind="statement_first",
        supplier=supplier,
        legal_entity=entity,
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        actor=world["finance_a"],
    )
    statement = svc.statement_send(statement=statement, actor=world["finance_a"])
    svc.statement_confirm(statement=statement, actor=world["supplier_user"])
    one = make_invoice(supplier, entity, state="validated", lines=(("1000.00", "0.13"),))
    two = make_invoice(supplier, entity, state="validated", lines=(("1000.00", "0.13"),))

    results = _race(lambda: invoice_plan_claim(one), lambda: invoice_plan_claim(two))

    assert sorted(results) == [False, True], results
    states = sorted(Invoice.objects.filter(pk__in=[one.pk, two.pk]).values_list("state", flat=True))
    assert states == ["scheduled", "validated"]
    assert Statement.objects.get(pk=statement.pk).state == "invoiced"
    assert StatementLine.objects.filter(kind="plan_invoice").count() == 1
