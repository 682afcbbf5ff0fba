"""Procurement demo data for `make run` (called from settlement's ``seed_demo``).

A framework contract with price lines, an approval rule, two RFQs (one open for quotes with a
sealed quote in it, one closed and ready to award), purchase orders in several states (draft,
sent, acknowledged, partially received, received) and their goods receipts. Everything goes
through the services, so the transition log, contract consumption and the supplier scores are
real. Safe to run twice: each document carries a demo title or note and is created only when
missing.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from contracts.models import Contract
from contracts.services import contract_create, contract_transition, price_line_add
from core.models import Role, User
from suppliers.models import SupplierMembership, SupplierState

from . import services
from .models import RFQ, ApprovalRule, Item, LegalEntity, PurchaseOrder

TAG = "[demo]"
CONTRACT_TITLE = f"{TAG} 电子产品框架协议 Electronics framework agreement"
ITEMS = {
    "EL-1001": ("USB-C 数据线 1m / USB-C cable 1 m", "EA", "0.13"),
    "EL-1002": ("显示器 27 英寸 / 27-inch monitor", "EA", "0.13"),
    "OF-2001": ("A4 复印纸 / A4 copy paper (500 sheets)", "PK", "0.13"),
}


def seed_procurement_demo(*, buyer: User, password: str) -> list[tuple[str, str, str]]:
    """Create the demo documents that are missing; returns extra logins (username, role, note)."""
    entity = LegalEntity.objects.order_by("pk").first()
    memberships = list(
        SupplierMembership.objects.filter(supplier__state=SupplierState.APPROVED)
        .select_related("user", "supplier")
        .order_by("user__username")[:2]
    )
    if entity is None or len(memberships) < 2:
        return []
    approver, created = User.objects.get_or_create(
        username="approver", defaults={"role": Role.BUYER, "first_name": "An", "last_name": "Approver"}
    )
    if created:
        approver.set_password(password)
        approver.save()
    items = {
        code: Item.objects.get_or_create(
            code=code, defaults={"name": name, "unit": unit, "default_tax_rate": rate}
        )[0]
        for code, (name, unit, rate) in ITEMS.items()
    }
    (user1, supplier1), (user2, supplier2) = ((m.user, m.supplier) for m in memberships)
    today = timezone.localdate()

    ApprovalRule.objects.get_or_create(
        legal_entity=entity,
        min_amount=Decimal("100000"),
        defaults={"role": Role.FINANCE, "approvers_required": 1},
    )
    _contract(supplier1, buyer, approver, today)
    _rfqs(entity, buyer, items, (user1, supplier1), (user2, supplier2), today)
    _purchase_orders(entity, buyer, approver, items, (user1, supplier1), (user2, supplier2), today)
    return [("approver", "buyer", " (approves the buyer's purchase orders)")]


def _contract(supplier, buyer, approver, today):
    if Contract.objects.filter(supplier=supplier, title=CONTRACT_TITLE).exists():
        return
    contract = contract_create(
        supplier=supplier,
        title=CONTRACT_TITLE,
        valid_from=today - timedelta(days=30),
        valid_to=today + timedelta(days=335),
        actor=buyer,
    )
    for code, price, cap in (("EL-1001", "12.50", "5000"), ("EL-1002", "1350.00", None)):
        price_line_add(
            contract=contract,
            item_code=code,
            item_name=ITEMS[code][0],
            unit=ITEMS[code][1],
            unit_price=price,
            tax_rate="0.13",
            quantity_cap=cap,
            actor=buyer,
        )
    contract_transition(contract=contract, name="submit", actor=buyer)
    contract_transition(contract=contract, name="approve", actor=approver)


def _quote(rfq, user, prices: dict, *, lead, today, attachments=()):
    lines = {line.item.code: line.pk for line in rfq.lines.select_related("item")}
    services.quote_submit(
        rfq=rfq,
        actor=user,
        prices={lines[code]: price for code, price in prices.items()},
        lead_time_days=lead,
        valid_until=today + timedelta(days=60),
        attachments=attachments,
    )


def _rfq(title, entity, buyer, lines, suppliers, today):
    rfq = services.rfq_create(
        legal_entity=entity,
        title=title,
        actor=buyer,
        lines=[
            {"item": item, "quantity": qty, "required_date": today + timedelta(days=days)}
            for item, qty, days in lines
        ],
    )
    for supplier in suppliers:
        services.rfq_invite(rfq=rfq, supplier=supplier, actor=buyer)
    return services.rfq_publish(rfq=rfq, actor=buyer, deadline=timezone.now() + timedelta(days=7))


def _rfqs(entity, buyer, items, first, second, today):
    (user1, supplier1), (user2, supplier2) = first, second
    open_title = f"{TAG} 办公用品季度采购 Office supplies, next quarter"
    if not RFQ.objects.filter(title=open_title).exists():
        rfq = _rfq(open_title, entity, buyer, [(items["OF-2001"], 200, 30)], [supplier1, supplier2], today)
        _quote(rfq, user2, {"OF-2001": "23.80"}, lead=5, today=today)  # sealed until closed
    closed_title = f"{TAG} 显示器与线缆 Monitors and cables"
    if not RFQ.objects.filter(title=closed_title).exists():
        rfq = _rfq(
            closed_title,
            entity,
            buyer,
            [(items["EL-1002"], 10, 21), (items["EL-1001"], 300, 14)],
            [supplier1, supplier2],
            today,
        )
        terms = "报价说明：含税价，送货上门。\nPrices include VAT, delivered to site.\n".encode()
        _quote(
            rfq,
            user1,
            {"EL-1002": "1320.00", "EL-1001": "12.10"},
            lead=10,
            today=today,
            attachments=[("报价说明 terms.txt", terms)],
        )
        _quote(rfq, user2, {"EL-1002": "1298.00", "EL-1001": "12.60"}, lead=18, today=today)
        services.rfq_close(rfq=rfq, actor=buyer, reason="demo: opened by hand to compare and award")


def _purchase_orders(entity, buyer, approver, items, first, second, today):
    (user1, supplier1), (user2, supplier2) = first, second

    def po(key, supplier, lines, *, until, promised=None):
        """A PO moved along to ``until`` (draft, sent or acknowledged) unless it exists."""
        notes = f"{TAG} {key}"
        existing = PurchaseOrder.objects.filter(notes=notes).first()
        if existing is not None:
            return existing, False
        order = services.purchase_order_create(
            legal_entity=entity,
            supplier=supplier,
            actor=buyer,
            notes=notes,
            lines=[
                {
                    "item": items[code],
                    "quantity": qty,
                    "unit_price": price,
                    "required_date": today + timedelta(days=14),
                }
                for code, qty, price in lines
            ],
        )
        if until == "draft":
            return order, True
        services.purchase_order_submit(po=order, actor=buyer)
        services.purchase_order_approve(po=order, actor=approver)
        order = services.purchase_order_send(po=order, actor=buyer)
        if until == "acknowledged":
            user = user1 if supplier == supplier1 else user2
            order = services.purchase_order_acknowledge(
                po=order,
                actor=user,
                promised_dates={line.pk: max(promised, today) for line in order.lines.all()},
            )
            if promised < today:  # history: promised in the past (the portal refuses that today)
                order.lines.update(promised_date=promised)
        return order, True

    po("draft: cables to edit", supplier1, [("EL-1001", 40, None), ("OF-2001", 5, "26.00")], until="draft")
    po("sent: cables", supplier1, [("EL-1001", 50, None)], until="sent")  # contract price 12.50
    po(
        "acknowledged: monitors",
        supplier1,
        [("EL-1002", 2, None)],
        until="acknowledged",
        promised=today + timedelta(days=7),
    )

    order, new = po(
        "partially received: cables and paper",
        supplier1,
        [("EL-1001", 100, None), ("OF-2001", 20, "25.00")],
        until="acknowledged",
        promised=today - timedelta(days=3),
    )
    if new:  # delivered a day late, two cables rejected at the dock
        cable = order.lines.get(item=items["EL-1001"])
        services.goods_receipt_create(
            po=order,
            actor=buyer,
            receipt_date=today - timedelta(days=2),
            note="demo: first delivery",
            lines=[
                {
                    "po_line_id": cable.pk,
                    "accepted_qty": "60",
                    "rejected_qty": "2",
                    "reason": "接头损坏 broken plug",
                }
            ],
        )

    order, new = po(
        "received: copy paper",
        supplier2,
        [("OF-2001", 30, "24.00")],
        until="acknowledged",
        promised=today - timedelta(days=1),
    )
    if new:  # on time and complete
        services.goods_receipt_create(
            po=order,
            actor=buyer,
            receipt_date=today - timedelta(days=1),
            lines=[{"po_line_id": line.pk, "accepted_qty": line.quantity} for line in order.lines.all()],
        )
