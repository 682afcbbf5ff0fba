"""The supplier's view: its statement of account (invoices, credit notes, deductions, payments
with their remittance, running balance) as a page, CSV and PDF; never another supplier's."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from settlement.services import statements as svc
from settlement.services.payments import payment_record
from tests.factories import LegalEntityFactory, make_approved_bank_account
from tests.settlement.payment_run_builders import approver
from tests.settlement.statement_builders import PERIOD, make_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_and_open(finance, supplier_a, supplier_user_a):
    """A paid statement (invoice 1130, credit note −113, deduction −17 → 1000 paid) and an
    approved invoice of 565 not yet on a statement."""
    entity = LegalEntityFactory()
    make_approved_bank_account(supplier_a, number="6222020200119876")
    invoice = make_invoice(supplier_a, entity, lines=(("1000.00", "0.13"),))
    make_invoice(supplier_a, entity, lines=(("100.00", "0.13"),), credit_note=True, corrects=invoice)
    st = svc.statement_create(
        kind="invoice_first",
        supplier=supplier_a,
        legal_entity=entity,
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        actor=finance,
    )
    svc.statement_deduction_add(statement=st, amount="17.00", reason="=包装破损", actor=finance)
    st = svc.statement_confirm(
        statement=svc.statement_send(statement=st, actor=finance), actor=supplier_user_a
    )
    st = svc.statement_approve(statement=st, actor=approver())
    payment_record(statement=st, amount="1000.00", bank_reference="CNAPS-777", actor=finance)
    make_invoice(
        supplier_a, entity, lines=(("500.00", "0.13"),), issue_date=PERIOD[1], number="26350000000000009999"
    )
    return st


def test_the_supplier_reads_its_statement_of_account_with_remittance_and_balance(
    client_as, supplier_user_a, supplier_a, paid_and_open
):
    c = client_as(supplier_user_a)
    own = c.get(reverse("my-account"))  # the navigation's link shows the supplier's own account
    assert own.status_code == 200 and own.context["account"]["supplier"] == supplier_a

    page = c.get(reverse("supplier-account", args=[supplier_a.pk]), HTTP_ACCEPT_LANGUAGE="en")

    text = page.content.decode()
    assert page.status_code == 200
    assert "CNAPS-777" in text and "final payment of statement " + paid_and_open.number in text
    assert "Settled" in text and "****9876" in text and "6222020200119876" not in text
    assert "26350000000000009999" in text
    assert page.context["account"]["closing"] == Decimal("565.00")  # 1130 − 113 − 17 − 1000 + 565
    assert page.context["account"]["paid"] == Decimal("1000.00")


def test_the_statement_of_account_as_csv_and_pdf(client_as, supplier_user_a, supplier_a, paid_and_open):
    c = client_as(supplier_user_a)
    url = reverse("supplier-account", args=[supplier_a.pk])

    body = c.get(url, {"format": "csv"}).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert "'=包装破损" in body and "CNAPS-777" in body and rows[-1][7] == "565.00"

    pdf = c.get(url, {"format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert b"WenQuanYi" in pdf.content  # the embedded CJK font


def test_a_period_starts_with_the_opening_balance(client_as, supplier_user_a, supplier_a, paid_and_open):
    page = client_as(supplier_user_a).get(
        reverse("supplier-account", args=[supplier_a.pk]), {"from": PERIOD[1].isoformat(), "to": "2099-12-31"}
    )
    account = page.context["account"]
    assert account["closing"] == Decimal("565.00")
    # before the period: the invoice and its credit note (the deduction is dated when finance made it)
    assert account["opening"] == Decimal("1130.00") - Decimal("113.00")


def test_a_supplier_user_gets_404_for_another_suppliers_account(
    client_as, supplier_user_b, supplier_a, paid_and_open
):
    c = client_as(supplier_user_b)
    for fmt in ("", "csv", "pdf"):
        assert (
            c.get(
                reverse("supplier-account", args=[supplier_a.pk]), {"format": fmt} if fmt else {}
            ).status_code
            == 404
        )
    statement_invoice = paid_and_open.lines.filter(invoice__isnull=False).first().invoice
    assert c.get(reverse("invoice-detail", args=[statement_invoice.pk])).status_code == 404
    assert (
        c.post(
            reverse("invoice-hold", args=[statement_invoice.pk]), {"on_hold": "1", "reason": "x"}
        ).status_code
        == 404
    )


def test_finance_chooses_a_supplier(client_as, finance, supplier_a, paid_and_open):
    c = client_as(finance)
    assert c.get(reverse("my-account")).status_code == 200
    assert c.get(reverse("my-account"), {"supplier": supplier_a.pk})["Location"] == reverse(
        "supplier-account", args=[supplier_a.pk]
    )
    assert c.get(reverse("supplier-account", args=[supplier_a.pk])).status_code == 200
