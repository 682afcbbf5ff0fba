"""Supplier and contract lists: filters, sorting, CSV and a flat query count (core.listing)."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import SupplierFactory, make_active_contract

pytestmark = pytest.mark.django_db


def _links(response, prefix):
    return re.findall(rf'<a href="{prefix}\d+/">([^<]*)</a>', response.content.decode())


def test_the_supplier_list_filters_by_state_and_search_and_sorts_by_name(client, buyer):
    SupplierFactory(name="乙 Beta", state="approved")
    SupplierFactory(name="Alpha", state="approved")
    SupplierFactory(name="Gamma", state="suspended")
    client.force_login(buyer)
    assert _links(client.get("/suppliers/?state=approved"), "/suppliers/") == ["Alpha", "乙 Beta"]
    assert _links(client.get("/suppliers/?sort=-name&state=approved"), "/suppliers/") == ["乙 Beta", "Alpha"]
    assert _links(client.get("/suppliers/?q=gam"), "/suppliers/") == ["Gamma"]
    text = b"".join(client.get("/suppliers/?format=csv&state=suspended").streaming_content).decode()
    assert text.count("\n") == 2 and "Gamma" in text


def test_a_supplier_user_sees_and_exports_only_its_own_company(
    client, supplier_a, supplier_b, supplier_user_a
):
    client.force_login(supplier_user_a)
    assert _links(client.get("/suppliers/"), "/suppliers/") == ["My company", supplier_a.name]
    text = b"".join(client.get("/suppliers/?format=csv").streaming_content).decode()
    assert supplier_a.name in text and supplier_b.name not in text


def test_the_contract_list_filters_by_end_date_and_costs_flat_queries(client, buyer, supplier_a):
    client.force_login(buyer)
    soon = make_active_contract(supplier_a)
    soon_number = soon.number

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/contracts/").status_code == 200
        return len(ctx)

    few = queries()
    for _ in range(12):
        make_active_contract(SupplierFactory(state="approved"))
    assert queries() == few
    ends = soon.valid_to.isoformat()
    listed = _links(client.get(f"/contracts/?ends_from={ends}&ends_to={ends}&q={soon_number}"), "/contracts/")
    assert listed == [soon_number]
    assert (
        _links(
            client.get(f"/contracts/?ends_to={(soon.valid_from - timedelta(days=1)).isoformat()}"),
            "/contracts/",
        )
        == []
    )


def test_each_list_cell_names_its_column_for_phone_width_tables(client, buyer):
    SupplierFactory(name="Alpha", state="approved")
    client.force_login(buyer)
    page = client.get("/suppliers/").content.decode()
    cell = re.search(r'<td[^>]*data-label="([^"]+)"[^>]*><a href="/suppliers/\d+/">Alpha</a>', page)
    assert cell is not None and cell[1] == "Name"
