"""Issue 14: a contract is submitted and approved only with an approved supplier and a validity
that has not ended; the contract forms keep what was typed on any error; every figure is
bounded; a price line needs its item in the item master; price lines import from CSV
all-or-nothing with a row-by-row report."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contracts.models import Contract, PriceLine
from contracts.services import contract_create, contract_transition, price_line_add
from core.models import TransitionLog
from suppliers.models import Supplier
from tests.factories import ItemFactory, SupplierFactory

LINE = {"item_code": "IT-1", "item_name": "螺丝 M6", "unit_price": "1.25", "tax_rate": "0.13"}


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def draft(buyer, supplier_a, today):
    contract = contract_create(
        supplier=supplier_a,
        title="框架",
        valid_from=today - timedelta(days=5),
        valid_to=today + timedelta(days=300),
        actor=buyer,
    )
    price_line_add(contract=contract, actor=buyer, **LINE)
    return contract


def _state(contract):
    return Contract.objects.get(pk=contract.pk).state


def test_submitting_a_contract_of_a_supplier_not_approved_is_refused_on_the_page_and_changes_nothing(
    draft, buyer, supplier_a, client_as
):
    Supplier.objects.filter(pk=supplier_a.pk).update(state="submitted")
    client = client_as(buyer)
    response = client.post(
        f"/contracts/{draft.pk}/submit/", HTTP_REFERER=f"/contracts/{draft.pk}/", follow=True
    )
    assert "not approved" in response.content.decode()
    assert _state(draft) == "draft"
    assert not TransitionLog.objects.filter(object_id=str(draft.pk), content_type__model="contract").exists()


def test_approving_is_refused_when_the_supplier_was_suspended_meanwhile(
    draft, buyer, buyer2, supplier_a, client_as
):
    contract_transition(contract=draft, name="submit", actor=buyer)
    Supplier.objects.filter(pk=supplier_a.pk).update(state="suspended")
    response = client_as(buyer2).post(
        f"/contracts/{draft.pk}/approve/", HTTP_REFERER=f"/contracts/{draft.pk}/", follow=True
    )
    assert "not approved" in response.content.decode()
    assert _state(draft) == "in_approval"
    assert Contract.objects.get(pk=draft.pk).current_version is None


def test_a_contract_that_ended_in_2021_cannot_be_submitted_or_approved(draft, buyer, buyer2, client_as):
    contract_transition(contract=draft, name="submit", actor=buyer)
    Contract.objects.filter(pk=draft.pk).update(
        valid_from="2021-01-01", valid_to="2021-12-31"
    )  # e.g. typed in long ago
    response = client_as(buyer2).post(
        f"/contracts/{draft.pk}/approve/", HTTP_REFERER=f"/contracts/{draft.pk}/", follow=True
    )
    assert "2021-12-31" in response.content.decode()
    assert _state(draft) == "in_approval"
    api = client_as(buyer2).post(f"/api/contracts/{draft.pk}/approve", {}, content_type="application/json")
    assert api.status_code == 400 and api.json()["code"] == "contract_validity_ended"
    assert _state(draft) == "in_approval"


def test_the_new_contract_form_keeps_what_was_typed_when_the_end_is_before_the_start(
    buyer, supplier_a, client_as
):
    data = {
        "supplier_id": supplier_a.pk,
        "title": "保留我输入的标题",
        "valid_from": "2027-03-01",
        "valid_to": "2027-02-01",
        "currency": "CNY",
    }
    response = client_as(buyer).post("/contracts/new/", data)
    page = response.content.decode()
    assert response.status_code == 400
    assert (
        'value="保留我输入的标题"' in page and 'value="2027-03-01"' in page and 'value="2027-02-01"' in page
    )
    assert f'<option value="{supplier_a.pk}" selected>' in page
    assert "end on or after its start" in page
    assert Contract.objects.count() == 0


def test_the_new_contract_form_keeps_what_was_typed_when_the_service_refuses(buyer, client_as):
    blocked = SupplierFactory(name="Blocked 乙", state="blocked")
    data = {
        "supplier_id": blocked.pk,
        "title": "被拒绝",
        "valid_from": "2027-01-01",
        "valid_to": "2027-12-31",
        "currency": "cny",
    }
    response = client_as(buyer).post("/contracts/new/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "blocked" in page and 'value="被拒绝"' in page
    assert Contract.objects.count() == 0


def test_a_new_contract_that_has_already_ended_is_refused_on_the_form(buyer, supplier_a, client_as):
    data = {
        "supplier_id": supplier_a.pk,
        "title": "旧合同",
        "valid_from": "2021-01-01",
        "valid_to": "2021-12-31",
        "currency": "CNY",
    }
    response = client_as(buyer).post("/contracts/new/", data)
    assert response.status_code == 400 and "has passed" in response.content.decode()
    assert Contract.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("unit_price", "1000000000000", "Unit price is too large"),
        ("unit_price", "-1", "Unit price cannot be negative"),
        ("unit_price", "1.1234567", "at most 6 decimal places"),
        ("quantity_cap", "1000000001", "Quantity cap is too large"),
        ("quantity_cap", "0", "Quantity cap must be more than zero"),
        ("valid_to", "2000-01-01", "end on or after its start"),
    ],
)
def test_a_bad_price_line_is_refused_with_the_reason_and_the_form_keeps_what_was_typed(
    draft, buyer, client_as, field, value, message, today
):
    data = {**LINE, "item_code": "IT-2", "unit": "EA", "valid_from": str(today), "quantity_cap": "50"}
    data[field] = value
    response = client_as(buyer).post(f"/contracts/{draft.pk}/lines/", data)
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert f'value="{value}"' in page and 'value="IT-2"' in page
    assert PriceLine.objects.filter(item_code="IT-2").count() == 0


def test_a_price_line_for_an_item_not_in_the_item_master_is_refused_with_an_offer_to_create_it(
    draft, buyer, client_as
):
    data = {**LINE, "item_code": "NEW-77", "item_name": "新物料", "unit": "EA"}
    response = client_as(buyer).post(f"/contracts/{draft.pk}/lines/", data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "not in the item master" in page
    assert "/procurement/items/new/?code=NEW-77" in page
    assert not PriceLine.objects.filter(item_code="NEW-77").exists()
    # created through the offered page, the buyer comes back to the contract and adds the line
    created = client_as(buyer).post(
        f"/procurement/items/new/?code=NEW-77&next=/contracts/{draft.pk}/%23lines",
        {
            "code": "NEW-77",
            "name": "新物料",
            "unit": "EA",
            "default_tax_rate": "0.13",
            "next": f"/contracts/{draft.pk}/#lines",
        },
    )
    assert created.status_code == 302 and created["Location"] == f"/contracts/{draft.pk}/#lines"
    assert client_as(buyer).post(f"/contracts/{draft.pk}/lines/", data).status_code == 302
    line = PriceLine.objects.get(item_code="NEW-77")
    assert line.unit == "EA" and line.item_name == "新物料"


def test_a_price_line_in_another_unit_than_the_item_master_is_refused(draft, buyer, client_as):
    ItemFactory(code="IT-2", unit="PK")
    response = client_as(buyer).post(
        f"/contracts/{draft.pk}/lines/", {**LINE, "item_code": "IT-2", "unit": "EA"}
    )
    assert response.status_code == 400 and "item master" in response.content.decode()
    assert not PriceLine.objects.filter(item_code="IT-2").exists()
    client_as(buyer).post(f"/contracts/{draft.pk}/lines/", {**LINE, "item_code": "IT-2", "unit": ""})
    assert PriceLine.objects.get(item_code="IT-2").unit == "PK"  # empty: the item master's unit


def test_the_price_line_api_answers_422_for_out_of_bounds_figures(draft, buyer, client_as):
    client = client_as(buyer)
    for payload in (
        {**LINE, "item_code": "IT-2", "unit_price": "1000000000000"},
        {**LINE, "item_code": "IT-2", "unit_price": "-0.01"},
        {**LINE, "item_code": "IT-2", "quantity_cap": "0"},
        {**LINE, "item_code": "IT-2", "quantity_cap": "1000000001"},
    ):
        response = client.post(f"/api/contracts/{draft.pk}/lines", payload, content_type="application/json")
        assert response.status_code == 422, payload
    unknown = client.post(
        f"/api/contracts/{draft.pk}/lines", {**LINE, "item_code": "NOPE"}, content_type="application/json"
    )
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_item"
    assert PriceLine.objects.filter(version__contract=draft).count() == 1


def _csv(text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("lines.csv", text.encode("utf-8-sig"), content_type="text/csv")


def test_importing_price_lines_from_csv_stores_every_row(draft, buyer, client_as):
    ItemFactory(code="IT-2", unit="EA")
    text = "item_code,item_name,unit_price,tax_rate,quantity_cap\nIT-2,垫圈,0.35,0.13,1000\nIT-3,,2,0.09,\n"
    response = client_as(buyer).post(f"/contracts/{draft.pk}/lines/import/", {"file": _csv(text)})
    assert response.status_code == 302
    rows = dict(PriceLine.objects.filter(version__contract=draft).values_list("item_code", "unit_price"))
    assert set(rows) == {"IT-1", "IT-2", "IT-3"}
    assert PriceLine.objects.get(item_code="IT-3").item_name == "Item IT-3"  # from the item master


def test_a_price_line_csv_with_bad_rows_stores_nothing_and_names_each_row_column_and_reason(
    draft, buyer, client_as
):
    text = (
        "item_code,unit_price,tax_rate,quantity_cap,valid_from,valid_to\n"
        "IT-2,5,0.13,,,\n"  # fine on its own
        "GHOST-1,5,0.13,,,\n"  # row 3: not in the item master
        "IT-3,1000000000000,0.13,,,\n"  # row 4: price too large
        "IT-9,5,0.17,,,\n"  # row 5: not a VAT rate
        "X,5,0.13,-3,,\n"  # row 6: negative cap
        "IT-9,5,0.13,,2026-12-31,2026-01-01\n"  # row 7: ends before it starts
    )
    response = client_as(buyer).post(f"/contracts/{draft.pk}/lines/import/", {"file": _csv(text)})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was imported" in page
    for row, column in (
        ("3", "item_code"),
        ("4", "unit_price"),
        ("5", "tax_rate"),
        ("6", "quantity_cap"),
        ("7", "valid_to"),
    ):
        assert f"<tr><td>{row}</td><td>{column}</td>" in page, (row, column)
    assert "GHOST-1" in page
    assert list(PriceLine.objects.filter(version__contract=draft).values_list("item_code", flat=True)) == [
        "IT-1"
    ]


def test_a_csv_without_the_required_columns_is_refused_whole(draft, buyer, client_as):
    response = client_as(buyer).post(
        f"/contracts/{draft.pk}/lines/import/", {"file": _csv("code,price\nIT-2,5\n")}
    )
    assert response.status_code == 400 and "lacks the column" in response.content.decode()
    assert PriceLine.objects.filter(version__contract=draft).count() == 1


def test_a_gb18030_csv_from_excel_is_read(draft, buyer, client_as):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = "item_code,item_name,unit_price,tax_rate\nIT-2,中文名称,3,0.13\n".encode("gb18030")
    response = client_as(buyer).post(
        f"/contracts/{draft.pk}/lines/import/", {"file": SimpleUploadedFile("x.csv", data)}
    )
    assert response.status_code == 302
    assert PriceLine.objects.get(item_code="IT-2").item_name == "中文名称"
