"""End to end through the portal pages and the API: an RFQ from creation to award (points 1
and 3) and the supplier's side of a purchase order (point 5)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import TransitionLog
from core.services import api_token_create
from procurement import services
from procurement.models import RFQ, PurchaseOrder, QuoteVersion, ShippingNotice
from tests.factories import ItemFactory, make_purchase_order, make_rfq

VALID = timezone.localdate() + timedelta(days=30)


@pytest.fixture
def bearer(client):
    def call(user, method, url, body=None):
        raw = api_token_create(user=user, name="erp")[1]
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        return getattr(client, method)(url, **kwargs)

    return call


def test_buyer_creates_and_publishes_an_rfq_in_the_portal_and_the_invited_supplier_quotes(
    client, buyer, entity, supplier_a, supplier_user_a, supplier_user_b
):
    item = ItemFactory(name="六角螺栓 M8")
    client.force_login(buyer)
    client.post("/procurement/rfqs/new/", {"legal_entity": entity.pk, "title": "螺栓 2026"})
    rfq = RFQ.objects.get()
    client.post(
        f"/procurement/rfqs/{rfq.pk}/lines/",
        {"item": item.pk, "quantity": "500", "required_date": "2030-12-20"},
    )
    client.post(f"/procurement/rfqs/{rfq.pk}/invite/", {"supplier": supplier_a.pk})
    deadline = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    client.post(f"/procurement/rfqs/{rfq.pk}/do/publish/", {"deadline": deadline})
    rfq.refresh_from_db()
    line = rfq.lines.get()
    assert rfq.state == "published" and rfq.deadline > timezone.now()
    assert (line.quantity, str(line.required_date)) == (Decimal("500"), "2030-12-20")

    client.force_login(supplier_user_b)  # not invited
    assert "螺栓 2026" not in client.get("/procurement/rfqs/").content.decode()
    assert client.get(f"/procurement/rfqs/{rfq.pk}/").status_code == 404

    client.force_login(supplier_user_a)
    assert "螺栓 2026" in client.get("/procurement/rfqs/").content.decode()
    for price in ("0.85", "0.82"):  # submit, then revise before the deadline
        response = client.post(
            f"/procurement/rfqs/{rfq.pk}/quote/",
            {f"price_{line.pk}": price, "lead_time_days": "7", "valid_until": VALID.isoformat()},
        )
        assert response.status_code == 302
    versions = QuoteVersion.objects.filter(quote__rfq=rfq).order_by("version")
    assert [v.version for v in versions] == [1, 2]
    assert versions.last().lines.get().unit_price == Decimal("0.82")
    assert TransitionLog.objects.filter(object_id=str(rfq.pk), transition="publish").count() == 1


def test_erp_creates_an_rfq_through_the_api_and_suppliers_quote_through_it(
    bearer, buyer, entity, supplier_a, supplier_user_a, supplier_user_b
):
    item = ItemFactory()
    created = bearer(
        buyer,
        "post",
        "/api/rfqs",
        {
            "legal_entity_id": entity.pk,
            "title": "Cables",
            "lines": [
                {
                    "item_id": item.pk,
                    "quantity": "20",
                    "required_date": (timezone.localdate() + timedelta(days=30)).isoformat(),
                }
            ],
            "supplier_ids": [supplier_a.pk],
        },
    )
    assert created.status_code == 201, created.content
    rfq_id = created.json()["id"]
    deadline = (timezone.now() + timedelta(days=1)).isoformat()
    published = bearer(buyer, "post", f"/api/rfqs/{rfq_id}/publish", {"deadline": deadline})
    assert published.status_code == 200 and published.json()["state"] == "published"
    line_id = published.json()["lines"][0]["id"]
    assert [r["id"] for r in bearer(supplier_user_a, "get", "/api/rfqs").json()] == [rfq_id]
    assert bearer(supplier_user_b, "get", f"/api/rfqs/{rfq_id}").status_code == 404
    body = {"prices": {str(line_id): "4.40"}, "lead_time_days": 3, "valid_until": str(VALID)}
    refused = bearer(supplier_user_b, "post", f"/api/rfqs/{rfq_id}/quote", body)
    assert refused.status_code == 404 and not QuoteVersion.objects.exists()
    quoted = bearer(supplier_user_a, "post", f"/api/rfqs/{rfq_id}/quote", body)
    assert quoted.status_code == 201 and len(quoted.json()["sha256"]) == 64
    bad = bearer(
        supplier_user_a, "post", f"/api/rfqs/{rfq_id}/quote", {**body, "prices": {str(line_id): "0"}}
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_price"
    assert QuoteVersion.objects.count() == 1


@pytest.fixture
def closed_rfq(buyer, supplier_a, supplier_b, supplier_user_a, supplier_user_b):
    rfq = make_rfq(buyer=buyer, suppliers=[supplier_a, supplier_b], lines=((10,), (4,)))
    first, second = rfq.lines.order_by("line_no")
    for user, prices in ((supplier_user_a, ("10", "3")), (supplier_user_b, ("9", "4"))):
        services.quote_submit(
            rfq=rfq,
            actor=user,
            prices={first.pk: prices[0], second.pk: prices[1]},
            lead_time_days=5,
            valid_until=VALID,
        )
    return services.rfq_close(rfq=rfq, actor=buyer, reason="closed early for the test")


def test_api_award_of_a_higher_price_needs_a_reason_and_then_creates_draft_pos(
    bearer, buyer, supplier_a, supplier_b, closed_rfq
):
    first, second = closed_rfq.lines.order_by("line_no")
    url = f"/api/rfqs/{closed_rfq.pk}/award"
    decisions = [
        {"rfq_line_id": first.pk, "supplier_id": supplier_a.pk},  # 10 > 9: not the lowest
        {"rfq_line_id": second.pk, "supplier_id": supplier_a.pk},
    ]
    refused = bearer(buyer, "post", url, {"decisions": decisions})
    assert refused.status_code == 400 and refused.json()["code"] == "reason_required"
    assert not PurchaseOrder.objects.exists() and RFQ.objects.get(pk=closed_rfq.pk).state == "closed"
    decisions[0]["reason"] = "B failed last audit"
    awarded = bearer(buyer, "post", url, {"decisions": decisions})
    assert awarded.status_code == 201
    (po,) = awarded.json()
    assert po["state"] == "draft" and po["supplier_id"] == supplier_a.pk and po["net_total"] == "112.00"


def test_buyer_awards_per_line_on_the_comparison_page(client, buyer, supplier_a, supplier_b, closed_rfq):
    client.force_login(buyer)
    page = client.get(f"/procurement/rfqs/{closed_rfq.pk}/comparison/").content.decode()
    assert 'class="best"' in page  # the lowest price is marked
    first, second = closed_rfq.lines.order_by("line_no")
    client.post(
        f"/procurement/rfqs/{closed_rfq.pk}/award/",
        {f"award_{first.pk}": supplier_b.pk, f"award_{second.pk}": supplier_a.pk},
    )
    pos = {po.supplier_id: po for po in PurchaseOrder.objects.all()}
    assert set(pos) == {supplier_a.pk, supplier_b.pk}
    assert pos[supplier_b.pk].lines.get().unit_price == Decimal("9")
    assert RFQ.objects.get(pk=closed_rfq.pk).state == "awarded"


def test_supplier_acknowledges_with_promised_dates_and_announces_a_shipment_in_the_portal(
    client, buyer, supplier_a, supplier_user_a
):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, lines=((10, "5"), (3, "2")), state="sent")
    first, second = po.lines.order_by("line_no")
    client.force_login(supplier_user_a)
    assert (
        f"/procurement/pos/{po.pk}/acknowledge/" in client.get(f"/procurement/pos/{po.pk}/").content.decode()
    )
    client.post(
        f"/procurement/pos/{po.pk}/acknowledge/",
        {f"promised_{first.pk}": "2030-12-10", f"promised_{second.pk}": "2030-12-12"},
    )
    po.refresh_from_db()
    assert po.state == "acknowledged"
    assert [str(d) for d in po.lines.order_by("line_no").values_list("promised_date", flat=True)] == [
        "2030-12-10",
        "2030-12-12",
    ]
    client.post(
        f"/procurement/pos/{po.pk}/shipping-notice/",
        {"shipped_on": "2026-12-08", "carrier": "顺丰 SF", "tracking_no": "SF123", f"ship_{first.pk}": "10"},
    )
    notice = ShippingNotice.objects.get(po=po)
    assert notice.carrier == "顺丰 SF" and notice.lines.get().quantity == Decimal("10")


def test_supplier_rejects_with_a_reason_in_the_portal_and_without_one_nothing_changes(
    client, buyer, supplier_a, supplier_user_a
):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="sent")
    client.force_login(supplier_user_a)
    client.post(
        f"/procurement/pos/{po.pk}/do/reject/", {"reason": "  "}, HTTP_REFERER=f"/procurement/pos/{po.pk}/"
    )
    assert PurchaseOrder.objects.get(pk=po.pk).state == "sent"
    client.post(f"/procurement/pos/{po.pk}/do/reject/", {"reason": "价格已变 price changed"})
    assert PurchaseOrder.objects.get(pk=po.pk).state == "rejected"
    log = TransitionLog.objects.get(object_id=str(po.pk), transition="reject")
    assert log.reason == "价格已变 price changed" and log.actor == supplier_user_a
