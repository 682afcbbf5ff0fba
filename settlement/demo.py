"""Accounts-payable demo data for `make run` (called from ``seed_demo``), so the AP reports and the
tolerance policy simulator have something to show.

Two purchase orders per demo supplier of their own items (hardware and packaging, so the other demo
documents and the journeys never pair with them), received weeks and months ago, and invoices
matched by the real matching service: one matched exactly, two within tolerance close to the 2 %
price limit (84 % and 91 % of it), one just over it (an exception) and one with a line no PO has. What stays received but not invoiced ages across the buckets.

The invoices stand for uploaded e-invoices (a stored demo file each, validated by transition);
validation itself is shown by the upload journeys. Safe to run twice: each invoice and PO carries a
demo number or note and is created only when missing.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from core.money import q2
from core.services import transition_locked
from invoicing import storage
from invoicing.models import Invoice, InvoiceLine, StoredFile
from procurement import services as procurement
from procurement.models import Item, ItemCategory, PurchaseOrder
from suppliers.models import SupplierMembership, SupplierState

from .services.matching import invoice_match

TAG = "[demo] ap"
ITEMS = {
    "HW-4001": ("六角螺栓 M8 / hex bolt M8", "EA", "五金"),
    "HW-4002": ("平垫圈 M8 / flat washer M8", "EA", "五金"),
    "PK-5001": ("包装纸箱 / packing carton", "EA", "包装"),
}
RATE = Decimal("0.13")


def seed_ap_demo(*, buyer, approver) -> None:
    entity = _entity()
    memberships = list(
        SupplierMembership.objects.filter(supplier__state=SupplierState.APPROVED)
        .select_related("user", "supplier")
        .order_by("user__username")[:2]
    )
    if entity is None or len(memberships) < 2 or approver is None:
        return
    for _name, _unit, category in ITEMS.values():
        ItemCategory.objects.get_or_create(name=category)
    items = {
        code: Item.objects.get_or_create(
            code=code, defaults={"name": name, "unit": unit, "category": category, "default_tax_rate": "0.13"}
        )[0]
        for code, (name, unit, category) in ITEMS.items()
    }
    today = timezone.localdate()
    (user1, supplier1), (user2, supplier2) = ((m.user, m.supplier) for m in memberships)
    po_a = _po(
        "bolts and washers",
        entity,
        (user1, supplier1),
        [(items["HW-4001"], 1000, "0.80"), (items["HW-4002"], 2000, "0.10")],
        [(100, {0: 1000, 1: 2000})],
        buyer,
        approver,
        today,
    )
    po_b = _po(
        "cartons",
        entity,
        (user1, supplier1),
        [(items["PK-5001"], 500, "3.20")],
        [(40, {0: 300}), (10, {0: 200})],
        buyer,
        approver,
        today,
    )
    po_c = _po(
        "bolts and washers (second supplier)",
        entity,
        (user2, supplier2),
        [(items["HW-4001"], 800, "0.82"), (items["HW-4002"], 1000, "0.11")],
        [(70, {0: 800}), (65, {1: 1000})],
        buyer,
        approver,
        today,
    )
    bolt, washer, carton = (items[c].name for c in ("HW-4001", "HW-4002", "PK-5001"))
    _invoice("DEMO-AP-0001", supplier1, entity, po_a, [(bolt, 600, "0.8135")], today - timedelta(days=20))
    _invoice("DEMO-AP-0002", supplier1, entity, po_a, [(washer, 1500, "0.10")], today - timedelta(days=18))
    _invoice("DEMO-AP-0003", supplier1, entity, po_b, [(carton, 300, "3.27")], today - timedelta(days=9))
    _invoice("DEMO-AP-0005", supplier2, entity, po_c, [(washer, 400, "0.1120")], today - timedelta(days=4))
    _invoice(
        "DEMO-AP-0006",
        supplier2,
        entity,
        po_c,
        [(washer, 100, "0.11"), ("安装服务 / installation service", 1, "280.00")],
        today - timedelta(days=2),
    )


def _entity():
    from procurement.models import LegalEntity

    return LegalEntity.objects.order_by("pk").first()


def _po(key, entity, supplier_user, lines, receipts, buyer, approver, today) -> PurchaseOrder:
    user, supplier = supplier_user
    notes = f"{TAG}: {key}"
    existing = PurchaseOrder.objects.filter(notes=notes).first()
    if existing is not None:
        return existing
    order = procurement.purchase_order_create(
        legal_entity=entity,
        supplier=supplier,
        actor=buyer,
        notes=notes,
        lines=[{"item": item, "quantity": qty, "unit_price": price} for item, qty, price in lines],
    )
    procurement.purchase_order_submit(po=order, actor=buyer)
    procurement.purchase_order_approve(po=order, actor=approver)
    order = procurement.purchase_order_send(po=order, actor=buyer)
    order = procurement.purchase_order_acknowledge(
        po=order, actor=user, promised_dates={line.pk: today for line in order.lines.all()}
    )
    po_lines = list(order.lines.order_by("line_no"))
    for days_ago, quantities in receipts:
        procurement.goods_receipt_create(
            po=order,
            actor=buyer,
            receipt_date=today - timedelta(days=days_ago),
            lines=[{"po_line_id": po_lines[i].pk, "accepted_qty": str(q)} for i, q in quantities.items()],
        )
    return order


def _invoice(number, supplier, entity, po, lines, issued) -> None:
    if Invoice.objects.filter(supplier=supplier, invoice_number=number).exists():
        return
    data = f"demo e-invoice {number} of {supplier.tax_id} (stands for an uploaded file)".encode()
    digest, path = storage.put(data)
    stored, _ = StoredFile.objects.get_or_create(
        supplier=supplier,
        sha256=digest,
        defaults={"size": len(data), "path": path, "original_name": f"{number}.xml"},
    )
    priced = [
        (name, Decimal(qty), Decimal(price), q2(Decimal(qty) * Decimal(price))) for name, qty, price in lines
    ]
    net = sum((n for *_, n in priced), Decimal(0))
    tax = sum((q2(n * RATE) for *_, n in priced), Decimal(0))
    invoice = Invoice.objects.create(
        supplier=supplier,
        legal_entity=entity,
        file=stored,
        invoice_number=number,
        document_type="invoice",
        issue_date=issued,
        currency="CNY",
        seller_name=supplier.name,
        seller_tax_id=supplier.tax_id,
        buyer_name=entity.name,
        net_amount=net,
        tax_amount=tax,
        gross_amount=net + tax,
        payable_amount=net + tax,
        po_references=[po.number],
    )
    for line_no, (name, qty, price, line_net) in enumerate(priced, start=1):
        InvoiceLine.objects.create(
            invoice=invoice,
            line_no=line_no,
            name=name,
            quantity=qty,
            unit_price=price,
            net=line_net,
            tax_rate=RATE,
            tax=q2(line_net * RATE),
        )
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    transition_locked(locked, "start_validation")
    transition_locked(locked, "pass_validation")
    invoice_match(invoice_id=invoice.pk)
