"""Bounds on PO lines, receipts and shipping notices: every entry point refuses numbers beyond
the column's digits or a sane business limit, and dates in the wrong direction; nothing is
stored, and no value already in the database makes the PO pages or API answer 500."""

from decimal import Decimal

import pytest
from django.db import connection

from procurement.models import PurchaseOrderLine
from tests.factories import make_purchase_order

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "field,value",
    [
        ("quantity", Decimal("1e30")),
        ("unit_price", Decimal("99999999999999999999")),
        ("received_qty", Decimal("1e15")),
    ],
)
def test_a_stored_extreme_value_never_makes_the_po_page_its_api_or_the_list_fail(
    client_as, buyer, supplier_a, supplier_user_a, field, value
):
    if connection.vendor != "sqlite":
        pytest.skip("only SQLite stores a value beyond its column's digits (PostgreSQL refuses the write)")
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="sent")
    PurchaseOrderLine.objects.filter(po=po).update(**{field: value})
    for user in (buyer, supplier_user_a):
        client = client_as(user)
        for url in (
            f"/procurement/pos/{po.pk}/",
            "/procurement/pos/",
            "/procurement/pos/?format=csv",
            f"/api/purchase-orders/{po.pk}",
            "/api/purchase-orders",
            f"/api/purchase-orders/{po.pk}/lines",
            f"/procurement/pos/{po.pk}/pdf/",
        ):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)


def test_a_stored_value_beyond_the_business_limits_but_within_the_column_shows_too(
    client_as, buyer, supplier_a
):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="pending_approval")
    PurchaseOrderLine.objects.filter(po=po).update(
        quantity=Decimal("999999999999"), unit_price=Decimal("999999999999")
    )
    client = client_as(buyer)
    for url in (f"/procurement/pos/{po.pk}/", "/procurement/pos/", f"/api/purchase-orders/{po.pk}"):
        assert client.get(url).status_code == 200, url


def refused_422(response, field):
    """The API's one answer to a value out of range (core.bounds): 422 naming the field."""
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "validation_error" and body["field"] == field, body
    return body


@pytest.fixture
def api(client):
    from core.services import api_token_create

    def call(user, method, url, body=None):
        raw = api_token_create(user=user, name="erp")[1]
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        return getattr(client, method)(url, **kwargs)

    return call


@pytest.mark.parametrize(
    "line,field",
    [
        ({"quantity": "1e30", "unit_price": "1"}, "quantity"),
        ({"quantity": "1", "unit_price": "99999999999999999999"}, "unit_price"),
        ({"quantity": "999999999", "unit_price": "999999"}, "line_amount"),
    ],
)
def test_the_api_refuses_po_lines_beyond_the_limits_and_stores_nothing(api, buyer, supplier_a, line, field):
    from tests.factories import ItemFactory, LegalEntityFactory

    po = make_purchase_order(requester=buyer, supplier=supplier_a)
    item = ItemFactory()
    response = api(buyer, "post", f"/api/purchase-orders/{po.pk}/lines", {"item_id": item.pk, **line})
    refused_422(response, field)
    assert po.lines.count() == 1
    entity = LegalEntityFactory()
    body = {
        "legal_entity_id": entity.pk,
        "supplier_id": supplier_a.pk,
        "lines": [{"item_id": item.pk, **line}],
    }
    refused_422(api(buyer, "post", "/api/purchase-orders", body), field)
    existing = po.lines.get()
    refused_422(api(buyer, "patch", f"/api/purchase-orders/{po.pk}/lines/{existing.pk}", line), field)
    existing.refresh_from_db()
    assert existing.quantity == Decimal("10")


@pytest.mark.parametrize(
    "field,value,shown",
    [
        ("quantity", "1e30", "Quantity is too large: at most 1,000,000,000."),
        ("quantity", "99999999999999999999", "Quantity is too large: at most 1,000,000,000."),
        (
            "unit_price",
            "99999999999999999999",
            "Unit price is too large: it must be below 1,000,000,000,000.",
        ),
    ],
)
def test_the_line_forms_refuse_numbers_beyond_the_limits_with_a_message(
    client_as, buyer, supplier_a, field, value, shown
):
    from tests.factories import ItemFactory

    po = make_purchase_order(requester=buyer, supplier=supplier_a)
    line = po.lines.get()
    client = client_as(buyer)
    back = {"HTTP_REFERER": f"/procurement/pos/{po.pk}/"}
    data = {"item": ItemFactory().pk, "quantity": "1", "unit_price": "1", field: value}
    response = client.post(f"/procurement/pos/{po.pk}/lines/", data, **back)
    assert po.lines.count() == 1
    page = client.get(response["Location"]).content.decode()
    assert 'class="msg error"' in page and shown in page
    data = {"quantity": "1", "unit_price": "1", "description": "x", field: value}
    client.post(f"/procurement/pos/{po.pk}/lines/{line.pk}/", data, **back)
    line.refresh_from_db()
    assert line.quantity == Decimal("10") and line.unit_price == Decimal("5")


