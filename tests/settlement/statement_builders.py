"""Test data for statements, invoice plans and payments.

Invoices are written straight into the database in the state a test needs (the intake and
matching flows have their own tests); purchase orders and receipts go through the real
procurement services.
"""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from core.money import q2
from invoicing import storage
from invoicing.models import Invoice, InvoiceLine, StoredFile
from procurement.services import goods_receipt_create, goods_return_create, purchase_order_create
from tests.factories import ItemFactory

_numbers = itertools.count(1)
PERIOD = (date(2026, 3, 1), date(2026, 3, 31))
IN_PERIOD = date(2026, 3, 10)


def make_invoice(
    supplier,
    legal_entity,
    *,
    lines=(("1000.00", "0.13"),),
    state="approved",
    issue_date=IN_PERIOD,
    credit_note=False,
    corrects=None,
    currency="CNY",
    number=None,
    buyer_tax_id=None,
):
    """An invoice (or credit note: amounts negative, as on a 红字 invoice) with one line per
    ``(net, tax_rate)``; tax = net × rate rounded."""
    number = number or f"2635{next(_numbers):016d}"
    data = f"<EInvoice>{number}</EInvoice>".encode()
    digest, path = storage.put(data)
    stored = StoredFile.objects.create(
        sha256=digest, size=len(data), path=path, original_name=f"{number}.xml"
    )
    sign = Decimal("-1") if credit_note else Decimal("1")
    rows = []
    for net, rate in lines:
        net = q2(Decimal(net) * sign)
        rate = None if rate is None else Decimal(rate)
        rows.append((net, rate, q2(net * rate) if rate is not None else Decimal("0.00")))
    net_total = sum((r[0] for r in rows), Decimal("0"))
    tax_total = sum((r[2] for r in rows), Decimal("0"))
    invoice = Invoice.objects.create(
        supplier=supplier,
        legal_entity=legal_entity,
        file=stored,
        format="cn-xml",
        document_type="credit_note" if credit_note else "invoice",
        invoice_number=number,
        issue_date=issue_date,
        currency=currency,
        seller_name=supplier.name,
        seller_tax_id=supplier.tax_id,
        buyer_name=legal_entity.name,
        buyer_tax_id=buyer_tax_id or legal_entity.tax_id,
        net_amount=net_total,
        tax_amount=tax_total,
        gross_amount=net_total + tax_total,
        payable_amount=net_total + tax_total,
        corrects=corrects,
        corrects_number=corrects.invoice_number if corrects else "",
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(invoice=invoice, line_no=n, name=f"货物 {n}", net=net, tax_rate=rate, tax=tax)
        for n, (net, rate, tax) in enumerate(rows, start=1)
    )
    Invoice.objects.filter(pk=invoice.pk).update(state=state)
    invoice.refresh_from_db()
    return invoice


def make_received_po(buyer, supplier, legal_entity, *, lines=((10, "100", "0.13"),), receipt_date=IN_PERIOD):
    """A PO acknowledged and fully received on ``receipt_date``; lines are (qty, price, rate)."""
    from procurement.models import PurchaseOrder

    po = purchase_order_create(
        legal_entity=legal_entity,
        supplier=supplier,
        actor=buyer,
        lines=[
            {"item": ItemFactory(), "quantity": qty, "unit_price": price, "tax_rate": rate}
            for qty, price, rate in lines
        ],
    )
    PurchaseOrder.objects.filter(pk=po.pk).update(state="acknowledged")
    po.refresh_from_db()
    receipt = goods_receipt_create(
        po=po,
        actor=buyer,
        receipt_date=receipt_date,
        lines=[
            {"po_line_id": line.pk, "accepted_qty": line.quantity} for line in po.lines.order_by("line_no")
        ],
    )
    return po, receipt


def make_return(buyer, po, *, line_no=1, quantity="1", return_date=IN_PERIOD):
    line = po.lines.get(line_no=line_no)
    return goods_return_create(
        po=po,
        actor=buyer,
        return_date=return_date,
        lines=[{"po_line_id": line.pk, "quantity": quantity, "reason": "damaged 破损"}],
    )


def make_approved_statement(finance, supplier, supplier_user, legal_entity):
    """The period's invoices of ``supplier`` in an invoice-first statement, sent, confirmed by
    the supplier and approved by a second finance user (four eyes): ready to pay."""
    from settlement.services import statements as svc
    from tests.factories import UserFactory

    statement = svc.statement_create(
        kind="invoice_first",
        supplier=supplier,
        legal_entity=legal_entity,
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        actor=finance,
    )
    statement = svc.statement_send(statement=statement, actor=finance)
    statement = svc.statement_confirm(statement=statement, actor=supplier_user)
    return svc.statement_approve(
        statement=statement, actor=UserFactory(username="finance-second", role="finance")
    )
