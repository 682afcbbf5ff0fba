"""Issue 14: quantities and prices a requester or buyer types are bounded (at most 10^9 units,
prices below 10^12, at most 6 decimals, nothing negative): a clear refusal, nothing stored."""

from datetime import timedelta

import pytest

from requisitions.models import Requisition, RequisitionLine


@pytest.mark.parametrize("quantity", ["1000000001", "-2", "0", "1.1234567", "abc"])
def test_a_catalog_quantity_out_of_bounds_is_refused_on_the_page_and_nothing_is_added(
    world, paper, client_as, quantity
):
    client = client_as(world["requester"])
    response = client.post(
        "/requisitions/cart/add/",
        {"price_line": paper.pk, "quantity": quantity},
        HTTP_REFERER="/requisitions/catalog/",
        follow=True,
    )
    assert "quantity" in response.content.decode().lower()
    assert not RequisitionLine.objects.exists()


def test_a_free_text_estimate_of_a_trillion_is_refused(world, client_as):
    response = client_as(world["requester"]).post(
        "/requisitions/cart/free-text/",
        {"description": "服务器", "quantity": "1", "estimated_unit_price": "1000000000000"},
        HTTP_REFERER="/requisitions/cart/",
        follow=True,
    )
    assert "too large" in response.content.decode()
    assert not RequisitionLine.objects.exists()


def test_the_api_answers_422_for_out_of_bounds_quantities_and_prices(world, paper, client_as):
    client = client_as(world["requester"])
    for payload in (
        {"price_line_id": paper.pk, "quantity": "1000000001"},
        {"price_line_id": paper.pk, "quantity": "-1"},
    ):
        response = client.post("/api/requisitions/cart/lines", payload, content_type="application/json")
        assert response.status_code == 422, payload
    free = client.post(
        "/api/requisitions/cart/free-text",
        {"description": "x", "quantity": "1", "estimated_unit_price": "1e12"},
        content_type="application/json",
    )
    assert free.status_code == 422
    assert not RequisitionLine.objects.exists()


def test_the_api_submits_to_the_chosen_cost_centre(world, paper, entity, staff, client_as, today):
    from datetime import date

    from requisitions import services

    other = services.cost_centre_create(legal_entity=entity, code="CC-OPS", name="运营", actor=staff)
    services.budget_set(
        cost_centre=other,
        starts_on=date(today.year, 1, 1),
        ends_on=date(today.year, 12, 31),
        amount="999",
        actor=staff,
    )
    user = world["requester"]
    user.requester_profile.other_cost_centres.add(other)
    services.cart_add(actor=user, price_line=paper, quantity="2")
    response = client_as(user).post(
        "/api/requisitions/cart/submit",
        {
            "needed_by": str(today + timedelta(days=5)),
            "delivery_address": "运营部",
            "cost_centre_id": other.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert Requisition.objects.get(requester=user).cost_centre == other
