"""Contracts: out-of-range values typed on the pages or sent to the API are refused with a clear
error and store nothing."""

from datetime import date

import pytest

from contracts.models import Contract, PriceLine
from contracts.services import contract_create
from core.services import api_token_create


@pytest.fixture
def draft(buyer, supplier_a):
    return contract_create(
        supplier=supplier_a,
        title="框架",
        valid_from=date(2026, 1, 1),
        valid_to=date(date.today().year + 1, 12, 31),
        actor=buyer,
    )


@pytest.fixture
def api(client):
    def call(user, method, url, body):
        raw = api_token_create(user=user, name="erp")[1]
        return getattr(client, method)(
            url, data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}"
        )

    return call


LINE = {"item_code": "IT-1", "item_name": "螺丝", "unit_price": "1.25", "tax_rate": "0.13", "unit": "EA"}


@pytest.mark.parametrize(
    "change, shown",
    [
        ({"unit_price": "99999999999999999999"}, "Unit price is too large"),
        ({"unit_price": "1e30"}, "Unit price is too large"),
        ({"unit_price": "1.1234567"}, "Unit price may have at most 6 decimal places"),
        ({"quantity_cap": "1e30"}, "Quantity cap is too large"),
    ],
)
def test_the_price_line_form_refuses_numbers_beyond_the_limits_and_stores_nothing(
    draft, buyer, client_as, change, shown
):
    client = client_as(buyer)
    page = client.post(
        f"/contracts/{draft.pk}/lines/",
        {**LINE, **change},
        HTTP_REFERER=f"/contracts/{draft.pk}/",
        follow=True,
    )
    # the form comes back with the reason (and what was typed), nothing stored
    assert page.status_code == 400 and shown in page.content.decode()
    assert not PriceLine.objects.exists()
    assert client.get(f"/contracts/{draft.pk}/").status_code == 200


@pytest.mark.parametrize("currency", ["XYZ", "XXXX"])
def test_the_new_contract_form_refuses_an_unknown_currency(buyer, supplier_a, client_as, currency):
    client = client_as(buyer)
    page = client.post(
        "/contracts/new/",
        {
            "supplier_id": supplier_a.pk,
            "title": "T",
            "valid_from": "2026-01-01",
            "valid_to": "2026-12-31",
            "currency": currency,
        },
        HTTP_REFERER="/contracts/new/",
        follow=True,
    )
    assert "is not an ISO 4217 currency code" in page.content.decode()
    assert not Contract.objects.exists()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"unit_price": 99999999999999999999}, "unit_price"),
        ({"quantity_cap": 1e30}, "quantity_cap"),
        ({"tax_rate": "0.17"}, "tax_rate"),
        ({"currency": "XYZ"}, "currency"),
        ({"valid_to": "2206-01-01"}, "valid_to"),
    ],
)
def test_the_price_line_api_answers_422_naming_the_field_and_stores_nothing(draft, buyer, api, change, field):
    response = api(buyer, "post", f"/api/contracts/{draft.pk}/lines", {**LINE, **change})
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "validation_error" and response.json()["field"] == field
    assert not PriceLine.objects.exists()


def test_the_contract_api_refuses_an_unknown_currency(buyer, supplier_a, api):
    body = {"supplier_id": supplier_a.pk, "title": "T", "valid_from": "2026-01-01", "valid_to": "2026-12-31"}
    response = api(buyer, "post", "/api/contracts/", {**body, "currency": "XXXX"})
    assert response.status_code == 422 and response.json()["field"] == "currency"
    assert not Contract.objects.exists()
    assert api(buyer, "post", "/api/contracts/", {**body, "currency": "usd"}).status_code == 201
    assert Contract.objects.get().currency == "USD"
