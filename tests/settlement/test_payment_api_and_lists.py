"""What finance and suppliers read of payments outside the run page: the payment-run and
payment-terms API (finance only for runs), the invoice API's due date, payment status and
payments received (a supplier's own invoices only), the invoice lists' due-date and payment
columns (sortable, filterable), and the statement of account's CSV header in the reader's
language."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from core import formatting
from core.services import api_token_create
from tests.settlement.payment_run_builders import (
    approved_invoice,
    approved_statement,
    entity_with_house_account,
    pay_run,
    propose_run,
    supplier_accounts,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def entity(db):
    return entity_with_house_account()


@pytest.fixture
def world(client_as, finance, entity, supplier_a, supplier_b, supplier_user_a):
    """A's invoice paid directly by a run, A's statement paid in part, B's invoice unpaid."""
    supplier_accounts(supplier_a, supplier_b)
    statement = approved_statement(supplier_a, supplier_user_a, entity, finance, net="1000.00")
    paid = approved_invoice(supplier_a, entity, finance, net="200.00", term="2-10-net-30")
    run = propose_run(client_as(finance), entity)
    line = run.lines.get(statement=statement)
    client_as(finance).post(reverse("payment-run-line-amount", args=[run.pk, line.pk]), {"amount": "500.00"})
    pay_run(client_as, finance, run, reference="CNAPS-API")
    foreign = approved_invoice(supplier_b, entity, finance, net="300.00")
    on_statement = statement.lines.get(invoice__isnull=False).invoice
    return {"run": run, "paid": paid, "partly": on_statement, "foreign": foreign, "statement": statement}


def _api(client, token, url, **params):
    return client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_finance_reads_payment_runs_and_their_lines_by_api(client, finance, world):
    token = api_token_create(user=finance, name="erp")[1]
    listed = _api(client, token, "/api/payment-runs", limit=1)
    assert listed.status_code == 200
    assert [r["number"] for r in listed.json()] == [world["run"].number]
    assert "X-Next-Cursor" not in listed or listed.json()

    detail = _api(client, token, f"/api/payment-runs/{world['run'].pk}").json()
    assert detail["state"] == "paid" and Decimal(detail["total"]) == Decimal("500.00") + Decimal("221.48")
    loose = next(line for line in detail["lines"] if line["statement_id"] is None)
    assert [i["invoice_id"] for i in loose["invoices"]] == [world["paid"].pk]
    assert Decimal(loose["discount_amount"]) == Decimal("4.52") and loose["discount_taken"] is True
    assert loose["discount_term_code"] == "2-10-net-30" and Decimal(loose["amount"]) == Decimal("221.48")
    part = next(line for line in detail["lines"] if line["statement_id"] == world["statement"].pk)
    assert Decimal(part["amount"]) == Decimal("500.00") and part["invoices"] == []


def test_nobody_but_finance_reads_payment_runs_by_api(client, supplier_user_a, buyer, world):
    for user in (supplier_user_a, buyer):
        token = api_token_create(user=user, name="erp")[1]
        assert _api(client, token, "/api/payment-runs").status_code == 403
        assert _api(client, token, f"/api/payment-runs/{world['run'].pk}").status_code == 404


def test_payment_terms_are_read_by_api(client, supplier_user_a, world):
    token = api_token_create(user=supplier_user_a, name="erp")[1]
    terms = _api(client, token, "/api/payment-terms").json()
    early = next(t for t in terms if t["code"] == "2-10-net-30")
    assert Decimal(early["discount_percent"]) == Decimal("2") and early["discount_days"] == 10
    one = _api(client, token, f"/api/payment-terms/{early['id']}")
    assert one.status_code == 200 and one.json()["days"] == 30
    assert _api(client, token, "/api/payment-terms/999999").status_code == 404


