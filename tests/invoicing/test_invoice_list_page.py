"""The invoice list: filters, sorting, pagination, CSV export, scoping, flat query count."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from invoicing.models import Invoice, StoredFile

pytestmark = pytest.mark.django_db


def _invoice(supplier, n, *, state="validated", issued=date(2026, 11, 1), gross="113.00", number=None):
    stored = StoredFile.objects.create(
        sha256=f"{supplier.pk:08d}{n:056d}", size=1, path=f"x/{supplier.pk}/{n}"
    )
    return Invoice.objects.create(
        supplier=supplier,
        file=stored,
        invoice_number=number or f"2644{n:08d}",
        issue_date=issued,
        gross_amount=Decimal(gross),
        currency="CNY",
        state=state,
    )


def _numbers(response):
    return re.findall(r'<a href="/invoices/\d+/">([^<]*)</a>', response.content.decode())


def test_filters_by_state_search_and_issue_dates(client, finance, supplier_a):
    _invoice(supplier_a, 1, state="rejected", issued=date(2026, 10, 1))
    _invoice(supplier_a, 2, state="validated", issued=date(2026, 11, 5))
    _invoice(supplier_a, 3, state="validated", issued=date(2026, 12, 5))
    client.force_login(finance)
    assert _numbers(client.get("/invoices/?state=validated&sort=number")) == ["264400000002", "264400000003"]
    assert _numbers(client.get("/invoices/?q=00003")) == ["264400000003"]
    assert _numbers(client.get("/invoices/?issued_from=2026-11-01&issued_to=2026-11-30")) == ["264400000002"]


def test_sorting_follows_the_header_and_an_unknown_sort_key_is_ignored(client, finance, supplier_a):
    _invoice(supplier_a, 1, gross="300.00")
    _invoice(supplier_a, 2, gross="100.00")
    _invoice(supplier_a, 3, gross="200.00")
    client.force_login(finance)
    assert _numbers(client.get("/invoices/?sort=gross")) == ["264400000002", "264400000003", "264400000001"]
    assert _numbers(client.get("/invoices/?sort=-gross")) == ["264400000001", "264400000003", "264400000002"]
    response = client.get("/invoices/?sort=file__path&state=nonsense")
    assert response.status_code == 200 and len(_numbers(response)) == 3


def test_pages_hold_25_rows_and_keep_the_filters_in_the_pager_links(client, finance, supplier_a):
    for n in range(30):
        _invoice(supplier_a, n)
    client.force_login(finance)
    first = client.get("/invoices/?state=validated")
    assert len(_numbers(first)) == 25
    assert "state=validated&amp;sort=-received&amp;page=2" in first.content.decode()
    assert len(_numbers(client.get("/invoices/?state=validated&page=2"))) == 5


def test_the_csv_export_has_the_filtered_rows_a_bom_and_defused_formulas(client, finance, supplier_a):
    _invoice(supplier_a, 1, number='=HYPERLINK("http://evil")')
    _invoice(supplier_a, 2, state="rejected")
    client.force_login(finance)
    response = client.get("/invoices/?state=validated&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeffNumber,Supplier,Issued,Document type,Gross,")
    lines = text.strip().splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("\"'=HYPERLINK(")
    assert "113.00" in lines[1]


def test_a_supplier_user_lists_and_exports_only_its_own_invoices(
    client, supplier_a, supplier_b, supplier_user_a
):
    _invoice(supplier_a, 1, number="OWN-1")
    _invoice(supplier_b, 2, number="FOREIGN-2")
    client.force_login(supplier_user_a)
    assert _numbers(client.get("/invoices/")) == ["OWN-1"]
    text = b"".join(client.get("/invoices/?format=csv").streaming_content).decode()
    assert "OWN-1" in text and "FOREIGN-2" not in text


def test_a_page_costs_the_same_queries_for_10_and_200_invoices(client, finance, supplier_a):
    client.force_login(finance)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/invoices/").status_code == 200
        return len(ctx)

    for n in range(10):
        _invoice(supplier_a, n)
    small = queries()
    for n in range(10, 200):
        _invoice(supplier_a, n)
    assert queries() == small


def test_the_text_search_finds_by_number_seller_and_supplier_name_at_the_same_queries_for_10_and_200(
    client, finance, supplier_a, supplier_b
):
    client.force_login(finance)
    for n in range(10):
        _invoice(supplier_a, n)
    sold = _invoice(supplier_b, 9000, number="2644SOLD")
    Invoice.objects.filter(pk=sold.pk).update(seller_name="Seller-Written 卖方")

    def queries(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    url = "/invoices/?q=4400000"
    few = queries(url)
    for n in range(10, 200):
        _invoice(supplier_a, n)
    assert queries(url) == few
    assert len(_numbers(client.get(url))) == 25
    assert _numbers(client.get("/invoices/?q=seller-written")) == ["2644SOLD"]  # the seller's name
    by_supplier = _numbers(client.get(f"/invoices/?q={supplier_b.name[-3:]}"))  # a related row's column
    assert by_supplier == ["2644SOLD"]
    assert _numbers(client.get("/invoices/?q=no-such-thing")) == []


def test_a_long_list_counts_its_pages_only_so_far_and_says_or_more(client, finance, supplier_a, monkeypatch):
    from core import listing

    monkeypatch.setattr(listing, "COUNT_CAP", 50)
    for n in range(80):
        _invoice(supplier_a, n)
    client.force_login(finance)
    first = client.get("/invoices/").content.decode()
    assert "page 1 of 3 or more" in first and 'rel="next"' in first
    fourth = client.get("/invoices/?page=4").content.decode()  # counted to the page after it
    assert "page 4 of 4" in fourth and "or more" not in fourth and 'rel="next"' not in fourth
    assert len(_numbers(client.get("/invoices/?page=4"))) == 5
    monkeypatch.setattr(listing, "COUNT_CAP", 10_000)
    whole = client.get("/invoices/").content.decode()
    assert "page 1 of 4 <a" in whole and "or more" not in whole
