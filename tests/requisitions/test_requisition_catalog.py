"""The catalog: active contract price lines, with item, supplier, price, tax rate, lead time and
the contracted quantity still available; searchable and filterable; scoped by role."""

from datetime import timedelta
from decimal import Decimal as D

from contracts.models import Contract
from procurement.models import Item
from procurement.services import purchase_order_approve, purchase_order_create, purchase_order_submit
from requisitions import selectors
from requisitions.models import CatalogLeadTime
from suppliers.models import Supplier
from tests.factories import ItemFactory, UserFactory
from tests.requisitions.builders import contract_for


def _codes(rows):
    return [(row.item_code, row.version.contract.supplier.name) for row in rows]


def test_catalog_lists_each_active_price_line_with_its_terms(world, supplier_a, paper):
    CatalogLeadTime.objects.create(supplier=supplier_a, item_code="PAPER-A4", days=3)
    CatalogLeadTime.objects.create(supplier=supplier_a, item_code="", days=7)
    rows = {row.item_code: row for row in selectors.catalog(world["requester"])}
    assert set(rows) == {"PAPER-A4", "PEN-1"}
    row = rows["PAPER-A4"]
    assert (row.item_name, row.unit_price, row.tax_rate, row.currency) == (
        "A4 复印纸",
        D("25"),
        D("0.13"),
        "CNY",
    )
    assert row.version.contract.supplier == supplier_a and row.category == "office"
    assert (
        row.lead_time_days == 3 and rows["PEN-1"].lead_time_days == 7
    )  # item-specific, then supplier default
    assert selectors.catalog_remaining(row) == D("100") and selectors.catalog_remaining(rows["PEN-1"]) is None


def test_catalog_search_matches_item_code_name_or_supplier(world, cable_b):
    user = world["requester"]
    assert _codes(selectors.catalog(user, q="复印")) == [("PAPER-A4", "Supplier A 甲")]
    assert _codes(selectors.catalog(user, q="pen-1")) == [("PEN-1", "Supplier A 甲")]
    assert [r.item_code for r in selectors.catalog(user, q="Supplier B")] == ["CABLE-1"]


def test_catalog_filters_by_supplier_and_item_category(world, cable_b, supplier_a):
    user = world["requester"]
    assert {r.item_code for r in selectors.catalog(user, supplier_id=supplier_a.pk)} == {"PAPER-A4", "PEN-1"}
    assert [r.item_code for r in selectors.catalog(user, category="electronics")] == ["CABLE-1"]


def test_remaining_quantity_counts_approved_and_still_open_purchase_orders(
    world, supplier_a, items, entity, buyer
):
    approver = UserFactory(username="po-approver", role="buyer")
    approved = purchase_order_create(
        legal_entity=entity,
        supplier=supplier_a,
        actor=buyer,
        lines=[{"item": items["paper"], "quantity": 30}],
    )
    purchase_order_submit(po=approved, actor=buyer)
    purchase_order_approve(po=approved, actor=approver)  # consumes 30 of the cap
    purchase_order_create(  # a draft that will consume 20 when approved
        legal_entity=entity,
        supplier=supplier_a,
        actor=buyer,
        lines=[{"item": items["paper"], "quantity": 20}],
    )
    row = selectors.catalog(world["requester"]).get(item_code="PAPER-A4")
    assert row.quantity_ordered == D("30")
    assert selectors.catalog_remaining(row) == D("50")


def test_expired_contracts_suspended_suppliers_and_unknown_items_are_not_in_the_catalog(
    world, supplier_b, today, items
):
    user = world["requester"]
    expired = contract_for(
        supplier_b,
        today,
        lines=({"item_code": "CABLE-1", "item_name": "cable", "unit_price": "9", "tax_rate": "0.13"},),
    )
    Contract.objects.filter(pk=expired.pk).update(
        state="expired", valid_from=today - timedelta(days=230), valid_to=today - timedelta(days=100)
    )
    contract_for(
        supplier_b,
        today,
        title="not in item master",
        lines=({"item_code": "NOPE-1", "item_name": "ghost", "unit_price": "1", "tax_rate": "0.13"},),
    )
    Item.objects.filter(code="NOPE-1").delete()  # dropped from the item master afterwards
    assert {r.item_code for r in selectors.catalog(user)} == {"PAPER-A4", "PEN-1"}
    Supplier.objects.filter(pk=world["paper"].version.contract.supplier_id).update(state="suspended")
    assert list(selectors.catalog(user)) == []


def test_when_two_contracts_price_the_same_item_the_catalog_shows_the_one_procurement_uses(
    world, supplier_a, today
):
    newer = contract_for(
        supplier_a,
        today,
        title="newer terms",
        lines=({"item_code": "PEN-1", "item_name": "签字笔 new", "unit_price": "3.20", "tax_rate": "0.13"},),
    )
    Contract.objects.filter(pk=newer.pk).update(valid_from=today - timedelta(days=1))
    from contracts.selectors import active_price_for

    used = active_price_for(supplier_id=supplier_a.pk, item_code="PEN-1", on_date=today)
    rows = [r for r in selectors.catalog(world["requester"]) if r.item_code == "PEN-1"]
    assert [r.pk for r in rows] == [used.pk]


def test_supplier_users_see_no_catalog_and_buyers_do(world, supplier_user_a, buyer):
    assert list(selectors.catalog(supplier_user_a)) == []
    assert selectors.catalog(buyer).count() == 2


def test_a_new_item_in_the_master_with_a_price_line_appears(world, supplier_a, today):
    ItemFactory(code="NEW-1", name="new thing", category="office")
    contract_for(
        supplier_a,
        today,
        title="new",
        lines=({"item_code": "NEW-1", "item_name": "new thing", "unit_price": "1", "tax_rate": "0.06"},),
    )
    assert selectors.catalog(world["requester"], q="new thing").get().tax_rate == D("0.06")
