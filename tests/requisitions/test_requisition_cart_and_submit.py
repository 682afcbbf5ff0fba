"""The requester's cart and submitting it: every refusal has its own code and changes nothing."""

from datetime import timedelta
from decimal import Decimal as D

import pytest

from contracts.models import Contract, PriceLine
from core.errors import DomainError, PermissionDenied
from core.models import TransitionLog
from core.selectors import transition_log_for
from requisitions import selectors, services
from requisitions.models import ApprovalStep, Requisition, RequisitionLine
from suppliers.models import Supplier
from tests.factories import UserFactory
from tests.requisitions.builders import contract_for


def _snapshot():
    return (
        list(Requisition.objects.order_by("pk").values_list("pk", "state", "needed_by", "delivery_address")),
        list(
            RequisitionLine.objects.order_by("pk").values_list("pk", "quantity", "unit_price", "price_line")
        ),
        ApprovalStep.objects.count(),
        TransitionLog.objects.count(),
    )


def test_adding_catalog_items_fills_the_requesters_cart_at_the_contract_price(world, paper, supplier_a):
    user = world["requester"]
    line = services.cart_add(actor=user, price_line=paper, quantity="10")
    cart = selectors.cart_get(user)
    assert cart.state == "draft" and cart.cost_centre.code == "CC-IT"
    assert cart.delivery_address == "上海市浦东新区 1 号楼 3 层"  # the cost centre's default
    assert (line.kind, line.supplier, line.item.code, line.unit_price, line.tax_rate, line.unit) == (
        "catalog",
        supplier_a,
        "PAPER-A4",
        D("25"),
        D("0.13"),
        "PK",
    )
    assert cart.total == D("250.00")


def test_the_same_item_twice_adds_up_on_one_line(world, paper):
    user = world["requester"]
    services.cart_add(actor=user, price_line=paper, quantity="10")
    services.cart_add(actor=user, price_line=paper, quantity="5")
    assert list(selectors.cart_get(user).lines.values_list("quantity", flat=True)) == [D("15")]


def test_changing_and_removing_cart_lines(world, paper, pen):
    user = world["requester"]
    a = services.cart_add(actor=user, price_line=paper, quantity="10")
    b = services.cart_add(actor=user, price_line=pen, quantity="3")
    services.cart_line_update(actor=user, line=a, quantity="2")
    services.cart_line_remove(actor=user, line=b)
    assert list(selectors.cart_get(user).lines.values_list("item__code", "quantity")) == [
        ("PAPER-A4", D("2"))
    ]


def test_a_requester_cannot_touch_another_requesters_cart_line(world, paper, centre, staff):
    other = UserFactory(username="otto", role="requester")
    services.requester_assign(user=other, cost_centre=centre, actor=staff)
    line = services.cart_add(actor=world["requester"], price_line=paper, quantity="10")
    with pytest.raises(DomainError) as exc:
        services.cart_line_update(actor=other, line=line, quantity="99")
    assert exc.value.status == 404
    line.refresh_from_db()
    assert line.quantity == D("10")


def test_ordering_above_the_contracts_remaining_quantity_is_refused_and_changes_nothing(world, paper):
    user = world["requester"]
    services.cart_add(actor=user, price_line=paper, quantity="60")
    before = _snapshot()
    with pytest.raises(DomainError) as exc:
        services.cart_add(actor=user, price_line=paper, quantity="41")  # 101 > cap 100
    assert exc.value.code == "contract_quantity_exceeded"
    assert exc.value.details["remaining"] == "100.000000"
    with pytest.raises(DomainError) as exc:
        services.cart_line_update(actor=user, line=selectors.cart_get(user).lines.get(), quantity="100.5")
    assert exc.value.code == "contract_quantity_exceeded"
    assert _snapshot() == before


def test_ordering_from_an_expired_contract_is_refused_and_changes_nothing(world, paper, today):
    user = world["requester"]
    services.cart_add(actor=user, price_line=paper, quantity="1")
    Contract.objects.filter(pk=paper.version.contract_id).update(
        state="expired", valid_to=today - timedelta(days=1)
    )
    before = _snapshot()
    with pytest.raises(DomainError) as exc:
        services.cart_add(actor=user, price_line=world["pen"], quantity="1")
    assert exc.value.code == "contract_expired"
    with pytest.raises(DomainError) as exc:
        services.requisition_submit(actor=user, needed_by=today + timedelta(days=3))
    assert exc.value.code == "contract_expired"
    assert _snapshot() == before
    assert selectors.cart_get(user).state == "draft"


def test_a_price_line_that_ended_before_its_contract_is_expired_too(world, pen, today):
    PriceLine.objects.filter(pk=pen.pk).update(
        valid_from=today - timedelta(days=20), valid_to=today - timedelta(days=1)
    )
    with pytest.raises(DomainError) as exc:
        services.cart_add(actor=world["requester"], price_line=pen, quantity="1")
    assert exc.value.code == "contract_expired"


def test_ordering_from_a_terminated_contract_names_it(world, pen):
    Contract.objects.filter(pk=pen.version.contract_id).update(state="terminated")
    with pytest.raises(DomainError) as exc:
        services.cart_add(actor=world["requester"], price_line=pen, quantity="1")
    assert exc.value.code == "contract_not_active"


