"""Builders for the matching-flow tests: POs and receipts through the procurement services,
validated invoices written straight into the database (the parsers are tested elsewhere)."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from core.money import q2
from core.services import transition_locked
from invoicing import storage
from invoicing.models import Invoice, InvoiceLine, StoredFile
from procurement import services as procurement
from procurement.models import PurchaseOrder
from tests.factories import ItemFactory

_serial = itertools.count(1)
D = Decimal


def make_po(buyer, supplier, entity, lines, *, state="acknowledged") -> PurchaseOrder:
    """``lines``: (item or name, quantity, unit price[, tax rate]) – a name makes a new item."""
    po = procurement.purchase_order_create(legal_entity=entity, supplier=supplier, actor=buyer)
    for spec in lines:
        item, quantity, price = spec[:3]
        rate = spec[3] if len(spec) > 3 else "0.13"
        if isinstance(item, str):
            item = ItemFactory(name=item)
        procurement.purchase_order_line_add(
            po=po, item=item, quantity=quantity, unit_price=price, tax_rate=D(rate), actor=buyer
        )
    PurchaseOrder.objects.filter(pk=po.pk).update(state=state)
    po.refresh_from_db()
    return po


def po_lines(po):
    return list(po.lines.order_by("line_no"))


def receive(buyer, po, quantities, *, day=None):
    """``quantities``: {PO line: accepted quantity}."""
    return procurement.goods_receipt_create(
        po=po,
        actor=buyer,
        receipt_date=day or date(2026, 3, 1),
        lines=[{"po_line_id": line.pk, "accepted_qty": str(qty)} for line, qty in quantities.items()],
    )


def line(name, quantity, unit_price, rate="0.13", *, net=None, tax=None, po_reference="", item_code=""):
    net = q2(D(quantity) * D(unit_price)) if net is None else D(net)
    tax = q2(net * D(rate)) if tax is None else D(tax)
    return {
        "name": name,
        "quantity": D(quantity),
        "unit_price": D(unit_price),
        "net": net,
        "tax_rate": D(rate),
        "tax": tax,
        "po_reference": po_reference,
        "item_code": item_code,
    }


def make_invoice(
    supplier,
    entity,
    lines,
    *,
    state="validated",
    po_references=(),
    corrects=None,
    number=None,
    issue_date=date(2026, 3, 2),
) -> Invoice:
    """An invoice (or, with ``corrects``, a credit note) in ``state`` with these lines."""
    serial = next(_serial)
    number = number or f"INV-{serial:06d}"
    data = f"<EInvoice>{number}/{serial}</EInvoice>".encode()
    digest, path = storage.put(data)
    stored = StoredFile.objects.create(sha256=digest, size=len(data), path=path)
    sign = -1 if corrects is not None else 1
    net = sum((spec["net"] for spec in lines), D(0)) * sign
    tax = sum((spec["tax"] for spec in lines), D(0)) * sign
    invoice = Invoice.objects.create(
        supplier=supplier,
        legal_entity=entity,
        file=stored,
        invoice_number=number,
        document_type="credit_note" if corrects is not None else "invoice",
        issue_date=issue_date,
        currency="CNY",
        net_amount=net,
        tax_amount=tax,
        gross_amount=net + tax,
        payable_amount=net + tax,
        po_references=list(po_references),
        corrects=corrects,
        corrects_number=corrects.invoice_number if corrects is not None else "",
    )
    for n, spec in enumerate(lines, start=1):
        InvoiceLine.objects.create(
            invoice=invoice,
            line_no=n,
            name=spec["name"],
            item_code=spec["item_code"],
            quantity=spec["quantity"] * sign,
            unit_price=spec["unit_price"],
            net=spec["net"] * sign,
            tax_rate=spec["tax_rate"],
            tax=spec["tax"] * sign,
            po_reference=spec["po_reference"],
        )
    Invoice.objects.filter(pk=invoice.pk).update(state=state)
    invoice.refresh_from_db()
    return invoice


def pass_validation(invoice, django_capture_on_commit_callbacks):
    """Move a ``validating`` invoice to validated the way validation does; the receivers run the
    match task after the commit."""
    with django_capture_on_commit_callbacks(execute=True):
        fresh = Invoice.objects.select_for_update().get(pk=invoice.pk)
        transition_locked(fresh, "pass_validation")
    invoice.refresh_from_db()
    return invoice
