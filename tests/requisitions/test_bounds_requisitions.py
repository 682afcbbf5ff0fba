"""Requisitions: quantities and estimated prices beyond the limits are refused in the cart (page
and API), budgets beyond them by the service, and nothing is stored."""

from datetime import date

import pytest

from core.bounds import OutOfBounds
from core.services import api_token_create
from requisitions import services
from requisitions.models import Budget, RequisitionLine


@pytest.fixture
def api(client):
    def call(user, method, url, body):
        raw = api_token_create(user=user, name="erp")[1]
        return getattr(client, method)(
            url, data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}"
        )

    return call


@pytest.mark.parametrize("quantity", ["1e30", "1000000001", "1.0000001"])
def test_a_catalog_quantity_beyond_the_limits_is_refused_on_the_page_and_in_the_api(
    world, client, api, paper, quantity
):
    requester = world["requester"]
    client.force_login(requester)
    page = client.post(
        "/requisitions/cart/add/",
        {"price_line": paper.pk, "quantity": quantity},
        HTTP_REFERER="/requisitions/cart/",
        follow=True,
    )
    assert "Quantity" in page.content.decode() and (
        "too large" in page.content.decode() or "decimal places" in page.content.decode()
    )
    response = api(
        requester, "post", "/api/requisitions/cart/lines", {"price_line_id": paper.pk, "quantity": quantity}
    )
    assert response.status_code == 422 and response.json()["field"] == "quantity"
    assert not RequisitionLine.objects.exists()


def test_a_free_text_line_with_a_huge_estimate_is_refused(world, client, api):
    requester = world["requester"]
    client.force_login(requester)
    data = {"description": "服务器", "quantity": "2", "estimated_unit_price": "99999999999999999999"}
    page = client.post("/requisitions/cart/free-text/", data, HTTP_REFERER="/requisitions/cart/", follow=True)
    assert "Estimated unit price is too large" in page.content.decode()
    response = api(requester, "post", "/api/requisitions/cart/free-text", data)
    assert response.status_code == 422 and response.json()["field"] == "estimated_unit_price"
    response = api(
        requester,
        "post",
        "/api/requisitions/cart/free-text",
        {**data, "quantity": "1000000000", "estimated_unit_price": "10000"},
    )
    assert response.status_code == 422 and response.json()["field"] == "line_amount"
    assert not RequisitionLine.objects.exists()


def test_a_budget_beyond_the_limits_is_refused(centre, staff):
    for amount in ("99999999999999999999", "1000.005"):
        with pytest.raises(OutOfBounds) as exc:
            services.budget_set(
                cost_centre=centre,
                starts_on=date(2027, 1, 1),
                ends_on=date(2027, 12, 31),
                amount=amount,
                actor=staff,
            )
        assert exc.value.details["field"] == "budget_amount"
    assert not Budget.objects.filter(starts_on=date(2027, 1, 1)).exists()
