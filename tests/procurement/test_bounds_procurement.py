"""Purchase orders, goods receipts, RFQs and quotes: out-of-range numbers, past or future dates
and unknown currencies typed on the pages or sent to the API are refused with a clear error and
store nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.services import api_token_create
from procurement.models import GoodsReceipt, PurchaseOrder, PurchaseOrderLine, Quote, RFQLine, ShippingNotice
from tests.factories import ItemFactory, make_purchase_order, make_rfq

NEXT_YEAR = (timezone.localdate() + timedelta(days=366)).isoformat()
FUTURE = (timezone.localdate() + timedelta(days=30)).isoformat()


@pytest.fixture
def api(client):
    def call(user, method, url, body):
        raw = api_token_create(user=user, name="erp")[1]
        return getattr(client, method)(
            url, data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}"
        )

    return call


def post_page(client, url, data, back):
    """A form posted from the page ``back``: the refusal is shown there (core.middleware)."""
    return client.post(url, data, HTTP_REFERER=back, follow=True).content.decode()


def refused_422(response, field):
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "validation_error" and body["field"] == field, body
    return body


# --- purchase orders ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, shown",
    [
        ({"quantity": "1e30"}, "Quantity is too large"),
        ({"quantity": "1.0000001"}, "Quantity may have at most 6 decimal places"),
        ({"unit_price": "99999999999999999999"}, "Unit price is too large"),
        (
            {"quantity": "1000000000", "unit_price": "10000"},
            "The line amount (quantity × unit price) is too large",
        ),
        ({"required_date": "2020-01-01"}, "Required date 2020-01-01 is in the past"),
        ({"required_date": "2026-13-45"}, "is not a date"),
        ({"tax_rate": "0.17"}, "is not a VAT rate"),
    ],
)
def test_the_po_line_form_refuses_out_of_range_values_and_stores_nothing(
    buyer, supplier_a, client_as, change, shown
):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, lines=())
    item = ItemFactory()
    client = client_as(buyer)
    data = {"item": item.pk, "quantity": "10", "unit_price": "5", **change}
    page = post_page(client, f"/procurement/pos/{po.pk}/lines/", data, f"/procurement/pos/{po.pk}/")
    assert shown in page
    assert not PurchaseOrderLine.objects.exists()
    assert client.get(f"/procurement/pos/{po.pk}/").status_code == 200


def test_the_new_po_form_refuses_an_unknown_currency(buyer, supplier_a, entity, client_as):
    page = post_page(
        client_as(buyer),
        "/procurement/pos/new/",
        {"legal_entity": entity.pk, "supplier": supplier_a.pk, "currency": "XYZ"},
        "/procurement/pos/new/",
    )
    assert "Currency “XYZ” is not an ISO 4217 currency code" in page
    assert not PurchaseOrder.objects.exists()


@pytest.mark.parametrize(
    "line, field",
    [
        ({"quantity": 1e30, "unit_price": "5"}, "quantity"),
        ({"quantity": "10", "unit_price": 99999999999999999999}, "unit_price"),
        ({"quantity": "10", "unit_price": "5", "required_date": "2020-01-01"}, "required_date"),
    ],
)
def test_the_po_api_answers_422_naming_the_field_and_stores_nothing(
    buyer, supplier_a, entity, api, line, field
):
    item = ItemFactory()
    body = {
        "legal_entity_id": entity.pk,
        "supplier_id": supplier_a.pk,
        "lines": [{"item_id": item.pk, **line}],
    }
    refused_422(api(buyer, "post", "/api/purchase-orders", body), field)
    assert not PurchaseOrder.objects.exists()


def test_the_po_api_refuses_an_unknown_currency(buyer, supplier_a, entity, api):
    body = {"legal_entity_id": entity.pk, "supplier_id": supplier_a.pk, "currency": "XXXX"}
    refused_422(api(buyer, "post", "/api/purchase-orders", body), "currency")
    assert not PurchaseOrder.objects.exists()


def test_changing_a_draft_line_to_a_huge_quantity_through_the_api_changes_nothing(buyer, supplier_a, api):
    po = make_purchase_order(requester=buyer, supplier=supplier_a)
    line = po.lines.get()
    url = f"/api/purchase-orders/{po.pk}/lines/{line.pk}"
    refused_422(api(buyer, "patch", url, {"quantity": "1e30"}), "quantity")
    refused_422(api(buyer, "patch", url, {"unit_price": "1000000000000"}), "unit_price")
    line.refresh_from_db()
    assert (line.quantity, line.unit_price) == (Decimal("10"), Decimal("5"))


def test_a_promised_delivery_date_in_the_past_is_refused_on_the_page_and_in_the_api(
    buyer, supplier_a, supplier_user_a, client_as, api
):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="sent")
    line = po.lines.get()
    page = post_page(
        client_as(supplier_user_a),
        f"/procurement/pos/{po.pk}/acknowledge/",
        {f"promised_{line.pk}": "2020-01-01"},
        f"/procurement/pos/{po.pk}/",
    )
    assert "Promised delivery date 2020-01-01 is in the past" in page
    body = {"promised_dates": {str(line.pk): "2020-01-01"}}
    refused_422(
        api(supplier_user_a, "post", f"/api/purchase-orders/{po.pk}/acknowledge", body), "promised_dates"
    )
    po.refresh_from_db()
    line.refresh_from_db()
    assert po.state == "sent" and line.promised_date is None
    api(
        supplier_user_a,
        "post",
        f"/api/purchase-orders/{po.pk}/acknowledge",
        {"promised_dates": {str(line.pk): FUTURE}},
    )
    assert PurchaseOrder.objects.get(pk=po.pk).state == "acknowledged"


def test_a_goods_receipt_dated_next_year_or_with_a_huge_quantity_is_refused(
    buyer, supplier_a, client_as, api
):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="acknowledged")
    line = po.lines.get()
    client = client_as(buyer)
    back = f"/procurement/pos/{po.pk}/"
    page = post_page(
        client,
        f"/procurement/pos/{po.pk}/receipts/",
        {f"accepted_{line.pk}": "5", "receipt_date": NEXT_YEAR},
        back,
    )
    assert f"Receipt date {NEXT_YEAR} is in the future" in page
    page = post_page(client, f"/procurement/pos/{po.pk}/receipts/", {f"accepted_{line.pk}": "1e30"}, back)
    assert "Accepted quantity is too large" in page
    url = f"/api/purchase-orders/{po.pk}/receipts"
    refused_422(
        api(
            buyer,
            "post",
            url,
            {"receipt_date": NEXT_YEAR, "lines": [{"po_line_id": line.pk, "accepted_qty": "5"}]},
        ),
        "receipt_date",
    )
    refused_422(
        api(buyer, "post", url, {"lines": [{"po_line_id": line.pk, "accepted_qty": "1e30"}]}), "accepted_qty"
    )
    assert not GoodsReceipt.objects.exists()
    assert PurchaseOrderLine.objects.get(pk=line.pk).received_qty == 0


def test_a_shipping_notice_expected_before_it_ships_is_refused(buyer, supplier_a, supplier_user_a, api):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="acknowledged")
    today = timezone.localdate()
    body = {
        "shipped_on": today.isoformat(),
        "expected_on": (today - timedelta(days=3)).isoformat(),
        "lines": [{"po_line_id": po.lines.get().pk, "quantity": "1"}],
    }
    response = api(supplier_user_a, "post", f"/api/purchase-orders/{po.pk}/shipping-notices", body)
    refused_422(response, "expected_on")
    assert not ShippingNotice.objects.exists()


# --- RFQs and quotes ---------------------------------------------------------------------------


def test_an_rfq_line_needed_by_a_past_date_or_in_a_huge_quantity_is_refused(buyer, entity, client_as, api):
    rfq = make_rfq(buyer=buyer, suppliers=[], lines=(), publish=False)
    item = ItemFactory()
    client = client_as(buyer)
    back = f"/procurement/rfqs/{rfq.pk}/"
    page = post_page(
        client,
        f"/procurement/rfqs/{rfq.pk}/lines/",
        {"item": item.pk, "quantity": "5", "required_date": "2020-01-01"},
        back,
    )
    assert "2020-01-01 is in the past" in page  # the RFQ's own bounds (services.rfq)
    page = post_page(
        client, f"/procurement/rfqs/{rfq.pk}/lines/", {"item": item.pk, "quantity": "1e30"}, back
    )
    assert "Quantity must be at most" in page
    assert not RFQLine.objects.exists()
    body = {
        "legal_entity_id": entity.pk,
        "title": "T",
        "lines": [{"item_id": item.pk, "quantity": "5", "required_date": "2020-01-01"}],
    }
    response = api(buyer, "post", "/api/rfqs", body)
    assert response.status_code == 422 and response.json()["code"] == "required_date_in_past"
    refused_422(
        api(buyer, "post", "/api/rfqs", {"legal_entity_id": entity.pk, "title": "T", "currency": "XYZ"}),
        "currency",
    )
    assert not RFQLine.objects.exists()


def test_a_quote_with_a_huge_price_is_refused_on_the_page_and_in_the_api(
    buyer, supplier_a, supplier_user_a, client_as, api
):
    rfq = make_rfq(buyer=buyer, suppliers=[supplier_a])
    line = rfq.lines.get()
    data = {f"price_{line.pk}": "99999999999999999999", "lead_time_days": "5", "valid_until": FUTURE}
    page = post_page(
        client_as(supplier_user_a), f"/procurement/rfqs/{rfq.pk}/quote/", data, f"/procurement/rfqs/{rfq.pk}/"
    )
    assert "Unit price of line 1 must be at most" in page
    body = {"prices": {str(line.pk): "99999999999999999999"}, "lead_time_days": 5, "valid_until": FUTURE}
    response = api(supplier_user_a, "post", f"/api/rfqs/{rfq.pk}/quote", body)
    assert response.status_code == 422 and response.json()["code"] == "invalid_price"
    big = make_rfq(buyer=buyer, suppliers=[supplier_a], lines=((1000000,),))
    line_amount = {
        "prices": {str(big.lines.get().pk): "10000000"},
        "lead_time_days": 5,
        "valid_until": FUTURE,
    }
    refused_422(api(supplier_user_a, "post", f"/api/rfqs/{big.pk}/quote", line_amount), "line_amount")
    huge_lead = {"prices": {str(line.pk): "5"}, "lead_time_days": 10**30, "valid_until": FUTURE}
    response = api(supplier_user_a, "post", f"/api/rfqs/{rfq.pk}/quote", huge_lead)
    assert response.status_code == 422 and response.json()["code"] == "invalid_lead_time"
    assert not Quote.objects.exists()


def test_editing_a_line_keeps_its_passed_required_date_but_refuses_a_new_past_one(
    buyer, supplier_a, client_as
):
    po = make_purchase_order(requester=buyer, supplier=supplier_a)
    line = po.lines.get()
    passed = timezone.localdate() - timedelta(days=10)
    PurchaseOrderLine.objects.filter(pk=line.pk).update(required_date=passed)
    client = client_as(buyer)
    url, back = f"/procurement/pos/{po.pk}/lines/{line.pk}/", f"/procurement/pos/{po.pk}/"
    post_page(client, url, {"quantity": "12", "unit_price": "5", "required_date": passed.isoformat()}, back)
    line.refresh_from_db()
    assert (line.quantity, line.required_date) == (Decimal("12"), passed)
    page = post_page(client, url, {"quantity": "13", "unit_price": "5", "required_date": "2020-01-01"}, back)
    assert "Required date 2020-01-01 is in the past" in page
    line.refresh_from_db()
    assert (line.quantity, line.required_date) == (Decimal("12"), passed)


def test_a_revision_to_a_huge_quantity_is_refused_on_the_page_and_in_the_api(
    buyer, supplier_a, client_as, api
):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="sent")
    line = po.lines.get()
    page = post_page(
        client_as(buyer),
        f"/procurement/pos/{po.pk}/revise/",
        {f"qty_{line.pk}": "1e30", "reason": "more"},
        f"/procurement/pos/{po.pk}/",
    )
    assert "Quantity is too large" in page
    body = {"reason": "more", "changes": [{"line_id": line.pk, "quantity": "1e30"}]}
    refused_422(api(buyer, "post", f"/api/purchase-orders/{po.pk}/revise", body), "quantity")
    po.refresh_from_db()
    assert (po.state, po.revision, po.lines.get().quantity) == ("sent", 1, Decimal("10"))


def test_a_return_dated_next_year_is_refused(buyer, supplier_a, api):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="acknowledged")
    line = po.lines.get()
    url = f"/api/purchase-orders/{po.pk}/receipts"
    assert (
        api(buyer, "post", url, {"lines": [{"po_line_id": line.pk, "accepted_qty": "5"}]}).status_code == 201
    )
    body = {"return_date": NEXT_YEAR, "lines": [{"po_line_id": line.pk, "quantity": "1"}]}
    refused_422(api(buyer, "post", f"/api/purchase-orders/{po.pk}/returns", body), "return_date")
    assert GoodsReceipt.objects.count() == 1
