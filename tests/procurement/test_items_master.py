"""Issue 14: the item master in the portal. Buyers list, create and edit items, categories (by
name) and units, with validation that keeps what was typed; a CSV import creates or updates
items all-or-nothing with a row/column report; others read, supplier users see nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from procurement.models import Item, ItemCategory, Unit
from tests.factories import ItemFactory, UserFactory


@pytest.fixture
def office(db):
    return ItemCategory.objects.create(name="办公用品 Office supplies")


@pytest.fixture
def requester_user(db):
    return UserFactory(username="req-items", role="requester")


def _new(client, **data):
    base = {"code": "PEN-9", "name": "签字笔", "unit": "EA", "category": "", "default_tax_rate": "0.13"}
    return client.post("/procurement/items/new/", {**base, **data})


def test_a_buyer_creates_an_item_with_a_category_chosen_by_name(buyer, office, client_as):
    client = client_as(buyer)
    form = client.get("/procurement/items/new/").content.decode()
    assert "办公用品 Office supplies" in form and "EA · 个 each" in form
    response = _new(client, category=office.name)
    assert response.status_code == 302
    item = Item.objects.get(code="PEN-9")
    assert (item.name, item.unit, item.category, item.default_tax_rate) == (
        "签字笔",
        "EA",
        office.name,
        "0.13",
    )
    listing = client.get("/procurement/items/?category=" + office.name).content.decode()
    assert "PEN-9" in listing and "签字笔" in listing
    assert item.history.latest().history_user == buyer


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"code": "has space"}, "no spaces"),
        ({"code": ""}, "This field is required"),
        ({"unit": "BARREL"}, "Select a valid choice"),
        ({"category": "no such category"}, "Select a valid choice"),
        ({"name": "x" * 201}, "at most 200"),
    ],
)
def test_a_bad_item_is_refused_with_the_reason_and_the_form_keeps_what_was_typed(
    buyer, client_as, data, reason
):
    response = _new(client_as(buyer), **data)
    page = response.content.decode()
    assert response.status_code == 400 and reason in page
    assert 'value="签字笔"' in page or data.get("name")
    assert not Item.objects.exists()


def test_a_duplicate_item_code_is_refused(buyer, client_as):
    ItemFactory(code="PEN-9")
    response = _new(client_as(buyer), code="pen-9")
    assert response.status_code == 400 and "already exists" in response.content.decode()
    assert Item.objects.count() == 1


def test_editing_an_item_keeps_its_code_and_records_who_changed_it(buyer, office, client_as):
    item = ItemFactory(code="PEN-9", name="旧名", unit="EA")
    client = client_as(buyer)
    response = client.post(
        f"/procurement/items/{item.pk}/",
        {"code": "HACKED", "name": "新名", "unit": "PK", "category": office.name, "default_tax_rate": "0.09"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.code, item.name, item.unit, item.category) == ("PEN-9", "新名", "PK", office.name)
    page = client.get(f"/procurement/items/{item.pk}/").content.decode()
    assert "buyer1" in page and "旧名" in page


def test_requesters_read_the_item_master_but_cannot_change_it_and_supplier_users_see_nothing(
    requester_user, supplier_user_a, client_as, db
):
    item = ItemFactory(code="PEN-9")
    client = client_as(requester_user)
    assert client.get("/procurement/items/").status_code == 200
    assert client.get("/procurement/items/new/").status_code == 403
    assert client.post(f"/procurement/items/{item.pk}/", {"name": "x", "unit": "EA"}).status_code == 403
    assert client.post("/procurement/items/categories/", {"name": "偷偷"}).status_code == 403
    supplier = client_as(supplier_user_a)
    for url in ("/procurement/items/", f"/procurement/items/{item.pk}/", "/procurement/items/units/"):
        assert supplier.get(url).status_code in (403, 404), url
    assert Item.objects.get(pk=item.pk).name != "x" and not ItemCategory.objects.filter(name="偷偷").exists()


def test_renaming_a_category_renames_it_on_its_items(buyer, office, client_as):
    item = ItemFactory(code="PEN-9", category=office.name)
    client = client_as(buyer)
    response = client.post(f"/procurement/items/categories/{office.pk}/", {"name": "文具 Stationery"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.category == "文具 Stationery"
    assert client.post("/procurement/items/categories/", {"name": "文具 stationery"}).status_code == 400


def test_a_buyer_adds_and_renames_a_unit_and_a_duplicate_code_is_refused(buyer, client_as):
    client = client_as(buyer)
    assert client.post("/procurement/items/units/", {"code": "ROLL", "name": "卷 roll"}).status_code == 302
    unit = Unit.objects.get(code="ROLL")
    duplicate = client.post("/procurement/items/units/", {"code": "roll", "name": "again"})
    assert duplicate.status_code == 400 and "already exists" in duplicate.content.decode()
    client.post(f"/procurement/items/units/{unit.pk}/", {"code": "CHANGED", "name": "卷"})
    unit.refresh_from_db()
    assert (unit.code, unit.name) == ("ROLL", "卷")


def _csv(text, encoding="utf-8-sig"):
    return SimpleUploadedFile("items.csv", text.encode(encoding), content_type="text/csv")


def test_importing_items_from_csv_creates_and_updates_every_row(buyer, office, client_as):
    ItemFactory(code="PEN-9", name="旧名")
    text = (
        "code,name,unit,category,default_tax_rate,is_service\n"
        f"PEN-9,签字笔 黑,EA,{office.name},13%,否\n"
        "SV-9,维修服务,H,,0.06,yes\n"
    )
    response = client_as(buyer).post("/procurement/items/import/", {"file": _csv(text)})
    assert response.status_code == 302
    assert Item.objects.get(code="PEN-9").name == "签字笔 黑"
    service = Item.objects.get(code="SV-9")
    assert (service.unit, service.default_tax_rate, service.is_service) == ("H", "0.06", True)


def test_an_item_csv_with_bad_rows_stores_nothing_and_names_each_row_column_and_reason(buyer, client_as):
    text = (
        "code,name,unit,category,default_tax_rate,is_service\n"
        "OK-1,好的,EA,,0.13,no\n"
        "BAD 2,空格,EA,,0.13,no\n"  # row 3: code with a space
        "OK-3,单位错,BARREL,,0.13,no\n"  # row 4: unknown unit
        "OK-4,税率错,EA,,0.17,no\n"  # row 5: not a VAT rate
        "OK-5,类别错,EA,不存在,0.13,no\n"  # row 6: unknown category
        "OK-1,重复,EA,,0.13,no\n"  # row 7: same code twice
        "OK-8,,EA,,0.13,maybe\n"  # row 8: no name, is_service not yes/no
    )
    response = client_as(buyer).post("/procurement/items/import/", {"file": _csv(text)})
    page = response.content.decode()
    assert response.status_code == 400 and "Nothing was imported" in page
    for row, column in (
        ("3", "code"),
        ("4", "unit"),
        ("5", "default_tax_rate"),
        ("6", "category"),
        ("7", "code"),
        ("8", "name"),
        ("8", "is_service"),
    ):
        assert f"<tr><td>{row}</td><td>{column}</td>" in page, (row, column)
    assert not Item.objects.exists()
