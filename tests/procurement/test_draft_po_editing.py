"""Point 4: a draft PO's lines can be changed or removed (service, portal, API); in any other
state the edit is refused with ``po_not_editable`` and nothing changes."""

from decimal import Decimal

import pytest

from core.errors import IllegalTransition, NotFound, PermissionDenied
from core.services import api_token_create
from procurement import services
from procurement.models import PurchaseOrder, PurchaseOrderLine
from tests.factories import ItemFactory, make_active_contract, make_purchase_order


@pytest.fixture
def draft(buyer, supplier_a):
    return make_purchase_order(requester=buyer, supplier=supplier_a, lines=((10, "5"), (2, "3"), (1, "7")))


@pytest.fixture
def bearer(client):
    def call(user, method, url, body=None):
        raw = api_token_create(user=user, name="erp")[1]
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        return getattr(client, method)(url, **kwargs)

    return call


def _lines(po):
    return list(
        PurchaseOrderLine.objects.filter(po=po)
        .order_by("line_no")
        .values_list("line_no", "quantity", "unit_price", "tax_rate")
    )


def test_buyer_changes_quantity_price_tax_rate_and_date_of_a_draft_line(buyer, draft):
    line = draft.lines.get(line_no=2)
    changed = services.purchase_order_line_update(
        po=draft,
        line=line,
        actor=buyer,
        quantity="4.5",
        unit_price="3.20",
        tax_rate="exempt",
        required_date="2030-12-01",
    )
    assert (changed.quantity, changed.unit_price, changed.tax_rate) == (Decimal("4.5"), Decimal("3.2"), None)
    assert str(changed.required_date) == "2030-12-01"
    assert PurchaseOrder.objects.get(pk=draft.pk).net_total == Decimal("71.40")  # 50 + 14.40 + 7


def test_a_changed_price_above_the_contract_is_flagged_and_an_empty_price_goes_back_to_it(buyer, supplier_a):
    make_active_contract(
        supplier_a,
        lines=({"item_code": "BOLT-8", "item_name": "螺栓", "unit_price": "1.25", "tax_rate": "0.13"},),
    )
    item = ItemFactory(code="BOLT-8")
    po = services.purchase_order_create(
        legal_entity=make_purchase_order(requester=buyer, supplier=supplier_a).legal_entity,
        supplier=supplier_a,
        actor=buyer,
        lines=[{"item": item, "quantity": 10}],
    )
    line = po.lines.get()
    line = services.purchase_order_line_update(po=po, line=line, actor=buyer, unit_price="1.50")
    assert line.price_above_contract and line.contract_price == Decimal("1.25")
    line = services.purchase_order_line_update(po=po, line=line, actor=buyer, unit_price=None)
    assert line.unit_price == Decimal("1.25") and not line.price_above_contract


def test_removing_a_draft_line_renumbers_the_lines_after_it(buyer, draft):
    services.purchase_order_line_remove(po=draft, line=draft.lines.get(line_no=2), actor=buyer)
    assert _lines(draft) == [
        (1, Decimal("10"), Decimal("5"), Decimal("0.13")),
        (2, Decimal("1"), Decimal("7"), Decimal("0.13")),
    ]


def test_invalid_changes_are_refused_and_nothing_changes(buyer, draft):
    before = _lines(draft)
    line = draft.lines.get(line_no=1)
    for kwargs, code, field in (  # out of range: core.bounds' validation_error naming the field
        ({"quantity": "0"}, "validation_error", "quantity"),
        ({"quantity": "-2"}, "validation_error", "quantity"),
        ({"unit_price": "-1"}, "validation_error", "unit_price"),
        ({"tax_rate": "1.3"}, "validation_error", "tax_rate"),
        ({"unit_price": None}, "unit_price_required", None),  # no contract price to fall back to
    ):
        with pytest.raises(Exception) as exc:
            services.purchase_order_line_update(po=draft, line=line, actor=buyer, **kwargs)
        assert getattr(exc.value, "code", None) == code
        assert getattr(exc.value, "details", {}).get("field") == field
    assert _lines(draft) == before


@pytest.mark.parametrize(
    "state", ["pending_approval", "approved", "sent", "acknowledged", "rejected", "received", "cancelled"]
)
def test_editing_or_removing_a_line_outside_draft_is_refused_with_nothing_changed(buyer, supplier_a, state):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, lines=((10, "5"), (2, "3")), state=state)
    before = _lines(po)
    line = po.lines.get(line_no=1)
    with pytest.raises(IllegalTransition) as exc:
        services.purchase_order_line_update(po=po, line=line, actor=buyer, quantity="3")
    assert exc.value.code == "po_not_editable" and "only a draft" in exc.value.message
    with pytest.raises(IllegalTransition) as exc:
        services.purchase_order_line_remove(po=po, line=line, actor=buyer)
    assert exc.value.code == "po_not_editable"
    with pytest.raises(IllegalTransition):
        services.purchase_order_line_add(po=po, item=ItemFactory(), quantity=1, unit_price="1", actor=buyer)
    assert _lines(po) == before


