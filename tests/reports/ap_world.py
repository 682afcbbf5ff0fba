"""A small accounts-payable world through the real services: POs, receipts and invoices matched
by ``invoice_match``. Supplier A: bolts (hardware) received 45 days ago and 60 of 100 invoiced 1.7 %
above the PO price (within the 2 % limit, 85 % of it); washers received 5 days ago, invoiced 2.1 %
above (an exception just over the limit). Supplier B: paper (office) received today, not invoiced,
and an invoice with a line no PO has (an exception for another cause)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from invoicing.models import Invoice
from settlement.services.matching import invoice_match
from tests.factories import ItemFactory, LegalEntityFactory
from tests.settlement.match_flow_builders import line, make_invoice, make_po, po_lines, receive


@dataclass
class World:
    within: Invoice
    just_over: Invoice
    no_po: Invoice
    po_a: object
    po_b: object


def build(buyer, supplier_a, supplier_b, *, entity=None, tag="") -> World:
    today = timezone.localdate()
    entity = entity or LegalEntityFactory(name="上海采购有限公司")
    bolts = ItemFactory(name=f"螺栓 M8{tag}", category="hardware")
    washers = ItemFactory(name=f"垫圈{tag}", category="hardware")
    paper = ItemFactory(name=f"A4 纸{tag}", category="office")
    po_a = make_po(buyer, supplier_a, entity, [(bolts, 100, "2.00"), (washers, 50, "0.50")])
    po_b = make_po(buyer, supplier_b, entity, [(paper, 10, "5.00")])
    bolt_line, washer_line = po_lines(po_a)
    receive(buyer, po_a, {bolt_line: 100}, day=today - timedelta(days=45))
    receive(buyer, po_a, {washer_line: 50}, day=today - timedelta(days=5))
    receive(buyer, po_b, {po_lines(po_b)[0]: 10}, day=today)
    within = make_invoice(
        supplier_a, entity, [line(bolts.name, 60, "2.034")], po_references=[po_a.number], issue_date=today
    )
    just_over = make_invoice(
        supplier_a, entity, [line(washers.name, 50, "0.5105")], po_references=[po_a.number], issue_date=today
    )
    no_po = make_invoice(
        supplier_b,
        entity,
        [line(f"咨询服务{tag}", 1, "300.00")],
        po_references=[po_b.number],
        issue_date=today,
    )
    for invoice in (within, just_over, no_po):
        invoice_match(invoice_id=invoice.pk)
        invoice.refresh_from_db()
    return World(within, just_over, no_po, po_a, po_b)
