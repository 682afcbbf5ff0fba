"""Payments: finance pays an approved statement to the supplier account approved at that moment;
the statement and every invoice on it become paid, once."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import DomainError
from core.selectors import transition_log_for
from invoicing.models import Invoice
from settlement.models import Payment, PaymentInvoice, Statement
from settlement.services import statements as svc
from settlement.services.payments import payment_record
from tests.factories import LegalEntityFactory, make_approved_bank_account
from tests.settlement.statement_builders import PERIOD, make_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def entity(db):
    return LegalEntityFactory(name="上海采购有限公司")


@pytest.fixture
def approved(finance, supplier_a, supplier_user_a, entity):
    """An approved invoice-first statement: an invoice of 1130.00, a credit note of -113.00 and a
    deduction of 17.00 → 1000.00 to pay."""
    invoice = make_invoice(supplier_a, entity, lines=(("1000.00", "0.13"),))
    make_invoice(supplier_a, entity, lines=(("100.00", "0.13"),), credit_note=True, corrects=invoice)
    statement = svc.statement_create(
        kind="invoice_first",
        supplier=supplier_a,
        legal_entity=entity,
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        actor=finance,
    )
    svc.statement_deduction_add(statement=statement, amount="17.00", reason="packaging", actor=finance)
    statement = svc.statement_send(statement=statement, actor=finance)
    statement = svc.statement_confirm(statement=statement, actor=supplier_user_a)
    return svc.statement_approve(statement=statement, actor=other_finance())


@pytest.fixture
def account(supplier_a):
    return make_approved_bank_account(supplier_a, number="6222020200119876")


def _pay(statement, actor, **kwargs):
    kwargs.setdefault("amount", "1000.00")
    kwargs.setdefault("bank_reference", "CNAPS-20260405-0001")
    return payment_record(statement=statement, actor=actor, **kwargs)


def test_finance_pays_an_approved_statement_and_every_invoice_on_it_is_paid(approved, account, finance):
    assert approved.gross_total == Decimal("1000.00")

    payment = _pay(approved, finance, paid_on=timezone.localdate())

    assert payment.amount == Decimal("1000.00") and payment.currency == "CNY"
    assert payment.bank_account == account and payment.account_last4 == "9876"
    assert payment.bank_name == "ICBC" and payment.recorded_by == finance
    assert Statement.objects.get(pk=approved.pk).state == "paid"
    invoices = Invoice.objects.filter(statement_lines__statement=approved)
    assert invoices.count() == 2 and set(invoices.values_list("state", flat=True)) == {"paid"}
    assert set(PaymentInvoice.objects.values_list("invoice_id", flat=True)) == set(
        invoices.values_list("pk", flat=True)
    )
    for invoice in invoices:
        log = transition_log_for(invoice).get(transition="pay")
        assert log.actor == finance and "CNAPS-20260405-0001" in log.reason
    assert transition_log_for(approved).get(transition="pay").actor == finance


def _assert_nothing_paid(statement):
    assert Statement.objects.get(pk=statement.pk).state == "approved"
    assert not Payment.objects.exists() and not PaymentInvoice.objects.exists()
    assert not Invoice.objects.filter(state="paid").exists()


def test_without_an_approved_bank_account_nothing_is_paid(approved, finance):
    with pytest.raises(DomainError) as exc:
        _pay(approved, finance)
    assert exc.value.code == "bank_account_not_approved"
    _assert_nothing_paid(approved)


def test_a_pending_new_account_is_not_used_the_approved_one_is(
    approved, account, finance, supplier_a, supplier_user_a
):
    from suppliers.services import bank_account_add

    bank_account_add(
        supplier=supplier_a,
        bank_name="BOC",
        account_name=supplier_a.name,
        account_number="6217000011112222",
        actor=supplier_user_a,
        replaces=account,
    )
    assert _pay(approved, finance).bank_account == account


def test_the_amount_must_be_the_statement_total(approved, account, finance):
    for amount in ("999.99", "1000.01", "1130.00"):
        with pytest.raises(DomainError) as exc:
            _pay(approved, finance, amount=amount)
        assert exc.value.code == "payment_amount_mismatch" and "1000.00" in exc.value.message
    with pytest.raises(DomainError) as exc:
        _pay(approved, finance, amount="lots")
    assert exc.value.code == "invalid_amount"
    _assert_nothing_paid(approved)


def test_a_statement_is_paid_only_once(approved, account, finance):
    _pay(approved, finance)
    with pytest.raises(DomainError) as exc:
        _pay(approved, finance, bank_reference="SECOND")
    assert exc.value.code == "statement_already_paid" and exc.value.status == 409
    assert Payment.objects.count() == 1 and Payment.objects.get().bank_reference == "CNAPS-20260405-0001"


@pytest.mark.parametrize("role", ["buyer", "supplier"])
def test_only_finance_records_payments(role, approved, account, buyer, supplier_user_a):
    with pytest.raises(DomainError) as exc:
        _pay(approved, buyer if role == "buyer" else supplier_user_a)
    assert exc.value.code == "permission_denied"
    _assert_nothing_paid(approved)


def test_a_statement_that_is_not_approved_cannot_be_paid(finance, supplier_a, entity, account):
    make_invoice(supplier_a, entity)
    statement = svc.statement_create(
        kind="invoice_first",
        supplier=supplier_a,
        legal_entity=entity,
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        actor=finance,
    )
    with pytest.raises(DomainError) as exc:
        _pay(statement, finance, amount="1130.00")
    assert exc.value.code == "statement_not_approved" and exc.value.status == 409
    assert Statement.objects.get(pk=statement.pk).state == "draft" and not Payment.objects.exists()


def test_bank_reference_and_a_past_date_are_required(approved, account, finance):
    with pytest.raises(DomainError) as exc:
        _pay(approved, finance, bank_reference="  ")
    assert exc.value.code == "bank_reference_required"
    with pytest.raises(DomainError) as exc:
        _pay(approved, finance, paid_on=timezone.localdate() + timedelta(days=1))
    assert exc.value.code == "paid_on_in_future"
    _assert_nothing_paid(approved)


def test_a_later_account_change_does_not_rewrite_the_payment(
    approved, account, finance, supplier_a, supplier_user_a
):
    from suppliers.services import bank_account_add, bank_account_approve

    payment = _pay(approved, finance)
    new = bank_account_add(
        supplier=supplier_a,
        bank_name="BOC",
        account_name=supplier_a.name,
        account_number="6217000011112222",
        actor=supplier_user_a,
        replaces=account,
    )
    bank_account_approve(account=new, actor=finance)
    payment.refresh_from_db()
    assert (
        payment.bank_account_id == account.pk
        and payment.bank_name == "ICBC"
        and payment.account_last4 == "9876"
    )


def test_the_database_holds_one_payment_per_statement_and_one_per_invoice(approved, account, finance):
    from django.db import IntegrityError, transaction

    payment = _pay(approved, finance)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            statement=approved,
            supplier=approved.supplier,
            amount=Decimal("1.00"),
            currency="CNY",
            paid_on=payment.paid_on,
            bank_reference="again",
            bank_account=account,
            bank_name="x",
            account_name="x",
            account_last4="0000",
            recorded_by=finance,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentInvoice.objects.create(
            payment=payment, invoice=payment.invoices.first().invoice, amount=Decimal("1")
        )
    assert Payment.objects.count() == 1


def other_finance():
    """A second finance user: who prepared a statement does not approve it (four eyes)."""
    from tests.factories import UserFactory

    return UserFactory(username="finance-approver", role="finance")