def test_a_supplier_user_cannot_edit_lines(supplier_user_a, draft):
    with pytest.raises(PermissionDenied):
        services.purchase_order_line_update(
            po=draft, line=draft.lines.first(), actor=supplier_user_a, quantity=1
        )


def test_a_line_of_another_po_is_not_found(buyer, draft, supplier_a):
    other = make_purchase_order(requester=buyer, supplier=supplier_a)
    with pytest.raises(NotFound):
        services.purchase_order_line_remove(po=draft, line=other.lines.get(), actor=buyer)
    assert other.lines.count() == 1


# ---- portal --------------------------------------------------------------------------------


def test_buyer_edits_and_removes_draft_lines_in_the_portal(client_as, buyer, draft):
    client = client_as(buyer)
    page = client.get(f"/procurement/pos/{draft.pk}/").content.decode()
    first, second = draft.lines.get(line_no=1), draft.lines.get(line_no=2)
    assert f"/procurement/pos/{draft.pk}/lines/{first.pk}/remove/" in page
    response = client.post(
        f"/procurement/pos/{draft.pk}/lines/{first.pk}/",
        {"quantity": "12", "unit_price": "4.5", "tax_rate": "0.09", "description": "改 changed"},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.quantity, first.unit_price, first.tax_rate, first.description) == (
        Decimal("12"),
        Decimal("4.5"),
        Decimal("0.09"),
        "改 changed",
    )
    client.post(f"/procurement/pos/{draft.pk}/lines/{second.pk}/remove/")
    assert draft.lines.count() == 2 and not PurchaseOrderLine.objects.filter(pk=second.pk).exists()


def test_portal_refuses_editing_a_submitted_po_with_a_message(client_as, buyer, draft):
    client = client_as(buyer)
    services.purchase_order_submit(po=draft, actor=buyer)
    line = draft.lines.get(line_no=1)
    assert f"/lines/{line.pk}/remove/" not in client.get(f"/procurement/pos/{draft.pk}/").content.decode()
    response = client.post(
        f"/procurement/pos/{draft.pk}/lines/{line.pk}/",
        {"quantity": "99"},
        HTTP_REFERER=f"/procurement/pos/{draft.pk}/",
        follow=True,
    )
    assert "only a draft can be edited" in response.content.decode()
    line.refresh_from_db()
    assert line.quantity == Decimal("10")


# ---- API -----------------------------------------------------------------------------------


def test_erp_patches_and_deletes_draft_lines_through_the_api(bearer, buyer, draft):
    line = draft.lines.get(line_no=1)
    response = bearer(buyer, "patch", f"/api/purchase-orders/{draft.pk}/lines/{line.pk}", {"quantity": "3"})
    assert response.status_code == 200, response.content
    assert response.json()["quantity"] == "3.000000" and response.json()["unit_price"] == "5.000000"
    response = bearer(buyer, "delete", f"/api/purchase-orders/{draft.pk}/lines/{line.pk}")
    assert response.status_code == 200
    assert [ln["line_no"] for ln in response.json()["lines"]] == [1, 2]
    assert response.json()["net_total"] == "13.00"


def test_api_refuses_editing_a_sent_po_with_409_and_a_code(bearer, buyer, supplier_a):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="sent")
    line = po.lines.get()
    patch = bearer(buyer, "patch", f"/api/purchase-orders/{po.pk}/lines/{line.pk}", {"quantity": "3"})
    assert patch.status_code == 409 and patch.json()["code"] == "po_not_editable"
    delete = bearer(buyer, "delete", f"/api/purchase-orders/{po.pk}/lines/{line.pk}")
    assert delete.status_code == 409 and delete.json()["code"] == "po_not_editable"
    assert po.lines.get().quantity == Decimal("10")


def test_api_zero_quantity_on_a_draft_line_is_a_422_naming_the_field(bearer, buyer, draft):
    line = draft.lines.get(line_no=1)
    response = bearer(buyer, "patch", f"/api/purchase-orders/{draft.pk}/lines/{line.pk}", {"quantity": "0"})
    assert response.status_code == 422 and response.json()["code"] == "validation_error"
    assert response.json()["details"][0]["loc"][-1] == "quantity"
    assert draft.lines.get(line_no=1).quantity == Decimal("10")