def test_ordering_from_a_suspended_supplier_is_refused_and_changes_nothing(
    world, paper, pen, supplier_a, today
):
    user = world["requester"]
    services.cart_add(actor=user, price_line=paper, quantity="1")
    Supplier.objects.filter(pk=supplier_a.pk).update(state="suspended")
    before = _snapshot()
    for call in (
        lambda: services.cart_add(actor=user, price_line=pen, quantity="1"),
        lambda: services.requisition_submit(actor=user, needed_by=today + timedelta(days=3)),
    ):
        with pytest.raises(DomainError) as exc:
            call()
        assert exc.value.code == "supplier_suspended"
    assert _snapshot() == before


def test_submitting_an_empty_cart_is_refused_and_changes_nothing(world, today):
    user = world["requester"]
    services.cart_get_or_create(actor=user)
    before = _snapshot()
    with pytest.raises(DomainError) as exc:
        services.requisition_submit(actor=user, needed_by=today + timedelta(days=3))
    assert exc.value.code == "cart_empty"
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("needed_in_days", "address", "code"),
    [
        (None, "Room 1", "needed_by_required"),
        (-1, "Room 1", "needed_by_in_past"),
        (3, "   ", "delivery_address_required"),
    ],
)
def test_submitting_without_a_valid_date_or_address_is_refused(
    world, paper, today, centre, needed_in_days, address, code
):
    user = world["requester"]
    type(centre).objects.filter(pk=centre.pk).update(delivery_address="")
    services.cart_add(actor=user, price_line=paper, quantity="1")
    type(selectors.cart_get(user)).objects.filter(requester=user).update(delivery_address="")
    before = _snapshot()
    needed_by = None if needed_in_days is None else today + timedelta(days=needed_in_days)
    with pytest.raises(DomainError) as exc:
        services.requisition_submit(actor=user, needed_by=needed_by, delivery_address=address)
    assert exc.value.code == code
    assert _snapshot() == before


def test_a_price_in_another_currency_is_refused(world, supplier_b, items, today):
    line = contract_for(
        supplier_b,
        today,
        lines=(
            {
                "item_code": "CABLE-1",
                "item_name": "cable",
                "unit_price": "2",
                "tax_rate": "0",
                "currency": "USD",
            },
        ),
    ).current_version.lines.get()
    with pytest.raises(DomainError) as exc:
        services.cart_add(actor=world["requester"], price_line=line, quantity="1")
    assert exc.value.code == "currency_mismatch"
    assert not RequisitionLine.objects.exists()


def test_only_requesters_with_a_cost_centre_have_a_cart(world, paper, buyer, supplier_user_a):
    for user in (buyer, supplier_user_a, UserFactory(username="nocc", role="requester")):
        with pytest.raises(PermissionDenied) as exc:
            services.cart_add(actor=user, price_line=paper, quantity="1")
        assert exc.value.code == "not_a_requester"
    assert not Requisition.objects.exists()


def test_free_text_lines_need_a_description_and_an_estimate(world):
    user = world["requester"]
    for kwargs, code in (
        ({"description": " ", "quantity": "1", "estimated_unit_price": "5"}, "description_required"),
        ({"description": "椅子", "quantity": "1", "estimated_unit_price": None}, "estimate_required"),
        ({"description": "椅子", "quantity": "0", "estimated_unit_price": "5"}, "invalid_quantity"),
        ({"description": "椅子", "quantity": "1", "estimated_unit_price": "-5"}, "invalid_price"),
    ):
        with pytest.raises(DomainError) as exc:
            services.cart_add_free_text(actor=user, **kwargs)
        assert exc.value.code == code
    line = services.cart_add_free_text(
        actor=user, description="人体工学椅", quantity="2", estimated_unit_price="800"
    )
    assert (line.kind, line.supplier, line.amount) == ("free_text", None, D("1600.00"))


def test_submitting_the_cart_fixes_date_address_budget_and_approval_and_logs_it(
    world, submit, paper, pen, today, manager
):
    user = world["requester"]
    requisition = submit(
        user, [(paper, 10), (pen, 4)], needed_by=today + timedelta(days=10), address="B 栋 2 楼"
    )
    requisition.refresh_from_db()
    assert (requisition.state, requisition.needed_by, requisition.delivery_address) == (
        "submitted",
        today + timedelta(days=10),
        "B 栋 2 楼",
    )
    assert requisition.budget == world["budget"] and requisition.total == D("264.00")
    assert list(requisition.steps.values_list("approver", "role")) == [(manager.pk, "")]
    log = transition_log_for(requisition).get(transition="submit")
    assert (log.source, log.target, log.actor) == ("draft", "submitted", user)
    assert selectors.cart_get(user) is None  # the next add starts a new cart
    assert services.cart_get_or_create(actor=user).pk != requisition.pk


def test_submitting_re_prices_catalog_lines_at_the_contract_price_in_force(world, paper, today, supplier_a):
    user = world["requester"]
    services.cart_add(actor=user, price_line=paper, quantity="2")
    PriceLine.objects.filter(pk=paper.pk).update(unit_price="27.50")
    requisition = services.requisition_submit(actor=user, needed_by=today + timedelta(days=3))
    assert requisition.lines.get().unit_price == D("27.5")
