"""Shipping notices: bounded by what is still open on each line (ordered plus the legal
entity's over-receipt tolerance, less what earlier notices announced or was received; goods
sent back may be shipped again), refused with a clear message; shown on the PO page of both
sides and pre-filling the goods-receipt form."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from procurement import services
from procurement.models import ShippingNotice
from tests.factories import LegalEntityFactory, make_purchase_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def acked_po(buyer, supplier_a):
    entity = LegalEntityFactory(over_receipt_tolerance=Decimal("0.05"))
    return make_purchase_order(
        requester=buyer,
        supplier=supplier_a,
        legal_entity=entity,
        lines=((100, "5.00"),),
        state="acknowledged",
    )


def _ship(client, po, line, qty, **extra):
    data = {f"ship_{line.pk}": qty, "carrier": "顺丰", "tracking_no": "SF123", **extra}
    return client.post(
        f"/procurement/pos/{po.pk}/shipping-notice/", data, HTTP_REFERER=f"/procurement/pos/{po.pk}/"
    )


def test_a_notice_above_the_open_quantity_is_refused_with_the_open_quantity(
    client_as, supplier_user_a, acked_po
):
    line = acked_po.lines.get()
    client = client_as(supplier_user_a)
    response = _ship(client, acked_po, line, "500")
    assert not ShippingNotice.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert 'class="msg error"' in page and "500" in page and "105" in page  # 100 + 5% tolerance


def test_notices_add_up_to_the_ordered_quantity_plus_tolerance(client_as, supplier_user_a, acked_po):
    line = acked_po.lines.get()
    client = client_as(supplier_user_a)
    _ship(client, acked_po, line, "60")
    _ship(client, acked_po, line, "50")  # 60 + 50 > 105: refused
    assert [n.lines.get().quantity for n in ShippingNotice.objects.all()] == [Decimal("60")]
    _ship(client, acked_po, line, "45")
    assert ShippingNotice.objects.count() == 2
    page = client.get(f"/procurement/pos/{acked_po.pk}/").content.decode()
    assert page.count("SF123") == 2 and 'id="shipping-notices"' in page


def test_goods_sent_back_may_be_announced_again(client_as, buyer, supplier_user_a, acked_po):
    line = acked_po.lines.get()
    client = client_as(supplier_user_a)
    _ship(client, acked_po, line, "100")
    services.goods_receipt_create(
        po=acked_po, actor=buyer, lines=[{"po_line_id": line.pk, "accepted_qty": "90", "rejected_qty": "10"}]
    )
    _ship(client, acked_po, line, "16")  # 105 - (100 - 10 rejected) = 15 open
    assert ShippingNotice.objects.count() == 1
    _ship(client, acked_po, line, "10")
    assert ShippingNotice.objects.count() == 2


def test_the_buyer_sees_the_notice_and_the_receipt_form_is_pre_filled(
    client_as, buyer, supplier_user_a, acked_po
):
    line = acked_po.lines.get()
    _ship(client_as(supplier_user_a), acked_po, line, "40")
    page = client_as(buyer).get(f"/procurement/pos/{acked_po.pk}/").content.decode()
    assert "顺丰" in page and "SF123" in page
    assert f'name="accepted_{line.pk}" inputmode="decimal" value="40"' in page


@pytest.mark.parametrize(
    "qty,extra,code_text",
    [
        ("1e30", {}, "Quantity is too large: at most 1,000,000,000."),
        ("99999999999999999999", {}, "Quantity is too large: at most 1,000,000,000."),
        ("-1", {}, "Quantity cannot be negative."),
        ("abc", {}, "Quantity: “abc” is not a number."),
        ("5", {"expected_on": "2020-01-01"}, "Expected on 2020-01-01 is in the past."),
        (
            "5",
            {"shipped_on": "2099-01-02", "expected_on": "2099-01-01"},
            "Expected on 2099-01-01 is before Shipped on (2099-01-02).",
        ),
    ],
)
def test_bad_notices_are_refused_with_a_message(client_as, supplier_user_a, acked_po, qty, extra, code_text):
    line = acked_po.lines.get()
    client = client_as(supplier_user_a)
    response = _ship(client, acked_po, line, qty, **extra)
    assert not ShippingNotice.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert 'class="msg error"' in page and code_text in page


def test_the_api_refuses_a_notice_above_the_open_quantity_with_a_code(client, supplier_user_a, acked_po):
    from core.services import api_token_create

    line = acked_po.lines.get()
    raw = api_token_create(user=supplier_user_a, name="erp")[1]
    url = f"/api/purchase-orders/{acked_po.pk}/shipping-notices"
    body = {"lines": [{"po_line_id": line.pk, "quantity": "500"}]}
    response = client.post(url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 400 and response.json()["code"] == "shipping_exceeds_open"
    body = {
        "expected_on": (timezone.localdate() + timedelta(days=2)).isoformat(),
        "lines": [{"po_line_id": line.pk, "quantity": "5"}],
    }
    response = client.post(url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 201
    listed = client.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert listed[0]["lines"] == [{"po_line_id": line.pk, "quantity": "5.000000"}]
