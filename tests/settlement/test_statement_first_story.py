"""The whole statement-first story through the real services: goods received → statement →
supplier confirms → invoice plan → the supplier uploads a 数电 XML invoice built to the plan →
validation → the plan claims it (no three-way matching) → statement invoiced → approved → paid."""

from datetime import date
from decimal import Decimal

import pytest

from core.selectors import transition_log_for
from invoicing.models import Invoice
from invoicing.services import invoice_upload
from settlement.models import Payment, Statement
from settlement.selectors.statements import invoice_plan_csv
from settlement.services import statements as svc
from settlement.services.payments import payment_record
from tests.factories import (
    LegalEntityFactory,
    SupplierFactory,
    make_approved_bank_account,
    make_supplier_user,
)
from tests.invoicing.cn_xml_builder import BUYER_ID, BUYER_NAME, SELLER_ID, SELLER_NAME, build_cn_xml, item
from tests.settlement.statement_builders import make_received_po

pytestmark = pytest.mark.django_db


def test_receipts_to_paid_through_an_invoice_plan_and_a_real_cn_xml_invoice(
    buyer, finance, django_capture_on_commit_callbacks
):
    supplier = SupplierFactory(name=SELLER_NAME, tax_id=SELLER_ID, state="approved")
    seller_user = make_supplier_user(supplier, "seller-user")
    entity = LegalEntityFactory(name=BUYER_NAME, tax_id=BUYER_ID)
    make_approved_bank_account(supplier)
    make_received_po(
        buyer,
        supplier,
        entity,
        lines=((10, "25", "0.13"), (2, "30", "0.13"), (1, "1000", "0.06")),
        receipt_date=date(2026, 3, 1),
    )

    statement = svc.statement_create(
        kind="statement_first",
        supplier=supplier,
        legal_entity=entity,
        period_from=date(2026, 3, 1),
        period_to=date(2026, 3, 31),
        actor=finance,
    )
    statement = svc.statement_send(statement=statement, actor=finance)
    statement = svc.statement_confirm(statement=statement, actor=seller_user, reason="数量金额无误")
    plan = statement.invoice_plan
    assert {(r.tax_rate, r.net, r.tax) for r in plan.rates.all()} == {
        (Decimal("0.1300"), Decimal("310.00"), Decimal("40.30")),
        (Decimal("0.0600"), Decimal("1000.00"), Decimal("60.00")),
    }
    csv_text = invoice_plan_csv(plan)
    assert BUYER_ID in csv_text and BUYER_NAME in csv_text and "310.00" in csv_text

    # The supplier invoices exactly the plan: one 数电 invoice, lines written its own way.
    data = build_cn_xml(
        items=[
            item("*办公用品*复印纸", "10", "25", "0.13", unit="包"),
            item("*办公用品*订书机", "2", "30", "0.13"),
            item("*信息技术服务*安装调试", "1", "1000", "0.06", unit="项"),
        ],
        seller=(SELLER_ID, SELLER_NAME),
        buyer=(BUYER_ID, BUYER_NAME),
        issue_time="2026-04-02",
    )
    with django_capture_on_commit_callbacks(execute=True):
        invoice, created = invoice_upload(
            supplier=supplier, data=data, filename="plan.xml", actor=seller_user
        )
    assert created
    invoice = Invoice.objects.get(pk=invoice.pk)
    # validation passed → settlement.match_invoice → the plan claimed it before three-way matching
    assert invoice.state == "scheduled"
    assert not invoice.match_results.exists()
    steps = [(log.transition, log.actor) for log in transition_log_for(invoice).order_by("id")]
    assert steps[-3:] == [("match", None), ("approve", None), ("schedule", None)]
    statement = Statement.objects.get(pk=statement.pk)
    assert statement.state == "invoiced"
    assert statement.lines.get(kind="plan_invoice").invoice_id == invoice.pk

    statement = svc.statement_approve(
        statement=statement, actor=other_finance(), reason="plan fully invoiced"
    )
    payment = payment_record(
        statement=statement, amount=statement.gross_total, bank_reference="HVPS-0402-77", actor=finance
    )

    assert payment.amount == Decimal("1410.30")
    assert Statement.objects.get(pk=statement.pk).state == "paid"
    assert Invoice.objects.get(pk=invoice.pk).state == "paid"
    assert Payment.objects.get().invoices.get().invoice_id == invoice.pk
    assert [log.transition for log in transition_log_for(statement).order_by("id")] == [
        "send",
        "confirm",
        "mark_invoiced",
        "approve",
        "pay",
    ]


def other_finance():
    """A second finance user: who prepared a statement does not approve it (four eyes)."""
    from tests.factories import UserFactory

    return UserFactory(username="finance-approver", role="finance")
