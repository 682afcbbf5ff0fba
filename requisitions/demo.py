"""Requisition demo data for `make run` (called from settlement's ``seed_demo``).

A requester ``requester`` in cost centre CC-DEMO of the first legal entity (budget owner: the
``finance`` user) who may also charge CC-IT (same owner), budgets for the current year, the demo
items' categories by name, an office-supplies contract with the second
supplier so the catalog has two suppliers, catalog lead times, and two requisitions: one waiting
for the budget owner's approval and one approved, waiting for a buyer to convert it. Everything
goes through the services. Safe to run twice.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from contracts.models import Contract
from contracts.selectors import active_price_for
from contracts.services import contract_create, contract_transition, price_line_add
from core.models import Role, User
from procurement.models import Item, ItemCategory, LegalEntity
from suppliers.models import SupplierMembership, SupplierState

from . import services
from .models import CatalogLeadTime, Requisition

CONTRACT_TITLE = "[demo] 办公用品框架协议 Office supplies agreement"


def seed_requisitions_demo(*, password: str) -> list[tuple[str, str, str]]:
    """Create what is missing; returns the extra login (username, role, note)."""
    entity = LegalEntity.objects.order_by("pk").first()
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    owner = User.objects.filter(username="finance").first()
    buyer = User.objects.filter(username="buyer").first()
    suppliers = [
        m.supplier
        for m in SupplierMembership.objects.filter(supplier__state=SupplierState.APPROVED)
        .select_related("supplier")
        .order_by("user__username")
    ]
    if entity is None or admin is None or owner is None or buyer is None or not suppliers:
        return []
    today = timezone.localdate()
    requester, created = User.objects.get_or_create(
        username="requester", defaults={"role": Role.REQUESTER, "first_name": "Ren", "last_name": "Requester"}
    )
    if created:
        requester.set_password(password)
        requester.save()
    centre = services.cost_centre_create(
        legal_entity=entity,
        code="CC-DEMO",
        name="行政部 Administration",
        budget_owner=owner,
        delivery_address="上海市浦东新区示例路 1 号 3 楼前台 / 3F reception, 1 Demo Road, Shanghai",
        actor=admin,
    )
    services.requester_assign(user=requester, cost_centre=centre, actor=admin)
    services.budget_set(
        cost_centre=centre,
        starts_on=date(today.year, 1, 1),
        ends_on=date(today.year, 12, 31),
        amount="50000",
        actor=admin,
    )
    # a second cost centre the requester may charge (chosen on the requisition)
    it_centre = services.cost_centre_create(
        legal_entity=entity,
        code="CC-IT",
        name="信息技术部 IT",
        budget_owner=owner,
        delivery_address="上海市浦东新区示例路 1 号 5 楼机房 / 5F server room, 1 Demo Road, Shanghai",
        actor=admin,
    )
    services.budget_set(
        cost_centre=it_centre,
        starts_on=date(today.year, 1, 1),
        ends_on=date(today.year, 12, 31),
        amount="30000",
        actor=admin,
    )
    requester.requester_profile.other_cost_centres.add(it_centre)
    _name_categories()
    office = suppliers[-1]
    paper = Item.objects.filter(code="OF-2001").first()
    if paper is not None and not Contract.objects.filter(supplier=office, title=CONTRACT_TITLE).exists():
        contract = contract_create(
            supplier=office,
            title=CONTRACT_TITLE,
            valid_from=today - timedelta(days=10),
            valid_to=today + timedelta(days=355),
            actor=buyer,
        )
        price_line_add(
            contract=contract,
            item_code=paper.code,
            item_name=paper.name,
            unit=paper.unit,
            unit_price="24.50",
            tax_rate="0.13",
            quantity_cap="2000",
            actor=buyer,
        )
        contract_transition(contract=contract, name="submit", actor=buyer)
        approver = User.objects.filter(username="approver").first() or admin
        contract_transition(contract=contract, name="approve", actor=approver)
    for supplier in suppliers:
        CatalogLeadTime.objects.get_or_create(supplier=supplier, item_code="", defaults={"days": 5})

    if not Requisition.objects.filter(requester=requester).exists():
        prices = [
            price
            for supplier in suppliers
            for code in ("OF-2001", "EL-1001", "EL-1002")
            if (price := active_price_for(supplier_id=supplier.pk, item_code=code, on_date=today)) is not None
        ]
        if prices:
            _requisition(requester, prices[:1], today, free_text=("人体工学椅 / ergonomic chair", "2", "900"))
            first = _requisition(requester, prices[-1:], today)
            services.requisition_approve(requisition=first, actor=owner, reason="demo data")
    return [("requester", "requester", " of cost centres CC-DEMO and CC-IT (budget owner: finance)")]


# seed_demo files the demo items under short codes; the item master shows categories by name
CATEGORY_NAMES = {
    "electronics": "电子产品 Electronics",
    "office": "办公用品 Office supplies",
    "services": "服务 Services",
}


def _name_categories() -> None:
    for old, name in CATEGORY_NAMES.items():
        ItemCategory.objects.get_or_create(name=name)
        Item.objects.filter(category=old).update(category=name)
        ItemCategory.objects.filter(name=old).delete()


def _requisition(requester, prices, today, free_text=None):
    for price in prices:
        services.cart_add(actor=requester, price_line=price, quantity="10")
    if free_text:
        description, quantity, estimate = free_text
        services.cart_add_free_text(
            actor=requester, description=description, quantity=quantity, estimated_unit_price=estimate
        )
    return services.requisition_submit(actor=requester, needed_by=today + timedelta(days=14))
