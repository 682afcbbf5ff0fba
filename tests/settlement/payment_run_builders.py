"""Approved statements and invoices ready for a payment run, the accounts a run needs, and the
run's own steps through the pages (propose, approve and confirm paid)."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from core.services import run_transition
from settlement.models import HouseBankAccount, PaymentRun
from settlement.services import statements as svc
from suppliers.models import PaymentTerm
from tests.factories import LegalEntityFactory, UserFactory, make_approved_bank_account
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


def entity_with_house_account():
    """The buying legal entity, with the house account its runs pay from."""
    entity = LegalEntityFactory(name="上海采购有限公司")
    house_account(entity)
    return entity


def supplier_accounts(supplier_a, supplier_b):
    """An approved bank account for each of the two suppliers (a run pays only approved ones)."""
    make_approved_bank_account(supplier_a, number="6222020200119876")
    make_approved_bank_account(supplier_b, number="6217000011114444")


def propose_run(client, entity, *, due_by=None, execution_date=None):
    """Finance proposes a run on the new-run page; the run it made."""
    data = {
        "legal_entity": entity.pk,
        "currency": "CNY",
        "due_by": (due_by or timezone.localdate() + timedelta(days=400)).isoformat(),
    }
    if execution_date:
        data["execution_date"] = execution_date.isoformat()
    response = client.post(reverse("payment-run-new"), data)
    assert response.status_code == 302, response.content[:800]
    return PaymentRun.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def pay_run(client_as, finance, run, reference="CNAPS-LOOSE-1"):
    """Another finance user approves the run, then finance confirms it paid with a bank reference."""
    client_as(approver(f"approver-{run.pk}")).post(reverse("payment-run-approve", args=[run.pk]))
    response = client_as(finance).post(
        reverse("payment-run-confirm", args=[run.pk]), {"bank_reference": reference}
    )
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.state == "paid", run.state
