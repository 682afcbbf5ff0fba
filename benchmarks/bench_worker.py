"""What a worker does per invoice (validate + match, in the database) beside the pure parse + validate + match of the same invoices, for a supplier with 150 open POs.

The work of the two Celery tasks (``invoice_validate`` then ``invoice_match``, their bodies, no
worker) on received 3-line invoices in a throw-away database made from ``DATABASE_URL`` (in-memory
SQLite by default; as ``bench_matching_db``): 数电 XML invoices that name no PO, and UBL invoices
of the same lines naming their PO (OrderReference). Their supplier has ``BENCH_WORKER_OPEN_POS``
(150) open POs of 3 lines each from 50 items, every line received; the invoice's three items are
on some of them. The floor is measured on the same invoices in the same run: ``check_file``
(parse + validate) and the engine on the inputs the match read (read again, untimed). The 数电
invoices alternate between the candidate prefilter (what the task does) and the rule before it
(every open PO's lines: ``candidate_rule=ALL_OPEN_POS``), so both are timed in one run on the same
machine state; a UBL invoice follows each pair. ``BENCH_WORKER_N`` (40) 数电 invoices, half as
many UBL ones.

The follow-up tasks validation records (the match, the authenticity check of a Chinese invoice)
are sent after its commit as a worker sends them: the outbox row is claimed and the message put on
a broker (Celery's in-memory one here), not run; the match task's body is then timed as the second
task. ``BENCH_WORKER_EAGER=1`` runs them in-process instead, inside validation's time, as the test
settings do (how this bench ran before 2026-12-08: the authenticity check and the match inside
"validate", then a match task that found the invoice matched already).
"""

from __future__ import annotations

import functools
import os
import statistics
import time
from datetime import date
from decimal import Decimal

from .bench_matching_db import _setup_database


def world(open_pos: int):
    """The bench's buyer, legal entity and supplier, 50 items, and ``open_pos`` open POs."""
    from benchmarks.load.invoice import LINES
    from benchmarks.load.seed import BUYER_BODY, uscc
    from core.models import Role, User
    from procurement.models import Item, LegalEntity
    from settlement.services.match_policies import tolerance_policy_ensure_default
    from suppliers.models import Supplier

    tolerance_policy_ensure_default()
    User.objects.create(username="bench-buyer", role=Role.BUYER)
    entity = LegalEntity.objects.create(name="基准采购集团有限公司", tax_id=uscc(BUYER_BODY))
    supplier = Supplier.objects.create(
        name="基准供应商01有限公司", tax_id=uscc("91440300MA5BENCH1"), state="approved"
    )
    names = [name.split("*")[-1] for name, *_ in LINES] + [f"基准物料 {i:03d}" for i in range(47)]
    Item.objects.bulk_create(Item(code=f"BW-{i:03d}", name=n) for i, n in enumerate(names))
    add_open_pos(entity, supplier, start=0, count=open_pos)
    return entity, supplier


def add_open_pos(entity, supplier, *, start: int, count: int) -> None:
    """POs ``start`` … ``start + count - 1`` of the supplier, acknowledged, 3 lines each from the 50
    items (PO i has items 7i, 7i+1, 7i+2 mod 50: PO 0 the invoice's three), every line received.
    Bulk inserts (no signals), as ``tests/settlement/test_worker_queries.py`` uses them too."""
    from benchmarks.load.invoice import LINES
    from core.models import User
    from procurement.models import GoodsReceipt, GoodsReceiptLine, Item, PurchaseOrder, PurchaseOrderLine

    buyer = User.objects.get(username="bench-buyer")
    items = list(Item.objects.filter(code__startswith="BW-").order_by("code"))
    pos = PurchaseOrder.objects.bulk_create(
        PurchaseOrder(
            number=f"PO-BW-{i:06d}",
            legal_entity=entity,
            supplier=supplier,
            requester=buyer,
            state="acknowledged",
        )
        for i in range(start, start + count)
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
        for i, po in enumerate(pos, start=start)
        for k in range(3)
    )
    receipts = GoodsReceipt.objects.bulk_create(
        GoodsReceipt(number=f"GR-BW-{i:06d}", po=po, receipt_date=date(2026, 3, 1), received_by=buyer)
        for i, po in enumerate(pos, start=start)
    )
    by_po = {r.po_id: r for r in receipts}
    GoodsReceiptLine.objects.bulk_create(
        GoodsReceiptLine(receipt=by_po[pl.po_id], po_line=pl, accepted_qty=pl.quantity) for pl in lines
    )


def received(entity, supplier, n: int, *, ubl_po: str = "", first: int = 0) -> list[int]:
    """``n`` received invoices: 数电 XML naming no PO, or (``ubl_po``) UBL naming that PO."""
    from benchmarks.load.invoice import render, template, ubl_template
    from invoicing import storage
    from invoicing.models import Invoice, StoredFile

    if ubl_po:
        text = ubl_template(
            buyer_id=entity.tax_id, buyer_name=entity.name, day=date.today(), po_number=ubl_po
        )
    else:
        text = template(buyer_id=entity.tax_id, buyer_name=entity.name, day=date.today())
    prefix = "UBL-BW-" if ubl_po else "26"
    ids = []
    for k in range(first, first + n):
        data = render(text, number=f"{prefix}{k:018d}", seller_id=supplier.tax_id, seller_name=supplier.name)
        sha, path = storage.put(data)
        stored = StoredFile.objects.create(
            sha256=sha, size=len(data), path=path, original_name=f"{prefix}{k}.xml"
        )
        ids.append(Invoice.objects.create(supplier=supplier, file=stored).pk)
    return ids


