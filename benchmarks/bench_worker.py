"""What a worker does per invoice (validate + match, in the database) beside the pure parse + validate + match of the same invoices, for a supplier with 150 open POs.

The work of the two Celery tasks (``invoice_validate`` then ``invoice_match``, their bodies, no
broker) on received 3-line 数电 XML invoices that name no PO, in a throw-away database made from
``DATABASE_URL`` (in-memory SQLite by default; as ``bench_matching_db``). Their supplier has
``BENCH_WORKER_OPEN_POS`` (150) open POs of 3 lines each from 50 items, every line received; the
invoice's three items are on some of them. The floor is measured on the same invoices in the same
run: ``check_file`` (parse + validate) and the engine on the inputs the match read (read again,
untimed). The invoices alternate between the candidate prefilter (what the task does) and the rule
before it (every open PO's lines: ``candidate_rule=ALL_OPEN_POS``), so both are timed in one run
on the same machine state. ``BENCH_WORKER_N`` (40) invoices in all.
"""

from __future__ import annotations

import functools
import os
import statistics
import time
from datetime import date
from decimal import Decimal

from .bench_matching_db import _setup_database


def _world(open_pos: int):
    from benchmarks.load.invoice import LINES
    from benchmarks.load.seed import BUYER_BODY, uscc
    from core.models import Role, User
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

    tolerance_policy_ensure_default()
    buyer = User.objects.create(username="bench-buyer", role=Role.BUYER)
    entity = LegalEntity.objects.create(name="基准采购集团有限公司", tax_id=uscc(BUYER_BODY))
    supplier = Supplier.objects.create(
        name="基准供应商01有限公司", tax_id=uscc("91440300MA5BENCH1"), state="approved"
    )
    names = [name.split("*")[-1] for name, *_ in LINES] + [f"基准物料 {i:03d}" for i in range(47)]
    items = Item.objects.bulk_create(Item(code=f"BW-{i:03d}", name=n) for i, n in enumerate(names))
    pos = PurchaseOrder.objects.bulk_create(
        PurchaseOrder(
            number=f"PO-BW-{i:06d}",
            legal_entity=entity,
            supplier=supplier,
            requester=buyer,
            state="acknowledged",
        )
        for i in range(open_pos)
    )
    prices = {n.split("*")[-1]: Decimal(price) for n, _, _, price, *_ in LINES}
    lines = PurchaseOrderLine.objects.bulk_create(
        PurchaseOrderLine(
            po=po,
            line_no=k + 1,
            item=items[(i * 7 + k) % len(items)],
            description=items[(i * 7 + k) % len(items)].name,
            quantity=Decimal(100_000),
            unit="EA",
            unit_price=prices.get(items[(i * 7 + k) % len(items)].name, Decimal("3.00")),
            tax_rate=Decimal("0.13"),
        )
        for i, po in enumerate(pos)
        for k in range(3)
    )
    receipts = GoodsReceipt.objects.bulk_create(
        GoodsReceipt(number=f"GR-BW-{i:06d}", po=po, receipt_date=date(2026, 3, 1), received_by=buyer)
        for i, po in enumerate(pos)
    )
    by_po = {r.po_id: r for r in receipts}
    GoodsReceiptLine.objects.bulk_create(
        GoodsReceiptLine(receipt=by_po[pl.po_id], po_line=pl, accepted_qty=pl.quantity) for pl in lines
    )
    return entity, supplier


def _received(entity, supplier, n: int) -> list[int]:
    from benchmarks.load.invoice import render, template
    from invoicing import storage
    from invoicing.models import Invoice, StoredFile

    text = template(buyer_id=entity.tax_id, buyer_name=entity.name, day=date.today())
    ids = []
    for k in range(n):
        data = render(text, number=f"26{k:018d}", seller_id=supplier.tax_id, seller_name=supplier.name)
        sha, path = storage.put(data)
        stored = StoredFile.objects.create(sha256=sha, size=len(data), path=path, original_name=f"{k}.xml")
        ids.append(Invoice.objects.create(supplier=supplier, file=stored).pk)
    return ids