def test_a_supplier_reads_due_date_and_payment_status_of_its_own_invoices_only(
    client, supplier_user_a, world
):
    token = api_token_create(user=supplier_user_a, name="erp")[1]
    rows = {r["id"]: r for r in _api(client, token, "/api/invoices/").json()}
    assert world["foreign"].pk not in rows
    paid, partly = rows[world["paid"].pk], rows[world["partly"].pk]
    assert paid["payment_status"] == "paid" and Decimal(paid["paid_amount"]) == Decimal("221.48")
    assert paid["due_date"] == world["paid"].due.due_date.isoformat()
    assert partly["payment_status"] == "partly_paid" and Decimal(partly["paid_amount"]) == Decimal("500.00")

    detail = _api(client, token, f"/api/invoices/{world['paid'].pk}").json()
    assert [(Decimal(p["amount"]), Decimal(p["discount_amount"])) for p in detail["payments"]] == [
        (Decimal("221.48"), Decimal("4.52"))
    ]
    assert detail["payments"][0]["bank_reference"].startswith("CNAPS-API")
    part = _api(client, token, f"/api/invoices/{world['partly'].pk}").json()
    assert [Decimal(p["amount"]) for p in part["payments"]] == [Decimal("500.00")]
    assert part["payments"][0]["is_final"] is False
    assert _api(client, token, f"/api/invoices/{world['foreign'].pk}").status_code == 404


def test_the_unpaid_status_and_the_payments_api_for_a_run_payment(client, finance, world):
    token = api_token_create(user=finance, name="erp")[1]
    foreign = _api(client, token, f"/api/invoices/{world['foreign'].pk}").json()
    assert foreign["payment_status"] == "unpaid" and foreign["payments"] == []
    payments = _api(client, token, "/api/payments").json()
    direct = next(p for p in payments if p["statement_id"] is None)
    assert direct["invoice_ids"] == [world["paid"].pk] and Decimal(direct["discount_amount"]) == Decimal(
        "4.52"
    )


def test_invoice_lists_show_the_due_date_and_payment_status_sorted_and_filtered(
    client_as, finance, supplier_user_a, world
):
    page = client_as(finance).get(reverse("invoice-list"), HTTP_ACCEPT_LANGUAGE="en")
    body = page.content.decode()
    assert "Due date" in body and "Payment" in body
    with translation.override("en"):
        assert f"partly paid: {formatting.amount(Decimal('500.00'), 'CNY')}" in body
        assert f"paid on {formatting.day(timezone.localdate())}" in body
    assert "unpaid" in body

    due_paid = world["paid"].due.due_date
    late = client_as(finance).get(
        reverse("invoice-list"), {"due_from": (due_paid + timedelta(days=1)).isoformat()}
    )
    assert world["paid"].invoice_number not in late.content.decode()
    upto = client_as(finance).get(reverse("invoice-list"), {"due_to": due_paid.isoformat()}).content.decode()
    assert world["paid"].invoice_number in upto
    only_paid = client_as(finance).get(reverse("invoice-list"), {"payment": "paid"}).content.decode()
    assert world["paid"].invoice_number in only_paid and world["foreign"].invoice_number not in only_paid
    by_due = client_as(finance).get(reverse("invoice-list"), {"sort": "due"})
    assert by_due.status_code == 200 and by_due.context["listing"].sort == "due"

    own = client_as(supplier_user_a).get(reverse("invoice-list")).content.decode()
    assert world["paid"].invoice_number in own and world["foreign"].invoice_number not in own
    assert "partly paid" in own

    exported = client_as(finance).get(reverse("invoice-list"), {"format": "csv"})
    text = b"".join(exported.streaming_content).decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert "Due date" in header and "Payment" in header


def test_the_statement_of_account_csv_header_is_in_the_readers_language(
    client_as, supplier_user_a, supplier_a, world
):
    url = reverse("supplier-account", args=[supplier_a.pk])
    english = client_as(supplier_user_a).get(url, {"format": "csv"}, HTTP_ACCEPT_LANGUAGE="en")
    rows = list(csv.reader(io.StringIO(english.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Date",
        "Kind",
        "Reference",
        "Due date",
        "Status",
        "Detail",
        "Amount",
        "Balance",
        "Currency",
    ]
    assert rows[1][1] == "Opening balance"
    assert "Early-payment discount" in {r[1] for r in rows}

    chinese = client_as(supplier_user_a).get(url, {"format": "csv"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    header = next(csv.reader(io.StringIO(chinese.content.decode("utf-8-sig"))))
    with translation.override("zh-hans"):
        assert header[0] == translation.gettext("Date") and header[6] == translation.gettext("Amount")
    assert "date" not in header and "kind" not in header