class _Queries:
    """Counts the statements sent on the connection (a cheap execute wrapper)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


CASES = ("prefilter", "every open PO", "UBL naming its PO")


def _measure(cn_ids: list[int], ubl_ids: list[int]) -> dict:
    from django.db import connection

    from invoicing import storage
    from invoicing.checks import check_file
    from invoicing.models import Invoice
    from invoicing.services import _context, invoice_validate
    from procurement.models import LegalEntity
    from settlement.matching import match_invoice
    from settlement.services import match_inputs, matching
    from settlement.services.match_json import scenario_from_json

    old_way = functools.partial(match_inputs.build_inputs, candidate_rule=match_inputs.ALL_OPEN_POS)
    full: dict[str, list[float]] = {case: [] for case in CASES}
    pure: dict[str, list[float]] = {case: [] for case in CASES}
    considered: dict[str, list[int]] = {case: [] for case in CASES}
    queries: dict[str, list[int]] = {case: [] for case in CASES}
    own_cpu: dict[str, list[float]] = {case: [] for case in CASES}  # this process's CPU time
    entities = list(LegalEntity.objects.values_list("pk", "tax_id", "xrechnung_rules"))
    order = []
    for n, pk in enumerate(cn_ids):
        order.append(("prefilter" if n % 2 == 0 else "every open PO", pk))
        if n % 2 == 1 and ubl_ids:
            order.append(("UBL naming its PO", ubl_ids.pop(0)))
    order += [("UBL naming its PO", pk) for pk in ubl_ids]
    for case, pk in order:
        matching.build_inputs = old_way if case == "every open PO" else match_inputs.build_inputs
        counter = _Queries()
        try:
            with connection.execute_wrapper(counter):
                started, cpu = time.perf_counter(), time.process_time()
                invoice_validate(invoice_id=pk)
                matching.invoice_match(invoice_id=pk)
                full[case].append(time.perf_counter() - started)
                own_cpu[case].append(time.process_time() - cpu)
        finally:
            matching.build_inputs = match_inputs.build_inputs
        queries[case].append(counter.count)
        invoice = Invoice.objects.select_related("supplier", "file").get(pk=pk)
        data = storage.get(invoice.file.path, invoice.file.sha256)
        context = _context(invoice, entities)
        kwargs = scenario_from_json(invoice.match_results.get(is_current=True).inputs, default_policy=None)
        considered[case].append(len(kwargs["po_lines"]))
        engine_invoice = kwargs.pop("invoice")
        started = time.perf_counter()
        check_file(data, context, max_bytes=10**7)
        match_invoice(engine_invoice, **kwargs)
        pure[case].append(time.perf_counter() - started)
    states = sorted(
        set(Invoice.objects.filter(pk__in=[pk for _, pk in order]).values_list("state", flat=True))
    )
    return {
        "full": full,
        "pure": pure,
        "considered": considered,
        "queries": queries,
        "cpu": own_cpu,
        "states": states,
    }


def _as_a_worker_sends():
    """Follow-up tasks go to a broker (in memory), as a worker sends them, instead of running
    in-process; returns what puts the settings back."""
    from config.celery import app

    saved = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager, app.conf.broker_url = False, "memory://"

    def restore():
        app.conf.task_always_eager, app.conf.broker_url = saved

    return restore


def run() -> list[dict]:
    from django.db import connection

    open_pos = int(os.environ.get("BENCH_WORKER_OPEN_POS", "150"))
    n = int(os.environ.get("BENCH_WORKER_N", "40"))
    eager = os.environ.get("BENCH_WORKER_EAGER", "") == "1"
    connection_, old_name = _setup_database()
    restore = None
    try:
        started = time.perf_counter()
        entity, supplier = world(open_pos)
        cn_ids = received(entity, supplier, n)
        ubl_ids = received(entity, supplier, max(n // 2, 1), ubl_po="PO-BW-000000")
        setup = time.perf_counter() - started
        if not eager:
            restore = _as_a_worker_sends()
        got = _measure(cn_ids, ubl_ids)
    finally:
        if restore is not None:
            restore()
        connection_.creation.destroy_test_db(old_name, verbosity=0)
    rows = []
    sends = "follow-ups run in-process (eager)" if eager else "follow-ups sent to a broker"
    for case in CASES:
        if case == "UBL naming its PO":
            what = "worker, 3-line UBL invoice naming its PO"
            label = f"supplier with {open_pos} open POs"
        else:
            what = f"worker, 3-line 数电 XML invoice naming no PO, supplier with {open_pos} open POs"
            label = (
                "candidate prefilter" if case == "prefilter" else "every open PO's lines (the rule before)"
            )
        full_ms = statistics.median(got["full"][case]) * 1000
        pure_ms = statistics.median(got["pure"][case]) * 1000
        runs = len(got["full"][case])
        rows += [
            {
                "name": f"{what}, {label}: validate + match (task bodies, {connection.vendor})",
                "unit": "ms",
                "median": full_ms,
                "runs": runs,
                "note": f"PO lines given to the engine: median {statistics.median(got['considered'][case]):.0f}; "
                f"SQL statements per invoice: median {statistics.median(got['queries'][case]):.0f}; "
                f"CPU time of this process: median {statistics.median(got['cpu'][case]) * 1000:.1f} ms; {sends}",
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
                "note": "" if case == "every open PO" else "the issue asks for at most 10×",
            },
        ]
    rows[0]["note"] += f"; end states: {', '.join(got['states'])}; set-up {setup:.1f} s (not timed)"
    return rows
