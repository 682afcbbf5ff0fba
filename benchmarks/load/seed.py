"""Seed the load-benchmark database fast (bulk inserts in batches, not the service layer per row).

The world: one legal entity, a buyer and a finance user, ``SUPPLIERS`` approved suppliers with one
supplier user each, ``ITEMS`` items, N purchase orders with ``PO_LINES`` lines (a mix of states;
goods receipts for the received ones), M invoices with ``INVOICE_LINES`` lines and a stored-file
row each (the rows only: list pages never read the bytes), a mix of states; the ones past
matching have a current match result, the ``exception`` ones an open case on finance's desk.
Dates are spread over the last year. Not seeded: transition-log and history rows of seeded
documents (no list page reads them).

A one-row table ``bench_load_seed`` records what was seeded (sizes, seed version, highest ids);
a later run with the same sizes re-uses the database, and anything a run adds (uploads,
validated invoices) is removed again by :func:`remove_run_leftovers`.
"""

from __future__ import annotations

import json
import time
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection

SEED_VERSION = 1
MARKER = "bench_load_seed"
SUPPLIERS = 50
ITEMS = 200
PO_LINES = 3
INVOICE_LINES = 2
BATCH = 5000
PASSWORD = "bench-load-2026!"  # noqa: S105 - the bench users' password (bench database only)
BUYER_BODY = "91310000MA1BENCH0"  # the legal entity's tax id without its check character
RATE = Decimal("0.13")

# States out of 100, in a fixed cycle (deterministic): purchase orders and invoices.
PO_STATES = (
    ("draft", 4),
    ("pending_approval", 4),
    ("approved", 3),
    ("sent", 8),
    ("acknowledged", 14),
    ("partially_received", 10),
    ("received", 45),
    ("closed", 10),
    ("cancelled", 2),
)
INVOICE_STATES = (
    ("received", 1),
    ("validated", 2),
    ("rejected", 4),
    ("matched", 3),
    ("exception", 5),
    ("approved", 15),
    ("scheduled", 10),
    ("paid", 58),
    ("cancelled", 2),
)
MATCHED_STATES = {"matched", "exception", "approved", "scheduled", "paid"}
REASONS = ("price_above_tolerance", "quantity_above_received", "no_receipt", "po_not_found")


def _cycle(spec) -> list[str]:
    out = []
    for state, weight in spec:
        out += [state] * weight
    assert len(out) == 100
    # interleave so that neighbouring rows differ (i * 37 mod 100 is a permutation)
    return [out[(i * 37) % 100] for i in range(100)]


def _say(text: str) -> None:
    print(f"  [seed] {text}", flush=True)


# --------------------------------------------------------------------------------------- marker


def marker() -> dict | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [MARKER])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT data FROM {MARKER} LIMIT 1")  # noqa: S608 - a constant
        row = cursor.fetchone()
    if row is None:
        return None
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


def marker_matches(found: dict | None, *, invoices: int, pos: int) -> bool:
    """The database holds exactly the seed these sizes ask for (checked against the tables)."""
    if not found or found.get("version") != SEED_VERSION:
        return False
    if found.get("invoices") != invoices or found.get("pos") != pos:
        return False
    from invoicing.models import Invoice
    from procurement.models import PurchaseOrder

    seeded_invoices = Invoice.objects.filter(pk__lte=found["max_invoice_id"]).count()
    return seeded_invoices == invoices and PurchaseOrder.objects.count() == pos


def _write_marker(data: dict) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER} (data jsonb NOT NULL)")
        cursor.execute(f"DELETE FROM {MARKER}")  # noqa: S608
        cursor.execute(f"INSERT INTO {MARKER} (data) VALUES (%s::jsonb)", [json.dumps(data)])  # noqa: S608


# ----------------------------------------------------------------------------------------- seed


def uscc(body: str) -> str:
    from suppliers.taxid import uscc_check_character

    return body + uscc_check_character(body)


def supplier_tax_id(i: int) -> str:
    return uscc(f"91440300MA{i:07d}")


