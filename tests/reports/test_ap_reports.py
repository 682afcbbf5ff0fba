"""Accounts-payable reports through their pages: received but not invoiced (GR/IR), exceptions by
cause, tolerance near misses; each a chart, a table and a CSV, for buyer-organisation staff only,
at a number of queries that does not grow with the rows."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from settlement.models import ExceptionCase
from tests.factories import SupplierFactory
from tests.reports.ap_world import build

pytestmark = pytest.mark.django_db
PAGES = ("report-grir", "report-exceptions", "report-near-misses")


@pytest.fixture
def world(buyer, supplier_a, supplier_b):
    return build(buyer, supplier_a, supplier_b)


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def _get(client, name, language="en", **params):
    client.cookies["django_language"] = language
    return client.get(reverse(name), params, HTTP_ACCEPT_LANGUAGE=language)


def test_received_not_invoiced_values_open_receipts_at_the_po_price_by_supplier_po_and_age(
    client_as, finance, world, supplier_a, supplier_b
):
    response = _get(client_as(finance), "report-grir")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<svg" in page and "Received but not invoiced by age of the receipt" in page
    rows = {row.po_number: row for row in response.context["data"]["rows"]}
    # bolts: 100 received 45 days ago, 60 invoiced → 40 × 2.00; washers fully on an invoice (exception)
    assert rows[world.po_a.number].buckets == {"31–60": pytest.approx(80)}
    assert str(rows[world.po_a.number].total) == "80.00"
    # paper: 10 received today, the invoice names the PO but has no line of it → 10 × 5.00 open
    assert str(rows[world.po_b.number].buckets["0–30"]) == "50.00"
    assert "CN¥80.00" in page and "CN¥50.00" in page and "CN¥130.00" in page  # the total row

    exported = _csv(_get(client_as(finance), "report-grir", format="csv"))
    assert exported[0][:2] == ["Supplier", "Purchase order"]
    by_po = {r[1]: r for r in exported[1:]}
    assert by_po[world.po_a.number][0] == supplier_a.name
    assert by_po[world.po_a.number][-1] == "80.00" and by_po[world.po_b.number][-1] == "50.00"


def test_exceptions_are_counted_by_cause_supplier_and_category_in_the_readers_language(
    client_as, finance, world, supplier_a, supplier_b
):
    response = _get(client_as(finance), "report-exceptions")
    data = response.context["data"]
    assert {(t.key, t.label, t.cases) for t in data["by_cause"]} == {
        ("price_above_tolerance", "Unit price above tolerance", 1),
        ("no_po_line", "No PO line for the invoice line", 1),
    }
    assert {(t.label, t.cases, t.open) for t in data["by_supplier"]} == {
        (supplier_a.name, 1, 1),
        (supplier_b.name, 1, 1),
    }
    assert {(t.key, t.cases) for t in data["by_category"]} == {("hardware", 1), ("office", 1)}
    page = response.content.decode()
    assert page.count("<svg") == 3 and "Unit price above tolerance" in page

    chinese = _get(client_as(finance), "report-exceptions", language="zh-hans").content.decode()
    assert "price_above_tolerance" in chinese  # the code stays beside the words
    with translation.override("zh-hans"):
        from settlement.matching import reason_label

        assert reason_label("price_above_tolerance") in chinese

    rows = _csv(_get(client_as(finance), "report-exceptions", format="csv"))
    assert rows[0][:4] == ["Invoice", "Supplier", "Reason code", "Cause"]
    assert sorted(r[2] for r in rows[1:]) == ["no_po_line", "price_above_tolerance"]
    assert {r[4] for r in rows[1:]} == {"hardware", "office"}


def test_exceptions_outside_the_chosen_days_are_left_out_and_bad_days_are_refused_with_a_message(
    client_as, finance, world
):
    from datetime import timedelta

    from django.utils import timezone

    ExceptionCase.objects.filter(invoice=world.no_po).update(opened_at=timezone.now() - timedelta(days=40))
    client = client_as(finance)
    assert [t.key for t in _get(client, "report-exceptions", days="30").context["data"]["by_cause"]] == [
        "price_above_tolerance"
    ]
    refused = _get(client, "report-exceptions", days="9999")
    assert refused.status_code == 200
    assert "Days must be a whole number from 1 to 366; showing 90." in refused.content.decode()
    assert refused.context["data"]["days"] == 90


def test_near_misses_list_the_within_tolerance_invoice_near_its_limit_and_the_exception_just_over(
    client_as, finance, world
):
    response = _get(client_as(finance), "report-near-misses")
    rows = {r["row"].invoice_id: r for r in response.context["rows"]}
    assert set(rows) == {world.within.pk, world.just_over.pk}  # the no-PO exception is not a near miss
    within, over = rows[world.within.pk], rows[world.just_over.pk]
    assert within["row"].verdict == "matched_within_tolerance" and str(within["share"]) == "85.0"
    assert over["row"].verdict == "exception" and 100 < over["share"] <= 120
    page = response.content.decode()
    assert "85%" in page and "above: at most 2% and CN¥50.00" in page

    from_90 = _get(client_as(finance), "report-near-misses", near="90").context["rows"]
    assert [r["row"].invoice_id for r in from_90] == [world.just_over.pk]
    refused = _get(client_as(finance), "report-near-misses", over="100").content.decode()
    assert "Just over the limit up to (%) must be a whole number from 101 to 200; showing 120." in refused
    rows_csv = _csv(_get(client_as(finance), "report-near-misses", format="csv"))
    assert rows_csv[0][-2] == "Share of the limit used (%)"
    assert {r[0] for r in rows_csv[1:]} == {world.within.invoice_number, world.just_over.invoice_number}


def test_ap_reports_are_for_buyer_organisation_staff_only(client_as, buyer, supplier_user_a, world):
    for name in PAGES:
        assert _get(client_as(buyer), name).status_code == 200
        assert _get(client_as(supplier_user_a), name).status_code == 403
        assert _get(client_as(supplier_user_a), name, format="csv").status_code == 403


def test_a_supplier_name_that_looks_like_a_formula_is_exported_as_text(client_as, finance, buyer):
    evil = SupplierFactory(name='=HYPERLINK("http://x")', state="approved")
    other = SupplierFactory(name="@SUM(A1)", state="approved")
    build(buyer, evil, other)
    for name in PAGES:
        body = b"".join(_get(client_as(finance), name, format="csv").streaming_content).decode()
        assert "\n=" not in body and ",=" not in body and ",@" not in body and "\n@" not in body
    grir = _csv(_get(client_as(finance), "report-grir", format="csv"))
    assert '\'=HYPERLINK("http://x")' in [r[0] for r in grir]


@pytest.mark.parametrize("name", PAGES)
def test_report_queries_do_not_grow_with_the_rows(client_as, finance, buyer, supplier_a, supplier_b, name):
    build(buyer, supplier_a, supplier_b)
    client = client_as(finance)
    _get(client, name)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as small:
        assert _get(client, name).status_code == 200
    for n in range(3):
        build(
            buyer,
            SupplierFactory(name=f"More {n}", state="approved"),
            SupplierFactory(name=f"Other {n}", state="approved"),
            tag=f" {n}",
        )
    with CaptureQueriesContext(connection) as large:
        response = _get(client, name)
    assert len(response.context["data"]["rows"]) > 2
    assert len(large.captured_queries) == len(small.captured_queries)
