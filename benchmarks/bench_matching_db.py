"""The full database flow of matching: N validated invoices → ``invoice_match`` → approved / exception.

Runs on whatever ``DATABASE_URL`` points at, in a throw-away test database (``test_<name>``, or
an in-memory SQLite one) created and dropped by this module; the tables are made without
migrations, like ``pytest --nomigrations``. Set-up (POs with lines, goods receipts, invoices with
lines and PO references) is bulk-inserted and not timed; what is timed is matching every invoice
one by one, each in its own transaction exactly as the Celery task does it: lock, build the
engine inputs from the database, run the engine, store the result and allocations, transition.

Invoices: ``BENCH_MATCHING_DB_INVOICES`` (default 300), ``LINES`` lines each; 80 % clean, 10 %
with a price 10 % above the PO, 10 % invoiced ahead of a short receipt. For the 10k run on
PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal BENCH_MATCHING_DB_INVOICES=10000 \\
        DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/python -m benchmarks bench_matching_db
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import date
from decimal import Decimal

LINES = 5
RATE = Decimal("0.13")
DAY = date(2026, 3, 1)


class _NoMigrations(dict):
    def __contains__(self, item):
        return True

    def __getitem__(self, item):
        return None


def _setup_database():
    import django
    from django.conf import settings

    django.setup()
    settings.MIGRATION_MODULES = _NoMigrations()
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    return connection, old_name


def _build(n: int) -> list[int]:
    """Bulk-insert the world: one supplier per 100 invoices, one PO per invoice."""
    from core.models import Role, User
    from core.money import q2
    from invoicing.models import Invoice, InvoiceLine, StoredFile
    from procurement.models import (
        GoodsReceipt,
        GoodsReceiptLine,
        Item,
        LegalEntity,
        PurchaseOrder,
        PurchaseOrderLine,
    )
    from settlement.services.match_policies import tolerance_policy_ensure_default
    from suppliers.models import Supplier
    from suppliers.taxid import uscc_check_character

    tolerance_policy_ensure_default()
    buyer = User.objects.create(username="bench-buyer", role=Role.BUYER)
    body = "91310000MA1BENCH0"
    entity = LegalEntity.objects.create(name="Bench buyer", tax_id=body + uscc_check_character(body))
    suppliers = Supplier.objects.bulk_create(
        Supplier(name=f"Bench supplier {i}", tax_id=f"91440300MA{i:07d}X") for i in range(n // 100 + 1)
    )
    Supplier.objects.update(state="approved")
    items = Item.objects.bulk_create(Item(code=f"BENCH-{i:03d}", name=f"零件 {i:03d}") for i in range(50))
    pos = PurchaseOrder.objects.bulk_create(
        PurchaseOrder(
            number=f"PO-BENCH-{i:06d}",
            legal_entity=entity,
            supplier=suppliers[i // 100],
            requester=buyer,
            state="received",
        )
        for i in range(n)
    )
    po_lines = PurchaseOrderLine.objects.bulk_create(
        PurchaseOrderLine(
            po=po,
            line_no=k + 1,
            item=items[(i * 7 + k) % len(items)],
            description=items[(i * 7 + k) % len(items)].name,
            quantity=Decimal(10 + k),
            unit="EA",
            unit_price=Decimal("12.50") + k,
            tax_rate=RATE,
            received_qty=Decimal(10 + k),
        )
        for i, po in enumerate(pos)
        for k in range(LINES)
    )
    receipts = GoodsReceipt.objects.bulk_create(
        GoodsReceipt(number=f"GR-BENCH-{i:06d}", po=po, receipt_date=DAY, received_by=buyer)
        for i, po in enumerate(pos)
    )
    GoodsReceiptLine.objects.bulk_create(
        GoodsReceiptLine(
            receipt=receipts[index // LINES],
            po_line=line,
            accepted_qty=line.quantity - (2 if (index // LINES) % 10 == 9 and index % LINES == 0 else 0),
        )
        for index, line in enumerate(po_lines)
    )
    files = StoredFile.objects.bulk_create(
        StoredFile(sha256=f"{i:064x}", size=1, path=f"bench/{i}") for i in range(n)
    )
    invoices = []
    for i, po in enumerate(pos):
        lines = po_lines[i * LINES : (i + 1) * LINES]
        net = sum((q2(x.quantity * x.unit_price) for x in lines), Decimal(0))
        if i % 10 == 8:
            net += q2(lines[0].quantity * lines[0].unit_price * Decimal("0.10"))
        tax = sum((q2(q2(x.quantity * x.unit_price) * RATE) for x in lines), Decimal(0))
        invoices.append(
            Invoice(
                supplier=po.supplier,
                legal_entity=entity,
                file=files[i],
                invoice_number=f"BENCH-{i:06d}",
                document_type="invoice",
                issue_date=DAY,
                currency="CNY",
                net_amount=net,
                tax_amount=tax,
                gross_amount=net + tax,
                payable_amount=net + tax,
                po_references=[po.number],
            )
        )
    invoices = Invoice.objects.bulk_create(invoices)
    invoice_lines = []
    for i, invoice in enumerate(invoices):
        for k, line in enumerate(po_lines[i * LINES : (i + 1) * LINES]):
            price = line.unit_price * (Decimal("1.10") if i % 10 == 8 and k == 0 else 1)
            net = q2(line.quantity * price)
            invoice_lines.append(
                InvoiceLine(
                    invoice=invoice,
                    line_no=k + 1,
                    name=f"*零件*{line.description}",
                    quantity=line.quantity,
                    unit_price=price,
                    net=net,
                    tax_rate=RATE,
                    tax=q2(q2(line.quantity * line.unit_price) * RATE),
                    po_reference=f"{po_lines[i * LINES].po.number}/{k + 1}",
                )
            )
    InvoiceLine.objects.bulk_create(invoice_lines, batch_size=2000)
    Invoice.objects.update(state="validated")
    return [invoice.pk for invoice in invoices]


def run() -> list[dict]:
    n = int(os.environ.get("BENCH_MATCHING_DB_INVOICES", "300"))
    connection, old_name = _setup_database()
    try:
        from django.db.models import Count

        from invoicing.models import Invoice
        from settlement.models import MatchAllocation
        from settlement.services.matching import invoice_match

        started = time.perf_counter()
        ids = _build(n)
        setup_seconds = time.perf_counter() - started
        latencies = []
        cpu_started = time.process_time()
        started = time.perf_counter()
        for invoice_id in ids:
            t0 = time.perf_counter()
            invoice_match(invoice_id=invoice_id)
            latencies.append(time.perf_counter() - t0)
        total = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        states = dict(Invoice.objects.values_list("state").annotate(c=Count("pk")).values_list("state", "c"))
        over = _over_allocated()
        latencies.sort()
        vendor = connection.vendor
        label = f"{n:,} invoices × {LINES} lines on {vendor}"
        return [
            {"name": f"db flow: {label}, matched", "unit": "invoices/s", "median": n / total, "runs": 1},
            {"name": f"db flow: {label}, total matching time", "unit": "s", "median": total, "runs": 1},
            {
                "name": f"db flow: {label}, per invoice p50",
                "unit": "ms",
                "median": statistics.median(latencies) * 1000,
                "runs": 1,
            },
            {
                "name": f"db flow: {label}, per invoice p95",
                "unit": "ms",
                "median": latencies[int(len(latencies) * 0.95) - 1] * 1000,
                "runs": 1,
            },
            {
                "name": f"db flow: {label}, Python CPU per invoice (this process; not the database server)",
                "unit": "ms",
                "median": cpu / n * 1000,
                "runs": 1,
            },
            {
                "name": f"db flow: {label}, approved without a person (80 % are clean)",
                "unit": "%",
                "median": 100.0 * states.get("approved", 0) / n,
                "runs": 1,
            },
            {
                "name": f"db flow: {label}, over-allocated receipt lines",
                "unit": "lines",
                "median": over,
                "runs": 1,
            },
            {
                "name": f"db flow: {label}, allocations stored",
                "unit": "rows",
                "median": MatchAllocation.objects.count(),
                "runs": 1,
            },
            {
                "name": f"db flow: {label}, set-up (bulk insert, not in the rate)",
                "unit": "s",
                "median": setup_seconds,
                "runs": 1,
            },
        ]
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _over_allocated() -> int:
    """Receipt lines whose allocations exceed what was accepted (must be 0)."""
    from django.db.models import F, Sum

    from procurement.models import GoodsReceiptLine

    return (
        GoodsReceiptLine.objects.annotate(claimed=Sum("match_allocations__quantity"))
        .filter(claimed__gt=F("accepted_qty") - F("returned_qty"))
        .count()
    )