def seed(*, invoices: int, pos: int) -> dict:
    """Fill an empty, migrated database. Returns the marker written."""
    from django.contrib.auth.hashers import make_password

    from core.models import Role, User
    from procurement.models import Item, LegalEntity
    from settlement.services.match_policies import tolerance_policy_ensure_default
    from suppliers.models import Supplier, SupplierMembership

    started = time.perf_counter()
    policy = tolerance_policy_ensure_default()
    password = make_password(PASSWORD)  # hashed once, shared by every bench user
    buyer = User.objects.create(username="bench-buyer", role=Role.BUYER, password=password)
    User.objects.create(username="bench-finance", role=Role.FINANCE, password=password)
    entity = LegalEntity.objects.create(name="基准采购集团有限公司", tax_id=uscc(BUYER_BODY))
    suppliers = Supplier.objects.bulk_create(
        Supplier(
            name=f"基准供应商{i:02d}有限公司",
            tax_id=supplier_tax_id(i),
            state="approved",
            contact_email=f"s{i:02d}@bench.invalid",
        )
        for i in range(1, SUPPLIERS + 1)
    )
    users = User.objects.bulk_create(
        User(username=f"bench-s{i:02d}", role=Role.SUPPLIER, password=password)
        for i in range(1, SUPPLIERS + 1)
    )
    SupplierMembership.objects.bulk_create(
        SupplierMembership(user=u, supplier=s) for u, s in zip(users, suppliers, strict=True)
    )
    items = Item.objects.bulk_create(
        Item(code=f"BENCH-{i:04d}", name=f"基准物料 {i:04d}", category=f"cat-{i % 10}") for i in range(ITEMS)
    )
    _say(f"{SUPPLIERS} suppliers with a user each, {ITEMS} items")
    po_ids = _seed_pos(pos, entity, suppliers, items, buyer)
    _say(f"{pos:,} purchase orders with {PO_LINES} lines, receipts for the received ones")
    max_invoice_id, max_file_id = _seed_invoices(invoices, po_ids, entity, suppliers, policy)
    _say("VACUUM ANALYZE")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    data = {
        "version": SEED_VERSION,
        "invoices": invoices,
        "pos": pos,
        "max_invoice_id": max_invoice_id,
        "max_file_id": max_file_id,
        "seconds": round(time.perf_counter() - started, 1),
        "entity_tax_id": entity.tax_id,
    }
    _write_marker(data)
    return data


def _seed_pos(n: int, entity, suppliers, items, buyer) -> list[tuple[int, str, int]]:
    """Purchase orders, lines, receipts. Returns (po id, number, supplier index) per PO."""
    from procurement.models import (
        GoodsReceipt,
        GoodsReceiptLine,
        PurchaseOrder,
        PurchaseOrderLine,
    )

    states = _cycle(PO_STATES)
    out = []
    today = date.today()
    for start in range(0, n, BATCH):
        chunk = range(start, min(n, start + BATCH))
        orders = PurchaseOrder.objects.bulk_create(
            PurchaseOrder(
                number=f"PO-BENCH-{i + 1:07d}",
                legal_entity=entity,
                supplier=suppliers[i % len(suppliers)],
                requester=buyer,
                state=states[i % 100],
                notes="",
            )
            for i in chunk
        )
        lines = []
        for i, po in zip(chunk, orders, strict=True):
            for k in range(PO_LINES):
                qty = Decimal(10 + (i + k) % 90)
                if po.state in ("received", "closed"):
                    received = qty
                elif po.state == "partially_received" and k == 0:
                    received = (qty / 2).quantize(Decimal(1))
                else:
                    received = Decimal(0)
                item = items[(i * 7 + k) % len(items)]
                lines.append(
                    PurchaseOrderLine(
                        po=po,
                        line_no=k + 1,
                        item=item,
                        description=item.name,
                        quantity=qty,
                        unit="EA",
                        unit_price=Decimal("2.50") + Decimal((i + k) % 200) / 4,
                        tax_rate=RATE,
                        received_qty=received,
                        required_date=today + timedelta(days=(i % 60)),
                    )
                )
        lines = PurchaseOrderLine.objects.bulk_create(lines)
        received_pos = [po for po in orders if po.state in ("partially_received", "received", "closed")]
        receipts = GoodsReceipt.objects.bulk_create(
            GoodsReceipt(
                number=f"GR-BENCH-{po.pk:07d}",
                po=po,
                receipt_date=today - timedelta(days=po.pk % 300),
                received_by=buyer,
            )
            for po in received_pos
        )
        by_po = {r.po_id: r for r in receipts}
        GoodsReceiptLine.objects.bulk_create(
            GoodsReceiptLine(receipt=by_po[line.po_id], po_line=line, accepted_qty=line.received_qty)
            for line in lines
            if line.po_id in by_po and line.received_qty > 0
        )
        out += [(po.pk, po.number, i % len(suppliers)) for i, po in zip(chunk, orders, strict=True)]
    with connection.cursor() as cursor:  # spread creation over the last year, newest last
        cursor.execute(
            "UPDATE procurement_purchaseorder SET created_at = now() - (%s - id) * interval '1 second' * %s",
            [max(pk for pk, _, _ in out), 365 * 86400 / max(n, 1)],
        )
    return out


