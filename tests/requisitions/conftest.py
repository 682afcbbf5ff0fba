"""A small buying world: one legal entity with a cost centre (budget owner ``manager``), a
requester, a budget for the current year, and supplier A's active contract with two catalog
items (paper capped at 100 packs, pens without a cap)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from requisitions import services
from tests.factories import ItemFactory, LegalEntityFactory, UserFactory
from tests.requisitions.builders import contract_for


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def entity(db):
    return LegalEntityFactory(name="上海采购有限公司")


@pytest.fixture
def staff(db):
    return UserFactory(username="staff1", role="staff", is_staff=True)


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", role="requester")


@pytest.fixture
def centre(entity, manager, staff):
    return services.cost_centre_create(
        legal_entity=entity,
        code="CC-IT",
        name="IT 部门",
        budget_owner=manager,
        delivery_address="上海市浦东新区 1 号楼 3 层",
        actor=staff,
    )


@pytest.fixture
def budget(centre, staff, today):
    return services.budget_set(
        cost_centre=centre,
        starts_on=date(today.year, 1, 1),
        ends_on=date(today.year, 12, 31),
        amount="10000",
        actor=staff,
    )


@pytest.fixture
def requester(centre, staff, manager):
    user = UserFactory(username="rita", role="requester")
    services.requester_assign(user=user, cost_centre=centre, actor=staff)
    services.requester_assign(user=manager, cost_centre=centre, actor=staff)
    return user


@pytest.fixture
def items(db):
    return {
        "paper": ItemFactory(code="PAPER-A4", name="A4 复印纸", category="office", unit="PK"),
        "pen": ItemFactory(code="PEN-1", name="签字笔", category="office"),
        "cable": ItemFactory(code="CABLE-1", name="USB-C cable", category="electronics"),
    }


@pytest.fixture
def contract(supplier_a, items, today):
    return contract_for(
        supplier_a,
        today,
        lines=(
            {
                "item_code": "PAPER-A4",
                "item_name": "A4 复印纸",
                "unit": "PK",
                "unit_price": "25.00",
                "tax_rate": "0.13",
                "quantity_cap": "100",
            },
            {"item_code": "PEN-1", "item_name": "签字笔", "unit_price": "3.50", "tax_rate": "0.13"},
        ),
    )


@pytest.fixture
def paper(contract):
    return contract.current_version.lines.get(item_code="PAPER-A4")


@pytest.fixture
def pen(contract):
    return contract.current_version.lines.get(item_code="PEN-1")


@pytest.fixture
def cable_b(supplier_b, items, today):
    """Supplier B's contract for cables (a second supplier)."""
    c = contract_for(
        supplier_b,
        today,
        title="电子配件合同",
        lines=(
            {"item_code": "CABLE-1", "item_name": "USB-C cable", "unit_price": "12.00", "tax_rate": "0.13"},
        ),
    )
    return c.current_version.lines.get()


@pytest.fixture
def world(requester, budget, paper, pen):
    return {"requester": requester, "budget": budget, "paper": paper, "pen": pen}


@pytest.fixture
def submit(today):
    """Fill ``user``'s cart and submit it; returns the submitted requisition."""

    def _submit(user, lines, *, free_text=(), needed_by=None, address="Room 301"):
        for price_line, qty in lines:
            services.cart_add(actor=user, price_line=price_line, quantity=qty)
        for description, qty, estimate in free_text:
            services.cart_add_free_text(
                actor=user, description=description, quantity=qty, estimated_unit_price=estimate
            )
        return services.requisition_submit(
            actor=user, needed_by=needed_by or today + timedelta(days=14), delivery_address=address
        )

    return _submit


@pytest.fixture
def approved(submit, manager):
    """Submit and have the budget owner approve."""

    def _approved(user, lines, **kwargs):
        requisition = submit(user, lines, **kwargs)
        return services.requisition_approve(requisition=requisition, actor=manager)

    return _approved