def _measure(ids: list[int]) -> dict:
    from invoicing import storage
    from invoicing.checks import check_file
    from invoicing.models import Invoice
    from invoicing.services import _context, invoice_validate
    from procurement.models import LegalEntity
    from settlement.matching import match_invoice
    from settlement.services import match_inputs, matching

    old_way = functools.partial(match_inputs.build_inputs, candidate_rule=match_inputs.ALL_OPEN_POS)
    full: dict[str, list[float]] = {"prefilter": [], "every open PO": []}
    pure: dict[str, list[float]] = {"prefilter": [], "every open PO": []}
    considered: dict[str, list[int]] = {"prefilter": [], "every open PO": []}
    entities = list(LegalEntity.objects.values_list("pk", "tax_id", "xrechnung_rules"))
    for n, pk in enumerate(ids):
        rule = "prefilter" if n % 2 == 0 else "every open PO"
        matching.build_inputs = match_inputs.build_inputs if rule == "prefilter" else old_way
        try:
            started = time.perf_counter()
            invoice_validate(invoice_id=pk)
            matching.invoice_match(invoice_id=pk)
            full[rule].append(time.perf_counter() - started)
        finally:
            matching.build_inputs = match_inputs.build_inputs
        invoice = Invoice.objects.select_related("supplier", "file").get(pk=pk)
        data = storage.get(invoice.file.path, invoice.file.sha256)
        context = _context(invoice, entities)
        result = invoice.match_results.get(is_current=True)
        inputs = result.inputs
        from settlement.services.match_json import scenario_from_json

        kwargs = scenario_from_json(inputs, default_policy=None)
        considered[rule].append(len(kwargs["po_lines"]))
        engine_invoice = kwargs.pop("invoice")
        started = time.perf_counter()
        check_file(data, context, max_bytes=10**7)
        match_invoice(engine_invoice, **kwargs)
        pure[rule].append(time.perf_counter() - started)
    states = sorted(set(Invoice.objects.filter(pk__in=ids).values_list("state", flat=True)))
    return {"full": full, "pure": pure, "considered": considered, "states": states}


def run() -> list[dict]:
    from django.db import connection

    open_pos = int(os.environ.get("BENCH_WORKER_OPEN_POS", "150"))
    n = int(os.environ.get("BENCH_WORKER_N", "40"))
    connection_, old_name = _setup_database()
    try:
        started = time.perf_counter()
        entity, supplier = _world(open_pos)
        ids = _received(entity, supplier, n)
        setup = time.perf_counter() - started
        got = _measure(ids)
    finally:
        connection_.creation.destroy_test_db(old_name, verbosity=0)
    rows = []
    what = f"worker, 3-line 数电 XML invoice naming no PO, supplier with {open_pos} open POs"
    for rule in ("prefilter", "every open PO"):
        full_ms = statistics.median(got["full"][rule]) * 1000
        pure_ms = statistics.median(got["pure"][rule]) * 1000
        runs = len(got["full"][rule])
        label = "candidate prefilter" if rule == "prefilter" else "every open PO's lines (the rule before)"
        rows += [
            {
                "name": f"{what}, {label}: validate + match (task bodies, {connection.vendor})",
                "unit": "ms",
                "median": full_ms,
                "runs": runs,
                "note": f"PO lines given to the engine: median {statistics.median(got['considered'][rule]):.0f}",
            },
            {
                "name": f"{what}, {label}: floor, pure parse + validate + match (check_file + engine)",
                "unit": "ms",
                "median": pure_ms,
                "runs": runs,
            },
            {
                "name": f"{what}, {label}: validate + match ÷ floor",
                "unit": "×",
                "median": full_ms / pure_ms,
                "runs": runs,
                "note": "the issue asks for at most 10×" if rule == "prefilter" else "",
            },
        ]
    rows[0]["note"] += f"; end states: {', '.join(got['states'])}; set-up {setup:.1f} s (not timed)"
    return rows
