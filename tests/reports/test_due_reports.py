"""Reports by due date: aging buckets, payments due per week, days payable outstanding; each with
its table and CSV; staff only."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from reports import due
from settlement.models import InvoiceDue
from tests.factories import LegalEntityFactory
from tests.settlement.statement_builders import make_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def payables(supplier_a):
    today = timezone.localdate()
    entity = LegalEntityFactory()
    for days_overdue, net in ((-10, "100.00"), (5, "200.00"), (45, "300.00"), (120, "400.00")):
        inv = make_invoice(supplier_a, entity, lines=((net, "0"),), issue_date=today - timedelta(days=150))
        InvoiceDue.objects.create(
            invoice=inv,
            term_source="none",
            base_date=inv.issue_date,
            due_date=today - timedelta(days=days_overdue),
        )
    return today


def test_aging_puts_each_open_invoice_in_its_bucket(finance, payables):
    rows = due.aging_by_due_date(finance)["rows"]
    by_label = {r["label"]: r["invoices"] for r in rows}
    assert list(by_label.values()) == [
        Decimal("100.00"),
        Decimal("200.00"),
        Decimal("300.00"),
        Decimal("0.00"),
        Decimal("400.00"),
    ]


def test_the_cash_forecast_puts_overdue_in_this_week(finance, payables):
    rows = due.payments_due_per_week(finance)["rows"]
    assert rows[0]["invoices"] == Decimal("900.00")  # everything overdue
    assert sum(r["total"] for r in rows) == Decimal("1000.00")


def test_dpo_divides_what_is_open_by_what_was_approved(finance, payables):
    figures = due.days_payable_outstanding(finance, days=365)
    assert figures["open_total"] == Decimal("1000.00") and figures["approved"] == Decimal("1000.00")
    assert figures["dpo"] == Decimal("365.00")


def test_the_page_has_each_chart_with_its_table_and_csv(client_as, finance, payables):
    c = client_as(finance)
    page = c.get(reverse("reports-due"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count("<svg") == 3 and "over 90 days overdue" in page and "Days payable outstanding" in page
    for table, first in (("aging", "bucket"), ("forecast", "week_from"), ("dpo", "month")):
        body = c.get(reverse("reports-due"), {"format": "csv", "table": table}).content.decode("utf-8-sig")
        assert body.startswith(first)
    assert "400.00" in c.get(reverse("reports-due"), {"format": "csv"}).content.decode()


def test_supplier_users_cannot_read_the_reports(client_as, supplier_user_a, payables):
    assert client_as(supplier_user_a).get(reverse("reports-due")).status_code == 403
