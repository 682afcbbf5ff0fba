"""core.bounds: the limits themselves, the write guard, the form and schema helpers, and the
tester's contract that answered 500 for good."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django import forms
from django.db import connection
from django.utils import timezone
from django.utils.translation import override
from ninja import Schema
from pydantic import ValidationError

from contracts.models import PriceLine
from contracts.services import contract_create, price_line_add
from core import bounds
from core.bounds import OutOfBounds
from core.services import api_token_create
from tests.factories import ItemFactory

TODAY = date(2026, 12, 7)


def refused(check, value, **kwargs) -> OutOfBounds:
    with pytest.raises(OutOfBounds) as exc:
        check(value, **kwargs)
    return exc.value


@pytest.mark.parametrize("value", ["99999999999999999999", "1e30", "1000000000000", Decimal("1E+12")])
def test_a_price_of_ten_to_the_twelve_or_more_is_too_large(value):
    error = refused(bounds.price, value)
    assert (error.status, error.code, error.details["field"], error.reason) == (
        422,
        "validation_error",
        "unit_price",
        "too_large",
    )
    assert "Unit price is too large" in error.message


def test_the_largest_price_below_the_limit_and_grouped_digits_are_accepted():
    assert bounds.price("999999999999.999999") == Decimal("999999999999.999999")
    assert bounds.amount("1,234.50") == Decimal("1234.50")
    assert bounds.quantity("1000000000") == Decimal("1000000000.000000")


@pytest.mark.parametrize(
    "check, value, reason",
    [
        (bounds.quantity, "1e30", "too_large"),
        (bounds.quantity, "1000000000.000001", "too_large"),
        (bounds.quantity, "0", "zero"),
        (bounds.quantity, "-1", "negative"),
        (bounds.quantity, "1.0000001", "too_many_decimals"),
        (bounds.amount, "12.345", "too_many_decimals"),
        (bounds.amount, "-5", "negative"),
        (bounds.price, "NaN", "not_a_number"),
        (bounds.price, "Infinity", "not_a_number"),
        (bounds.price, "12,34", "not_a_number"),
        (bounds.rate, "1.5", "out_of_range"),
        (bounds.rate, "-0.1", "out_of_range"),
        (bounds.tax_rate, "0.17", "not_allowed"),
        (bounds.currency, "XYZ", "unknown_currency"),
        (bounds.currency, "XXXX", "unknown_currency"),
        (bounds.currency, "XXX", "unknown_currency"),
    ],
)
def test_each_kind_of_value_out_of_bounds_is_refused_with_its_reason(check, value, reason):
    assert refused(check, value).reason == reason


def test_zero_quantity_and_negative_amounts_are_accepted_where_allowed():
    assert bounds.quantity("0", allow_zero=True) == Decimal("0")
    assert bounds.amount("-12.5", allow_negative=True) == Decimal("-12.50")
    assert bounds.tax_rate("0.13") == Decimal("0.1300") and bounds.currency(" cny ") == "CNY"


def test_dates_in_the_past_in_the_future_or_absurdly_far_are_refused():
    assert refused(bounds.date_not_past, "2020-01-01", field="promised_date", today=TODAY).reason == "in_past"
    assert bounds.date_not_past(TODAY, field="promised_date", today=TODAY) == TODAY
    future = TODAY + timedelta(days=365)
    assert refused(bounds.date_not_future, future, field="receipt_date", today=TODAY).reason == "in_future"
    assert refused(bounds.date_sane, "2206-01-01", field="valid_to").reason == "too_far_ahead"
    assert refused(bounds.date_sane, "0202-01-01", field="valid_from").reason == "too_far_back"
    assert bounds.date_sane("2099-12-31", field="valid_to") == date(2099, 12, 31)
    error = refused(
        bounds.date_on_or_after,
        "2026-01-01",
        other=date(2026, 2, 1),
        field="expected_on",
        other_field="shipped_on",
    )
    assert error.reason == "before" and "Shipped on" in error.message
    assert refused(bounds.parse_date, "2026-13-45", field="receipt_date").reason == "not_a_date"
    assert bounds.parse_date("  ") is None


def test_the_message_is_rendered_in_the_readers_language_when_it_is_raised():
    with override("en"):
        english = refused(bounds.quantity, "1e30").message
    assert english == "Quantity is too large: at most 1,000,000,000."


def test_a_line_amount_beyond_ten_to_the_twelve_is_refused():
    assert bounds.line_amount(Decimal("1000"), Decimal("1000")) == Decimal("1000000.00")
    assert (
        refused(bounds.line_amount, Decimal("1000000000"), unit_price=Decimal("1000")).reason == "too_large"
    )


# --- the write guard and reading what was stored before it --------------------------------------


@pytest.mark.parametrize(
    "value, fits",
    [
        ("999999999999.999", True),
        ("999999999999.9999", False),  # SQLite gives back 1.00000000000000E+12: one digit too many
        ("99999999999999999999", False),
        ("-999999999999.999", True),
        ("0.0000001", True),
    ],
)
def test_fits_column_says_whether_a_value_reads_back_from_an_18_6_column(value, fits):
    assert bounds.fits_column(Decimal(value), 18, 6) is fits


@pytest.fixture
def contract(buyer, supplier_a):
    ItemFactory(code="A", name="a")  # a price line needs its item in the item master
    return contract_create(
        supplier=supplier_a,
        title="框架",
        valid_from=date(2026, 1, 1),
        valid_to=date(2026, 12, 31),
        actor=buyer,
    )


def test_saving_a_decimal_beyond_its_column_is_refused_before_it_reaches_the_database(contract, buyer):
    line = price_line_add(
        contract=contract, actor=buyer, item_code="A", item_name="a", unit_price="1", tax_rate="0.13"
    )
    line.unit_price = Decimal("99999999999999999999")
    with pytest.raises(OutOfBounds) as exc:
        line.save()
    assert exc.value.details["field"] == "unit_price"
    assert PriceLine.objects.get(pk=line.pk).unit_price == Decimal("1")


def test_the_testers_contract_page_answers_and_its_line_can_be_removed_when_a_huge_price_is_stored(
    contract, buyer, client_as
):
    """Before the bounds, 99999999999999999999 was stored as it was (SQLite) and every read of the
    line failed: page, API and line removal answered 500 for good. Such a row is now read as it
    is, so the page answers and the buyer removes the line."""
    if connection.vendor != "sqlite":
        pytest.skip("only SQLite stores a value beyond its column's digits (PostgreSQL refuses the write)")
    line = price_line_add(
        contract=contract, actor=buyer, item_code="A", item_name="a", unit_price="1", tax_rate="0.13"
    )
    PriceLine.objects.filter(pk=line.pk).update(unit_price=Decimal("99999999999999999999"))
    client = client_as(buyer)
    assert client.get(f"/contracts/{contract.pk}/").status_code == 200
    assert client.get(f"/api/contracts/{contract.pk}").status_code == 200
    assert client.get(f"/contracts/{contract.pk}/pdf/").status_code == 200
    response = client.post(f"/contracts/{contract.pk}/lines/{line.pk}/remove/")
    assert response.status_code == 302 and not PriceLine.objects.filter(pk=line.pk).exists()


# --- Django forms and ninja schemas ------------------------------------------------------------


class PriceForm(forms.Form):
    unit_price = bounds.form_field(bounds.price, field="unit_price", label="Unit price")
    currency = bounds.form_field(bounds.currency, field="currency")
    quantity = forms.DecimalField(validators=[bounds.validator(bounds.quantity, field="quantity")])


def test_a_django_form_shows_the_bounds_message_on_the_field():
    form = PriceForm(data={"unit_price": "99999999999999999999", "currency": "XYZ", "quantity": "1e30"})
    assert not form.is_valid()
    assert "Unit price is too large" in form.errors["unit_price"][0]
    assert "ISO 4217" in form.errors["currency"][0]
    assert "Quantity is too large" in form.errors["quantity"][0]
    good = PriceForm(data={"unit_price": "12.5", "currency": "usd", "quantity": "3"})
    assert good.is_valid() and good.cleaned_data["unit_price"] == Decimal("12.500000")
    assert good.cleaned_data["currency"] == "USD"


class LineIn(Schema):
    quantity: bounds.Quantity
    unit_price: bounds.Price | None = None
    currency: bounds.Currency = "CNY"
    need_by: bounds.DateNotPast | None = None


def test_a_ninja_schema_refuses_out_of_bounds_values_naming_each_field():
    with pytest.raises(ValidationError) as exc:
        LineIn(quantity="1e30", unit_price="99999999999999999999", currency="XXXX", need_by="2020-01-01")
    errors = {e["loc"][-1]: e for e in exc.value.errors()}
    assert set(errors) == {"quantity", "unit_price", "currency", "need_by"}
    assert errors["quantity"]["type"] == "too_large" and "Quantity is too large" in errors["quantity"]["msg"]
    assert errors["need_by"]["type"] == "in_past"
    ok = LineIn(quantity="2.5", currency="eur", need_by=timezone.localdate())
    assert ok.quantity == Decimal("2.500000") and ok.currency == "EUR"


def test_the_api_answers_422_validation_error_with_the_field_and_the_reason(contract, buyer, client):
    raw = api_token_create(user=buyer, name="erp")[1]
    response = client.post(
        f"/api/contracts/{contract.pk}/lines",
        {"item_code": "A", "item_name": "a", "unit_price": 99999999999999999999, "tax_rate": "0.13"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    body = response.json()
    assert response.status_code == 422 and body["code"] == "validation_error"
    assert body["field"] == "unit_price" and "Unit price is too large" in body["message"]
    assert not PriceLine.objects.exists()