def _seed_invoices(n: int, po_ids, entity, suppliers, policy) -> tuple[int, int]:
    from core.money import q2
    from invoicing.models import Invoice, InvoiceLine, StoredFile
    from settlement.models import ExceptionCase, MatchResult

    states = _cycle(INVOICE_STATES)
    today = date.today()
    now = time.time()
    max_invoice_id = max_file_id = 0
    for start in range(0, n, BATCH):
        chunk = range(start, min(n, start + BATCH))
        files = StoredFile.objects.bulk_create(
            StoredFile(
                sha256=f"{i + 1:064x}",
                size=3460,
                path=f"bench-seed/{i + 1}",
                original_name=f"invoice-{i + 1}.xml",
            )
            for i in chunk
        )
        invoices = []
        for i, stored in zip(chunk, files, strict=True):
            po_id, po_number, s = po_ids[i % len(po_ids)]
            supplier = suppliers[s]
            state = states[i % 100]
            qty = Decimal(5 + i % 40)
            price = Decimal("2.50") + Decimal(i % 200) / 4
            net = q2(qty * price) * INVOICE_LINES
            tax = q2(q2(qty * price) * RATE) * INVOICE_LINES
            number = f"2631{i + 1:016d}"
            validated = state not in ("received",)
            invoices.append(
                Invoice(
                    supplier=supplier,
                    legal_entity=entity,
                    file=stored,
                    state=state,
                    format="cn_xml" if validated else "",
                    document_type="invoice" if validated else "",
                    invoice_number=number if validated else "",
                    issue_date=today - timedelta(days=(n - i) * 365 // max(n, 1)) if validated else None,
                    currency="CNY" if validated else "",
                    seller_name=supplier.name if validated else "",
                    seller_tax_id=supplier.tax_id if validated else "",
                    buyer_name=entity.name if validated else "",
                    buyer_tax_id=entity.tax_id if validated else "",
                    net_amount=net if validated else None,
                    tax_amount=tax if validated else None,
                    gross_amount=net + tax if validated else None,
                    payable_amount=net + tax if validated else None,
                    po_references=[po_number] if validated else [],
                    signature_status="unverified" if validated else "",
                    duplicate_key=f"{supplier.tax_id}||{number}"
                    if state not in ("received", "rejected", "cancelled")
                    else None,
                )
            )
        invoices = Invoice.objects.bulk_create(invoices)
        InvoiceLine.objects.bulk_create(
            InvoiceLine(
                invoice=inv,
                line_no=k + 1,
                name=f"*零件*基准物料 {(i + k) % ITEMS:04d}",
                item_code=f"BENCH-{(i + k) % ITEMS:04d}",
                quantity=Decimal(5 + i % 40),
                unit="EA",
                unit_price=Decimal("2.50") + Decimal(i % 200) / 4,
                net=inv.net_amount / INVOICE_LINES,
                tax_rate=RATE,
                tax=inv.tax_amount / INVOICE_LINES,
                po_reference=f"{inv.po_references[0]}/{k + 1}",
            )
            for i, inv in zip(chunk, invoices, strict=True)
            if inv.state != "received"
            for k in range(INVOICE_LINES)
        )
        results = MatchResult.objects.bulk_create(
            MatchResult(
                invoice=inv,
                verdict="exception" if inv.state == "exception" else "matched",
                input_hash=f"{inv.pk:064x}",
                policy=policy,
                policy_version=policy.label,
                engine_version="bench",
                explanation={"verdict": inv.state, "reasons": []},
                summary=(
                    f"{REASONS[i % len(REASONS)]}: line 1 differs from purchase order {inv.po_references[0]}"
                    if inv.state == "exception"
                    else ""
                ),
                is_stale=(i % 500 == 7),
            )
            for i, inv in zip(chunk, invoices, strict=True)
            if inv.state in MATCHED_STATES
        )
        ExceptionCase.objects.bulk_create(
            ExceptionCase(
                invoice_id=result.invoice_id,
                result=result,
                state="awaiting_credit_note" if result.invoice_id % 5 == 0 else "open",
                primary_reason=REASONS[result.invoice_id % len(REASONS)],
            )
            for result in results
            if result.verdict == "exception"
        )
        max_invoice_id = max(max_invoice_id, max(inv.pk for inv in invoices))
        max_file_id = max(max_file_id, max(f.pk for f in files))
        _say(f"{chunk.stop:,} / {n:,} invoices ({time.time() - now:.0f} s)")
    with connection.cursor() as cursor:
        spread = 365 * 86400 / max(n, 1)
        cursor.execute(
            "UPDATE invoicing_invoice SET created_at = now() - (%s - id) * interval '1 second' * %s,"
            " validated_at = CASE WHEN state = 'received' THEN NULL"
            " ELSE now() - (%s - id) * interval '1 second' * %s + interval '3 minutes' END",
            [max_invoice_id, spread, max_invoice_id, spread],
        )
        cursor.execute(  # cases opened over the last 60 days, so every aging bucket has rows
            "UPDATE settlement_exceptioncase SET opened_at = now() - mod(id, 60) * interval '1 day'"
        )
        cursor.execute(
            "UPDATE settlement_matchresult SET stale_since = now() - interval '2 days' WHERE is_stale"
        )
    return max_invoice_id, max_file_id


# ------------------------------------------------------------------------------------- leftovers


def remove_run_leftovers(found: dict) -> int:
    """Delete what earlier runs added after the seed (uploads, tokens, sessions, outbox rows). Returns invoices removed."""
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sessions.models import Session

    from core.models import ApiToken, OutboxTask, TransitionLog
    from invoicing.models import Invoice, StoredFile, UploadRefusal

    extra = Invoice.objects.filter(pk__gt=found["max_invoice_id"])
    ids = list(extra.values_list("pk", flat=True))
    if ids:
        TransitionLog.objects.filter(
            content_type=ContentType.objects.get_for_model(Invoice), object_id__in=[str(i) for i in ids]
        ).delete()
        from settlement.models import ExceptionCase, MatchResult

        # the worker rows match what they validate: cases hold their result (PROTECT)
        ExceptionCase.objects.filter(invoice_id__in=ids).delete()
        MatchResult.objects.filter(invoice_id__in=ids).delete()
        extra.delete()
        Invoice.history.filter(id__in=ids).delete()
    StoredFile.objects.filter(pk__gt=found["max_file_id"]).delete()
    from settlement.models import Statement

    # the statement page's draft statement (the seed makes none): its lines go with it
    TransitionLog.objects.filter(content_type=ContentType.objects.get_for_model(Statement)).delete()
    Statement.objects.all().delete()
    Statement.history.all().delete()
    UploadRefusal.objects.all().delete()
    ApiToken.objects.all().delete()
    OutboxTask.objects.all().delete()  # the seed records none; a run's would be swept again
    Session.objects.all().delete()
    return len(ids)
