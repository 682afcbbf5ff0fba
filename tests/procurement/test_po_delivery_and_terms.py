"""A buyer gives a PO its delivery address and payment terms on the new-PO page (or through the
API); the PO page and its PDF show them. Without an address the legal entity's is used; a text
too long is refused with a clear message and no PO is made."""

from __future__ import annotations

import pytest

from core.services import api_token_create
from procurement.models import PurchaseOrder
from tests.factories import LegalEntityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entity():
    return LegalEntityFactory(name="上海采购有限公司", address="上海市浦东新区示例路 1 号")


def _form(entity, supplier, **extra):
    return {"legal_entity": entity.pk, "supplier": supplier.pk, "currency": "CNY", **extra}


def test_the_buyer_sets_delivery_address_and_payment_terms_on_the_new_po_page(
    client_as, buyer, supplier_a, entity
):
    client = client_as(buyer)
    assert 'name="delivery_address"' in client.get("/procurement/pos/new/").content.decode()
    response = client.post(
        "/procurement/pos/new/",
        _form(entity, supplier_a, delivery_address="苏州工业园区  3 号仓库", payment_terms="月结 30 天"),
    )
    po = PurchaseOrder.objects.get()
    assert response.status_code == 302 and (po.delivery_address, po.payment_terms) == (
        "苏州工业园区 3 号仓库",
        "月结 30 天",
    )
    page = client.get(f"/procurement/pos/{po.pk}/").content.decode()
    assert "苏州工业园区 3 号仓库" in page and "月结 30 天" in page


def test_without_an_address_the_po_delivers_to_the_legal_entity(client_as, buyer, supplier_a, entity):
    client_as(buyer).post("/procurement/pos/new/", _form(entity, supplier_a))
    assert PurchaseOrder.objects.get().delivery_address == "上海市浦东新区示例路 1 号"


def test_a_too_long_address_is_refused_and_no_po_is_made(client_as, buyer, supplier_a, entity):
    client = client_as(buyer)
    response = client.post(
        "/procurement/pos/new/", _form(entity, supplier_a, delivery_address="仓" * 301), follow=True
    )
    assert "Delivery address is longer than 300 characters." in response.content.decode()
    assert not PurchaseOrder.objects.exists()


def test_the_api_takes_and_returns_them(client, buyer, supplier_a, entity):
    raw = api_token_create(user=buyer, name="erp")[1]
    response = client.post(
        "/api/purchase-orders",
        {
            "legal_entity_id": entity.pk,
            "supplier_id": supplier_a.pk,
            "delivery_address": "3F reception, 1 Demo Road",
            "payment_terms": "30 days net",
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["delivery_address"] == "3F reception, 1 Demo Road" and body["payment_terms"] == "30 days net"
    too_long = client.post(
        "/api/purchase-orders",
        {"legal_entity_id": entity.pk, "supplier_id": supplier_a.pk, "payment_terms": "x" * 201},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert too_long.status_code == 422 and PurchaseOrder.objects.count() == 1
