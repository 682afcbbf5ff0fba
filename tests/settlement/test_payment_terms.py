"""Payment terms as data: an approved invoice and a statement carry their due date and the terms
it came from (PO over contract over supplier), shown on their pages with the terms' name."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from core.services import run_transition
from procurement.models import PurchaseOrderLine
from settlement.models import InvoiceDue
from suppliers.models import PaymentTerm
from suppliers.payment_terms import END_OF_MONTH, INVOICE_DATE, Terms, discount_amount, due
from tests.factories import LegalEntityFactory, make_active_contract, make_purchase_order
from tests.settlement.payment_run_builders import approved_statement
from tests.settlement.statement_builders import make_invoice

pytestmark = pytest.mark.django_db


def test_the_arithmetic_of_terms():
    assert due(Terms(END_OF_MONTH, 30), date(2026, 3, 10)).due_date == date(2026, 4, 30)
    assert due(Terms(END_OF_MONTH, 30), date(2026, 1, 31)).due_date == date(2026, 3, 2)
    assert due(Terms(END_OF_MONTH, 0), date(2024, 2, 3)).due_date == date(2024, 2, 29)
    assert due(Terms(INVOICE_DATE, 60), date(2026, 3, 10)).due_date == date(2026, 5, 9)
    early = due(Terms(INVOICE_DATE, 30, Decimal("2"), 10), date(2026, 3, 10))
    assert early.discount_until == date(2026, 3, 20) and early.discount_percent == Decimal("2")
    assert discount_amount(Decimal("1130.00"), Decimal("2")) == Decimal("22.60")


def term(code):
    return PaymentTerm.objects.get(code=code)


def _approve(invoice, finance):
    return run_transition(invoice, "approve", actor=finance, reason="test")


def test_an_approved_invoice_is_due_by_its_suppliers_terms(finance, supplier_a):
    supplier_a.payment_term = term("eom-30")
    supplier_a.save()
    invoice = make_invoice(supplier_a, LegalEntityFactory(), state="matched", issue_date=date(2026, 3, 10))

    _approve(invoice, finance)

    row = InvoiceDue.objects.get(invoice=invoice)
    assert row.due_date == date(2026, 4, 30) and row.term_source == "supplier"
    assert row.payment_term.name_zh == "月结 30 天"


def test_the_po_overrides_the_contract_which_overrides_the_supplier(finance, buyer, supplier_a):
    entity = LegalEntityFactory()
    supplier_a.payment_term = term("eom-30")
    supplier_a.save()
    contract = make_active_contract(supplier_a)
    contract.payment_term = term("net-60")
    contract.save()
    po = make_purchase_order(requester=buyer, supplier=supplier_a, legal_entity=entity, state="sent")
    price_line = contract.current_version.lines.first()
    PurchaseOrderLine.objects.filter(po=po).update(contract_line_ref=str(price_line.pk))
    invoice = make_invoice(supplier_a, entity, state="matched", issue_date=date(2026, 3, 10))
    invoice.po_references = [po.number]
    invoice.save()

    _approve(invoice, finance)
    row = InvoiceDue.objects.get(invoice=invoice)
    assert (row.term_source, row.due_date) == ("contract", date(2026, 5, 9))

    po.payment_term = term("2-10-net-30")
    po.save()
    run_transition(invoice, "reopen_match", actor=None)
    invoice.refresh_from_db()
    run_transition(invoice, "match", actor=None)
    _approve(invoice, finance)
    row.refresh_from_db()
    assert (row.term_source, row.due_date, row.discount_until) == ("po", date(2026, 4, 9), date(2026, 3, 20))


def test_a_statement_carries_its_due_date_and_terms_on_its_page(
    client_as, finance, supplier_a, supplier_user_a
):
    supplier_a.payment_term = term("eom-60")
    supplier_a.save()
    statement = approved_statement(supplier_a, supplier_user_a, LegalEntityFactory(), finance)

    assert statement.due_date == date(2026, 5, 30) and statement.term_source == "supplier"
    en = client_as(finance).get(reverse("statement-detail", args=[statement.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "End of month + 60 days" in en.content.decode()
    client_as(supplier_user_a)
    zh = client_as(supplier_user_a).get(
        reverse("statement-detail", args=[statement.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert "月结 60 天" in zh.content.decode()


def test_the_invoice_page_shows_due_date_terms_and_status_to_its_supplier(
    client_as, finance, supplier_a, supplier_user_a, supplier_user_b
):
    supplier_a.payment_term = term("net-30")
    supplier_a.save()
    invoice = make_invoice(supplier_a, LegalEntityFactory(), state="matched", issue_date=date(2026, 3, 10))
    _approve(invoice, finance)

    page = (
        client_as(supplier_user_a)
        .get(reverse("invoice-detail", args=[invoice.pk]), HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    assert "Net 30" in page and "overdue since April 9, 2026" in page
    assert client_as(supplier_user_b).get(reverse("invoice-detail", args=[invoice.pk])).status_code == 404


def test_finance_holds_an_invoice_and_its_statement_is_left_out_of_runs(
    client_as, finance, supplier_a, supplier_user_a
):
    from tests.factories import make_approved_bank_account
    from tests.settlement.payment_run_builders import house_account

    entity = LegalEntityFactory()
    house_account(entity)
    make_approved_bank_account(supplier_a)
    invoice = make_invoice(supplier_a, entity, state="matched", issue_date=date(2026, 3, 10))
    _approve(invoice, finance)
    client_as(finance).post(
        reverse("invoice-hold", args=[invoice.pk]), {"on_hold": "1", "reason": "缺少签收单"}
    )
    assert InvoiceDue.objects.get(invoice=invoice).on_hold
    from settlement.services import statements as svc
    from tests.settlement.payment_run_builders import approver

    st = svc.statement_create(
        kind="invoice_first",
        supplier=supplier_a,
        legal_entity=entity,
        period_from=date(2026, 3, 1),
        period_to=date(2026, 3, 31),
        actor=finance,
    )
    st = svc.statement_confirm(
        statement=svc.statement_send(statement=st, actor=finance), actor=supplier_user_a
    )
    svc.statement_approve(statement=st, actor=approver())
    response = client_as(finance).post(
        reverse("payment-run-new"), {"legal_entity": entity.pk, "currency": "CNY", "due_by": "2099-01-01"}
    )
    assert response.status_code == 302
    from settlement.models import PaymentRun

    assert not PaymentRun.objects.exists()  # the only statement holds an invoice on hold: nothing due


def test_finance_sets_a_suppliers_terms_on_its_page_and_a_supplier_user_cannot(
    client_as, finance, supplier_a, supplier_user_a, supplier_user_b
):
    from core.selectors import transition_log_for

    url = reverse("payment-term-set", args=["supplier", supplier_a.pk])
    page = client_as(finance).get(reverse("supplier-detail", args=[supplier_a.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Save payment terms" in page.content.decode()

    client_as(finance).post(url, {"term": term("eom-30").pk})
    supplier_a.refresh_from_db()
    assert supplier_a.payment_term.code == "eom-30"
    assert transition_log_for(supplier_a).filter(transition="payment_term_set", actor=finance).exists()

    assert client_as(supplier_user_b).post(url, {"term": term("net-60").pk}).status_code == 404
    assert client_as(supplier_user_a).post(url, {"term": term("net-60").pk}).status_code == 403
    assert client_as(finance).post(reverse("payment-term-set", args=["nope", 1])).status_code == 404
    supplier_a.refresh_from_db()
    assert supplier_a.payment_term.code == "eom-30"


def test_a_po_can_override_the_terms_on_its_page(client_as, finance, buyer, supplier_a):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="sent")
    client_as(buyer).post(reverse("payment-term-set", args=["po", po.pk]), {"term": term("net-60").pk})
    po.refresh_from_db()
    assert po.payment_term.code == "net-60"
    page = (
        client_as(buyer).get(reverse("po-detail", args=[po.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    assert "Net 60" in page
