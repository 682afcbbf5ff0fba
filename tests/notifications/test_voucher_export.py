"""The voucher CSV: approved invoices and payments of a period, one row per voucher line."""

from __future__ import annotations

import csv
import io

import pytest

from core.services import api_token_create
from tests.factories import LegalEntityFactory, SupplierFactory
from tests.settlement.statement_builders import make_invoice


@pytest.fixture
def entity(db):
    return LegalEntityFactory()


def _approve(client, finance, invoice):
    raw = api_token_create(user=finance, name="t")[1]
    response = client.post(
        f"/api/matching/invoices/{invoice.pk}/accept",
        {"reason": "agreed"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 200, response.content


def _rows(response):
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_an_approved_invoice_is_three_voucher_lines_that_balance(client, finance, entity):
    hostile = SupplierFactory(name='=HYPERLINK("http://x")', state="approved")
    invoice = make_invoice(hostile, entity, state="exception", number="26312000000000000099")
    make_invoice(hostile, entity, state="exception")  # never approved: not in the export
    _approve(client, finance, invoice)
    client.force_login(finance)
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    response = client.get("/integrations/vouchers/", {"format": "csv", "from": today, "to": today})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    header, *rows = _rows(response)
    assert header[:8] == [
        "Voucher number",
        "Date",
        "Voucher type",
        "Line",
        "Summary",
        "Account",
        "Debit",
        "Credit",
    ]
    assert [r[0] for r in rows] == [f"INV-{invoice.pk}"] * 3
    assert [r[5] for r in rows] == ["{PURCHASE}", "{INPUT_VAT}", "{ACCOUNTS_PAYABLE}"]
    assert [(r[6], r[7]) for r in rows] == [("1000.00", ""), ("130.00", ""), ("", "1130.00")]
    assert rows[0][8] == '\'=HYPERLINK("http://x")'  # formula-guarded
    assert rows[0][11:15] == ["1000.00", "130.00", "1130.00", "26312000000000000099"]
    assert rows[0][1] == today and rows[0][10] == "CNY"


def test_a_bad_period_is_refused_and_suppliers_cannot_export(client, finance, supplier_user_a):
    client.force_login(finance)
    response = client.get(
        "/integrations/vouchers/", {"format": "csv", "from": "2026-03-31", "to": "2026-03-01"}
    )
    assert response.status_code == 400 and "ends before it starts" in response.content.decode()
    response = client.get(
        "/integrations/vouchers/", {"format": "csv", "from": "2026-13-01", "to": "2026-03-01"}
    )
    assert response.status_code == 400
    client.force_login(supplier_user_a)
    assert client.get("/integrations/vouchers/", {"format": "csv"}).status_code == 403


def test_a_payment_is_two_voucher_lines_naming_its_statement_and_invoices(
    client, finance, supplier_a, supplier_user_a, entity
):
    from django.utils import timezone

    from settlement.services.payments import payment_record
    from tests.factories import make_approved_bank_account
    from tests.settlement.statement_builders import make_approved_statement

    make_invoice(supplier_a, entity, lines=(("1000.00", "0.13"),), number="26312000000000000055")
    statement = make_approved_statement(finance, supplier_a, supplier_user_a, entity)
    make_approved_bank_account(supplier_a)
    payment = payment_record(statement=statement, amount="1130.00", bank_reference="CNAPS-9", actor=finance)
    client.force_login(finance)
    today = timezone.localdate().isoformat()
    _header, *rows = _rows(
        client.get("/integrations/vouchers/", {"format": "csv", "from": today, "to": today})
    )
    assert [r[0] for r in rows] == [f"PAY-{payment.pk}"] * 2
    assert [(r[5], r[6], r[7]) for r in rows] == [
        ("{ACCOUNTS_PAYABLE}", "1130.00", ""),
        ("{BANK}", "", "1130.00"),
    ]
    assert rows[0][11:16] == ["1000.00", "130.00", "1130.00", statement.number, "26312000000000000055"]
    assert "CNAPS-9" in rows[0][4]