def test_a_promised_date_in_the_past_is_refused_on_acknowledgement(
    client_as, buyer, supplier_a, supplier_user_a
):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="sent")
    line = po.lines.get()
    client = client_as(supplier_user_a)
    response = client.post(
        f"/procurement/pos/{po.pk}/acknowledge/",
        {f"promised_{line.pk}": "2020-01-01"},
        HTTP_REFERER=f"/procurement/pos/{po.pk}/",
    )
    po.refresh_from_db()
    line.refresh_from_db()
    assert po.state == "sent" and line.promised_date is None
    page = client.get(response["Location"]).content.decode()
    assert 'class="msg error"' in page and "2020-01-01" in page


@pytest.mark.parametrize(
    "accepted,date,shown",
    [
        ("5", "2099-01-01", "Receipt date 2099-01-01 is in the future."),
        ("1e30", "", "Accepted quantity is too large: at most 1,000,000,000."),
        ("99999999999999999999", "", "Accepted quantity is too large: at most 1,000,000,000."),
    ],
)
def test_a_receipt_in_the_future_or_beyond_the_limits_is_refused(
    client_as, buyer, supplier_a, accepted, date, shown
):
    from procurement.models import GoodsReceipt

    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="acknowledged")
    line = po.lines.get()
    client = client_as(buyer)
    response = client.post(
        f"/procurement/pos/{po.pk}/receipts/",
        {f"accepted_{line.pk}": accepted, "receipt_date": date},
        HTTP_REFERER=f"/procurement/pos/{po.pk}/",
    )
    assert not GoodsReceipt.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert 'class="msg error"' in page and shown in page


def test_the_api_refuses_a_receipt_dated_next_year(api, buyer, supplier_a):
    from procurement.models import GoodsReceipt

    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="acknowledged")
    line = po.lines.get()
    body = {"receipt_date": "2099-01-01", "lines": [{"po_line_id": line.pk, "accepted_qty": "1"}]}
    refused_422(api(buyer, "post", f"/api/purchase-orders/{po.pk}/receipts", body), "receipt_date")
    assert not GoodsReceipt.objects.exists()


def test_a_stored_extreme_receipt_quantity_never_makes_the_receipt_pages_fail(
    client_as, buyer, supplier_a, supplier_user_a
):
    if connection.vendor != "sqlite":
        pytest.skip("only SQLite stores a value beyond its column's digits (PostgreSQL refuses the write)")
    from procurement.models import GoodsReceiptLine
    from procurement.services import goods_receipt_create

    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="acknowledged")
    line = po.lines.get()
    goods_receipt_create(po=po, actor=buyer, lines=[{"po_line_id": line.pk, "accepted_qty": "1"}])
    GoodsReceiptLine.objects.update(
        accepted_qty=Decimal("1e30"), rejected_qty=Decimal("99999999999999999999")
    )
    for user in (buyer, supplier_user_a):
        client = client_as(user)
        for url in (
            "/procurement/receipts/",
            "/procurement/receipts/?format=csv",
            f"/procurement/pos/{po.pk}/",
            f"/api/purchase-orders/{po.pk}/receipts",
        ):
            assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("qty", ["1e30", "99999999999999999999"])
def test_the_api_refuses_receipt_and_return_quantities_beyond_the_limits(api, buyer, supplier_a, qty):
    from procurement.models import GoodsReceipt

    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="partially_received")
    line = po.lines.get()
    body = {"lines": [{"po_line_id": line.pk, "accepted_qty": qty}]}
    refused_422(api(buyer, "post", f"/api/purchase-orders/{po.pk}/receipts", body), "accepted_qty")
    body = {"lines": [{"po_line_id": line.pk, "quantity": qty, "reason": "x"}]}
    refused_422(api(buyer, "post", f"/api/purchase-orders/{po.pk}/returns", body), "quantity")
    assert not GoodsReceipt.objects.exists()


def test_a_date_that_is_not_a_date_is_a_form_error_not_a_500(client_as, buyer, supplier_a):
    from procurement.models import GoodsReceipt

    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="acknowledged")
    line = po.lines.get()
    client = client_as(buyer)
    response = client.post(
        f"/procurement/pos/{po.pk}/receipts/",
        {f"accepted_{line.pk}": "1", "receipt_date": "2026-13-45"},
        HTTP_REFERER=f"/procurement/pos/{po.pk}/",
    )
    assert response.status_code == 302 and not GoodsReceipt.objects.exists()
    assert "2026-13-45" in client.get(response["Location"]).content.decode()
