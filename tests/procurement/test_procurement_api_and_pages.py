"""The HTTP surfaces: API (codes), portal pages, export, admin, PDF — including sealed quotes."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from core.services import api_token_create
from procurement import services
from procurement.models import GoodsReceipt, PurchaseOrder
from tests.factories import ItemFactory, LegalEntityFactory, UserFactory, make_purchase_order, make_rfq

SECRET_PRICE = "7654.321"


@pytest.fixture
def api(client):
    def call(user, method, url, body=None):
        raw = api_token_create(user=user, name="erp")[1]
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        return getattr(client, method)(url, **kwargs)

    return call


@pytest.fixture
def quoted_rfq(buyer, supplier_a, supplier_user_a):
    rfq = make_rfq(buyer=buyer, suppliers=[supplier_a], lines=((3,),))
    services.quote_submit(
        rfq=rfq,
        actor=supplier_user_a,
        prices={rfq.lines.get().pk: SECRET_PRICE},
        lead_time_days=3,
        valid_until=timezone.localdate() + timedelta(days=9),
        attachments=[("terms.txt", b"terms")],
    )
    return rfq


def test_erp_creates_a_po_through_the_api(api, buyer, supplier_a):
    entity, item = LegalEntityFactory(), ItemFactory()
    response = api(
        buyer,
        "post",
        "/api/purchase-orders",
        {
            "legal_entity_id": entity.pk,
            "supplier_id": supplier_a.pk,
            "lines": [{"item_id": item.pk, "quantity": "2", "unit_price": "3.5", "tax_rate": "0.13"}],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "draft" and body["lines"][0]["net_amount"] == "7.00"
    assert api(buyer, "get", f"/api/purchase-orders/by-number/{body['number']}").json()["id"] == body["id"]


def test_api_refuses_zero_quantity_with_a_422_and_stores_nothing(api, buyer, supplier_a):
    entity, item = LegalEntityFactory(), ItemFactory()
    response = api(
        buyer,
        "post",
        "/api/purchase-orders",
        {
            "legal_entity_id": entity.pk,
            "supplier_id": supplier_a.pk,
            "lines": [{"item_id": item.pk, "quantity": "0", "unit_price": "1"}],
        },
    )
    assert response.status_code == 422 and response.json()["code"] == "validation_error"
    assert response.json()["details"][0]["loc"][-1] == "quantity"
    assert not PurchaseOrder.objects.exists()


def test_api_own_po_approval_is_403_with_code(api, buyer, supplier_a):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="pending_approval")
    response = api(buyer, "post", f"/api/purchase-orders/{po.pk}/approve", {})
    assert response.status_code == 403 and response.json()["code"] == "own_po_approval"


def test_api_transition_from_the_wrong_state_is_409(api, buyer, supplier_a):
    po = make_purchase_order(requester=buyer, supplier=supplier_a)
    response = api(buyer, "post", f"/api/purchase-orders/{po.pk}/send", {})
    assert response.status_code == 409 and response.json()["code"] == "illegal_transition"
    assert PurchaseOrder.objects.get(pk=po.pk).state == "draft"


def test_supplier_acknowledges_through_the_api(api, buyer, supplier_a, supplier_user_a, supplier_user_b):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="sent")
    line = po.lines.get()
    assert api(supplier_user_b, "post", f"/api/purchase-orders/{po.pk}/acknowledge", {}).status_code == 404
    response = api(
        supplier_user_a,
        "post",
        f"/api/purchase-orders/{po.pk}/acknowledge",
        {"promised_dates": {str(line.pk): "2030-12-24"}},
    )
    assert response.status_code == 200 and response.json()["state"] == "acknowledged"


def test_supplier_does_not_see_draft_pos(api, buyer, supplier_a, supplier_user_a):
    po = make_purchase_order(requester=buyer, supplier=supplier_a)
    assert api(supplier_user_a, "get", f"/api/purchase-orders/{po.pk}").status_code == 404
    assert api(supplier_user_a, "get", "/api/purchase-orders").json() == []


def test_api_receipt_beyond_tolerance_is_refused_with_a_code(api, buyer, supplier_a):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, lines=((5, "1"),), state="acknowledged")
    response = api(
        buyer,
        "post",
        f"/api/purchase-orders/{po.pk}/receipts",
        {"lines": [{"po_line_id": po.lines.get().pk, "accepted_qty": "6"}]},
    )
    assert response.status_code == 400 and response.json()["code"] == "over_receipt_tolerance"
    assert not GoodsReceipt.objects.exists()
    response = api(
        buyer,
        "post",
        f"/api/purchase-orders/{po.pk}/receipts",
        {"lines": [{"po_line_id": po.lines.get().pk, "accepted_qty": "5"}]},
    )
    assert response.status_code == 201
    assert PurchaseOrder.objects.get(pk=po.pk).state == "received"


def test_api_quote_after_deadline_is_409_deadline_passed(api, buyer, supplier_a, supplier_user_a):
    rfq = make_rfq(buyer=buyer, suppliers=[supplier_a])
    type(rfq).objects.filter(pk=rfq.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    body = {"prices": {str(rfq.lines.get().pk): "1"}, "lead_time_days": 1, "valid_until": "2099-01-01"}
    response = api(supplier_user_a, "post", f"/api/rfqs/{rfq.pk}/quote", body)
    assert response.status_code == 409 and response.json()["code"] == "deadline_passed"


# ---- sealed quotes: every buyer surface --------------------------------------------------


def test_sealed_quote_prices_are_not_in_the_buyer_api(api, buyer, quoted_rfq):
    quotes = api(buyer, "get", f"/api/rfqs/{quoted_rfq.pk}/quotes")
    assert quotes.status_code == 200 and SECRET_PRICE not in quotes.content.decode()
    lines = api(buyer, "get", f"/api/rfqs/{quoted_rfq.pk}/quote-lines")
    assert lines.status_code == 409 and lines.json()["code"] == "quotes_sealed"
    comparison = api(buyer, "get", f"/api/rfqs/{quoted_rfq.pk}/comparison")
    assert comparison.status_code == 409 and SECRET_PRICE not in comparison.content.decode()
    services.rfq_close(rfq=quoted_rfq, actor=buyer, reason="closed early for the test")
    comparison = api(buyer, "get", f"/api/rfqs/{quoted_rfq.pk}/comparison")
    assert comparison.status_code == 200 and comparison.json()[0]["cells"][0]["unit_price"].startswith(
        "7654.321"
    )


def test_sealed_quote_prices_are_not_on_buyer_pages_or_the_export(client_as, buyer, quoted_rfq):
    client = client_as(buyer)
    page = client.get(f"/procurement/rfqs/{quoted_rfq.pk}/")
    assert page.status_code == 200 and not re.search(r"7,?654", page.content.decode())
    assert client.get(f"/procurement/rfqs/{quoted_rfq.pk}/comparison/").status_code != 200
    export = client.get(f"/procurement/rfqs/{quoted_rfq.pk}/comparison.csv")
    assert export.status_code != 200 and not re.search(r"7,?654", export.content.decode())
    attachment = quoted_rfq.quotes.get().versions.get().attachments.get()
    assert client.get(f"/procurement/quote-attachments/{attachment.pk}/").status_code == 404
    services.rfq_close(rfq=quoted_rfq, actor=buyer, reason="closed early for the test")
    assert "7,654.321" in client.get(f"/procurement/rfqs/{quoted_rfq.pk}/comparison/").content.decode()
    assert "7654.321" in client.get(f"/procurement/rfqs/{quoted_rfq.pk}/comparison.csv").content.decode()
    assert client.get(f"/procurement/quote-attachments/{attachment.pk}/").status_code == 200


def test_sealed_quote_prices_are_not_in_the_admin(client, buyer, quoted_rfq):
    admin_user = UserFactory(username="root", role="staff", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    line = quoted_rfq.quotes.get().versions.get().lines.get()
    listing = client.get("/admin/procurement/quoteline/")
    assert listing.status_code == 200 and "7654" not in listing.content.decode()
    assert client.get(f"/admin/procurement/quoteline/{line.pk}/change/").status_code in (302, 404)
    versions = client.get("/admin/procurement/quoteversion/")
    assert versions.status_code == 200 and "7654" not in versions.content.decode()
    services.rfq_close(rfq=quoted_rfq, actor=buyer, reason="closed early for the test")
    assert "7654" in client.get("/admin/procurement/quoteline/").content.decode()


def test_supplier_sees_own_prices_on_the_rfq_page(client_as, supplier_user_a, quoted_rfq):
    page = client_as(supplier_user_a).get(f"/procurement/rfqs/{quoted_rfq.pk}/")
    assert page.status_code == 200 and "7654.321" in page.content.decode()


# ---- pages and PDF --------------------------------------------------------------------------


def test_buyer_walks_a_po_through_the_portal_pages(client_as, buyer, approver, supplier_a, entity):
    client = client_as(buyer)
    item = ItemFactory()
    response = client.post("/procurement/pos/new/", {"legal_entity": entity.pk, "supplier": supplier_a.pk})
    po = PurchaseOrder.objects.get()
    assert response.status_code == 302
    client.post(f"/procurement/pos/{po.pk}/lines/", {"item": item.pk, "quantity": "4", "unit_price": "2.5"})
    client.post(f"/procurement/pos/{po.pk}/do/submit/")
    assert PurchaseOrder.objects.get(pk=po.pk).state == "pending_approval"
    page = client.get(f"/procurement/pos/{po.pk}/")
    assert page.status_code == 200 and "10.00" in page.content.decode()
    client_as(approver).post(f"/procurement/pos/{po.pk}/do/approve/")
    assert PurchaseOrder.objects.get(pk=po.pk).state == "approved"


def test_home_panels_show_pos_to_approve_and_to_acknowledge(
    client_as, buyer, approver, supplier_a, supplier_user_a
):
    pending = make_purchase_order(requester=buyer, supplier=supplier_a, state="pending_approval")
    sent = make_purchase_order(requester=buyer, supplier=supplier_a, state="sent")
    assert pending.number in client_as(approver).get("/").content.decode()
    home = client_as(supplier_user_a).get("/").content.decode()
    assert sent.number in home and pending.number not in home


def test_po_pdf_renders_chinese_text_with_the_embedded_font(client_as, buyer, supplier_a):
    po = make_purchase_order(requester=buyer, supplier=supplier_a)
    po.lines.update(description="六角螺栓 M8")
    response = client_as(buyer).get(f"/procurement/pos/{po.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = response.content
    assert content.startswith(b"%PDF") and b"WenQuanYiMicroHei" in content and b"/FontFile2" in content
