"""Bounds on PO lines, receipts and shipping notices: every entry point refuses numbers beyond
the column's digits or a sane business limit, and dates in the wrong direction; nothing is
stored, and no value already in the database makes the PO pages or API answer 500."""

from decimal import Decimal

import pytest

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
