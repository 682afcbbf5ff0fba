"""Portal pages (requester: catalog, cart, my requisitions; approvers; buyer: requisitions to
convert; budgets) and API endpoints, with their scoping."""

import re
from datetime import timedelta

import pytest

from core.models import TransitionLog
from core.services import api_token_create
from procurement.models import RFQ, PurchaseOrder
from requisitions import selectors, services
from requisitions.models import Requisition, RequisitionLine
from tests.factories import ItemFactory, UserFactory


@pytest.fixture
def other_requester(centre, staff):
    user = UserFactory(username="otto", role="requester")
    services.requester_assign(user=user, cost_centre=centre, actor=staff)
    return user


@pytest.fixture(autouse=True)
def english(settings):
    """Pages in English so the tests can read them (the default language is Chinese)."""
    settings.LANGUAGE_CODE = "en"


def _api(client, user):
    _, raw = api_token_create(user=user, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


# ---- pages ------------------------------------------------------------------------------------


def test_a_requester_can_open_home_and_every_nav_link(world, client):
    client.force_login(world["requester"])
    home = client.get("/")
    assert home.status_code == 200
    nav = re.findall(r'<nav aria-label="[^"]*">(.*?)</nav>', home.content.decode(), re.S)[0]
    hrefs = {chunk.split('"', 1)[0] for chunk in nav.split('href="')[1:]}
    assert {"/requisitions/catalog/", "/requisitions/cart/", "/requisitions/"} <= hrefs
    for href in hrefs:
        assert client.get(href).status_code == 200, href


def test_catalog_page_searches_and_adds_to_the_cart(world, client, paper):
    client.force_login(world["requester"])
    page = client.get("/requisitions/catalog/", {"q": "复印"}).content.decode()
    assert "A4 复印纸" in page and "签字笔" not in page and "100 PK" in page
    response = client.post(
        "/requisitions/cart/add/",
        {"price_line": paper.pk, "quantity": "3"},
        HTTP_REFERER="/requisitions/catalog/",
    )
    assert response.status_code == 302
    assert selectors.cart_get(world["requester"]).lines.get().quantity == 3


def test_cart_page_refusal_shows_the_message_and_changes_nothing(world, client, paper):
    client.force_login(world["requester"])
    client.post(
        "/requisitions/cart/add/",
        {"price_line": paper.pk, "quantity": "101"},
        HTTP_REFERER="/requisitions/cart/",
    )
    assert not RequisitionLine.objects.exists()
    page = client.get("/requisitions/cart/").content.decode()
    assert "only 100 left" in page


def test_requester_submits_from_the_cart_page_and_follows_it(world, client, paper, today):
    client.force_login(world["requester"])
    client.post("/requisitions/cart/add/", {"price_line": paper.pk, "quantity": "2"})
    client.post(
        "/requisitions/cart/free-text/",
        {"description": "显示器支架", "quantity": "1", "estimated_unit_price": "150", "unit": "EA"},
    )
    response = client.post(
        "/requisitions/cart/submit/",
        {"needed_by": (today + timedelta(days=5)).isoformat(), "delivery_address": "3 楼前台"},
    )
    requisition = Requisition.objects.get(requester=world["requester"])
    assert response.status_code == 302 and response["Location"] == f"/requisitions/{requisition.pk}/"
    page = client.get(f"/requisitions/{requisition.pk}/").content.decode()
    assert requisition.number in page and "显示器支架" in page and "waiting for approval" in page
    assert requisition.number in client.get("/requisitions/").content.decode()


def test_budget_owner_approves_on_the_page_and_buyer_converts_on_the_page(
    world, client, submit, paper, pen, manager, buyer
):
    requisition = submit(world["requester"], [(paper, 2), (pen, 1)])
    client.force_login(manager)
    assert requisition.number in client.get("/requisitions/approvals/").content.decode()
    assert requisition.number in client.get("/").content.decode()  # home panel
    client.post(f"/requisitions/{requisition.pk}/do/approve/")
    requisition.refresh_from_db()
    assert requisition.state == "approved"

    client.force_login(buyer)
    home = client.get("/").content.decode()
    assert "2 approved lines to order" in home
    page = client.get("/requisitions/convert/").content.decode()
    assert requisition.number in page and "Supplier A 甲" in page
    line_ids = list(requisition.lines.values_list("pk", flat=True))
    client.post("/requisitions/convert/run/", {"line": line_ids})
    requisition.refresh_from_db()
    assert requisition.state == "ordered"
    po = PurchaseOrder.objects.get()
    client.force_login(world["requester"])
    assert po.number in client.get(f"/requisitions/{requisition.pk}/").content.decode()


def test_buyer_sources_free_text_on_the_page_and_starts_an_rfq(world, client, approved, buyer, supplier_b):
    chair = ItemFactory(code="CHAIR-9", name="椅子")
    requisition = approved(world["requester"], [], free_text=[("椅子", 2, "500"), ("桌子", 1, "900")])
    chair_line, table_line = requisition.lines.order_by("line_no")
    client.force_login(buyer)
    client.post(
        f"/requisitions/lines/{chair_line.pk}/source/",
        {"supplier": supplier_b.pk, "item": chair.pk, "unit_price": "480", "tax_rate": "0.13"},
    )
    chair_line.refresh_from_db()
    assert chair_line.supplier == supplier_b and chair_line.is_orderable
    response = client.post(
        "/requisitions/convert/rfq/",
        {"title": "桌子询价", "line": [table_line.pk], f"item_{table_line.pk}": chair.pk},
    )
    rfq = RFQ.objects.get()
    assert response["Location"] == f"/procurement/rfqs/{rfq.pk}/"
    assert rfq.title == "桌子询价" and rfq.number in client.get("/requisitions/convert/").content.decode()


def test_another_requester_gets_404_and_suppliers_403_on_requisition_pages(
    world, client, submit, paper, other_requester, supplier_user_a
):
    requisition = submit(world["requester"], [(paper, 1)])
    client.force_login(other_requester)
    assert client.get(f"/requisitions/{requisition.pk}/").status_code == 404
    assert client.post(f"/requisitions/{requisition.pk}/do/cancel/", {"reason": "x"}).status_code == 404
    client.force_login(supplier_user_a)
    for url in (
        "/requisitions/",
        "/requisitions/catalog/",
        "/requisitions/cart/",
        f"/requisitions/{requisition.pk}/",
    ):
        assert client.get(url).status_code == 403, url
    requisition.refresh_from_db()
    assert requisition.state == "submitted"


def test_requesters_cannot_open_the_buyers_conversion_page(world, client):
    client.force_login(world["requester"])
    assert client.get("/requisitions/convert/").status_code == 403
    assert client.post("/requisitions/convert/run/", {"line": [1]}).status_code == 403


def test_budgets_page_shows_committed_and_spent(world, client, approved, paper):
    approved(world["requester"], [(paper, 4)])
    client.force_login(world["requester"])
    page = client.get("/requisitions/budgets/").content.decode()
    assert "CC-IT" in page and "CN¥100.00" in page and "CN¥9,900.00" in page


# ---- API --------------------------------------------------------------------------------------


def test_api_walks_a_requisition_from_catalog_to_purchase_order(world, client, paper, manager, buyer, today):
    req_headers = _api(client, world["requester"])
    catalog = client.get("/api/requisitions/catalog?q=A4", **req_headers).json()
    assert [
        (e["item_code"], e["supplier_name"], e["unit_price"], e["tax_rate"], e["remaining_quantity"])
        for e in catalog
    ] == [("PAPER-A4", "Supplier A 甲", "25.000000", "0.1300", "100.000000")]
    assert client.get("/api/requisitions/cart", **req_headers).status_code == 204
    added = client.post(
        "/api/requisitions/cart/lines",
        {"price_line_id": catalog[0]["price_line_id"], "quantity": "4"},
        content_type="application/json",
        **req_headers,
    )
    assert added.status_code == 201 and added.json()["amount"] == "100.00"
    line_id = added.json()["id"]
    assert (
        client.patch(
            f"/api/requisitions/cart/lines/{line_id}",
            {"quantity": "6"},
            content_type="application/json",
            **req_headers,
        ).json()["quantity"]
        == "6.000000"
    )
    submitted = client.post(
        "/api/requisitions/cart/submit",
        {"needed_by": (today + timedelta(days=9)).isoformat(), "delivery_address": "API 大楼"},
        content_type="application/json",
        **req_headers,
    ).json()
    assert submitted["state"] == "submitted" and submitted["steps"][0]["approver"] == "manager"
    rid = submitted["id"]

    own = client.post(f"/api/requisitions/{rid}/approve", {}, content_type="application/json", **req_headers)
    assert own.status_code == 403 and own.json()["code"] == "own_requisition_approval"
    approved = client.post(
        f"/api/requisitions/{rid}/approve",
        {"reason": "ok"},
        content_type="application/json",
        **_api(client, manager),
    )
    assert approved.json()["state"] == "approved"

    buyer_headers = _api(client, buyer)
    assert [
        row["requisition_number"]
        for row in client.get("/api/requisitions/to-convert", **buyer_headers).json()
    ] == [submitted["number"]]
    pos = client.post(
        "/api/requisitions/convert",
        {"requisition_ids": [rid]},
        content_type="application/json",
        **buyer_headers,
    )
    assert pos.status_code == 201 and len(pos.json()) == 1
    again = client.post(
        "/api/requisitions/convert",
        {"requisition_ids": [rid]},
        content_type="application/json",
        **buyer_headers,
    )
    assert again.status_code == 409 and again.json()["code"] == "already_ordered"

    detail = client.get(f"/api/requisitions/{rid}", **req_headers).json()
    assert detail["state"] == "ordered" and detail["lines"][0]["po_number"] == pos.json()[0]["number"]
    history = client.get(f"/api/requisitions/{rid}/history", **req_headers).json()
    assert [h["transition"] for h in history] == ["submit", "approve", "order"]
    assert history[2]["actor"] == buyer.username


def test_api_refusals_carry_their_code_and_change_nothing(world, client, paper, today):
    headers = _api(client, world["requester"])
    before = (TransitionLog.objects.count(), Requisition.objects.count())
    empty = client.post(
        "/api/requisitions/cart/submit",
        {"needed_by": (today + timedelta(days=1)).isoformat()},
        content_type="application/json",
        **headers,
    )
    assert (empty.status_code, empty.json()["code"]) == (400, "cart_empty")
    too_many = client.post(
        "/api/requisitions/cart/lines",
        {"price_line_id": paper.pk, "quantity": "1000"},
        content_type="application/json",
        **headers,
    )
    assert too_many.status_code == 400 and too_many.json()["code"] == "contract_quantity_exceeded"
    assert not RequisitionLine.objects.exists()
    assert (TransitionLog.objects.count(), Requisition.objects.count()) == before


def test_api_scopes_requisitions_by_requester_and_refuses_supplier_users(
    world, client, submit, paper, other_requester, supplier_user_a, buyer
):
    requisition = submit(world["requester"], [(paper, 1)])
    other = _api(client, other_requester)
    assert client.get(f"/api/requisitions/{requisition.pk}", **other).status_code == 404
    assert client.get("/api/requisitions/", **other).json() == []
    supplier = _api(client, supplier_user_a)
    for url in (f"/api/requisitions/{requisition.pk}", "/api/requisitions/", "/api/requisitions/catalog"):
        assert client.get(url, **supplier).status_code == 403, url
    assert [r["number"] for r in client.get("/api/requisitions/", **_api(client, buyer)).json()] == [
        requisition.number
    ]


def test_api_budgets_show_pending_committed_spent_and_available(world, client, submit, paper):
    submit(world["requester"], [(paper, 2)])
    [row] = client.get("/api/requisitions/budgets", **_api(client, world["requester"])).json()
    assert (row["cost_centre"], row["amount"], row["pending"], row["available"]) == (
        "CC-IT",
        "10000.00",
        "50.00",
        "9950.00",
    )


def test_api_sources_a_free_text_line_and_starts_an_rfq(world, client, approved, buyer, supplier_b):
    chair = ItemFactory(code="CHAIR-7", name="椅子")
    requisition = approved(world["requester"], [], free_text=[("椅子", 2, "500"), ("柜子", 1, "900")])
    a, b = requisition.lines.order_by("line_no")
    headers = _api(client, buyer)
    assert [row["id"] for row in client.get("/api/requisitions/to-source", **headers).json()] == [a.pk, b.pk]
    sourced = client.post(
        f"/api/requisitions/lines/{a.pk}/source",
        {"supplier_id": supplier_b.pk, "item_id": chair.pk, "unit_price": "470", "tax_rate": "0.13"},
        content_type="application/json",
        **headers,
    )
    assert sourced.status_code == 200 and sourced.json()["supplier_id"] == supplier_b.pk
    rfq = client.post(
        "/api/requisitions/rfq",
        {"title": "柜子", "lines": [{"line_id": b.pk, "item_id": chair.pk}]},
        content_type="application/json",
        **headers,
    )
    assert rfq.status_code == 201 and rfq.json()["state"] == "draft"
