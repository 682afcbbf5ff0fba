"""The candidate prefilter: an invoice naming no PO is matched against only the open PO lines that
share an item with it (at most CANDIDATE_CAP per item), with the same pairing as against every open
PO; the stored inputs say which were considered and replay exactly; results stored before the
prefilter keep their hash, are not made stale by it and still replay; and the statements a match
costs stay flat as the supplier's open POs grow."""

import functools
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procurement.models import GoodsReceipt, GoodsReceiptLine, PurchaseOrder, PurchaseOrderLine
from settlement.matching import match_invoice
from settlement.models import MatchResult
from settlement.services import match_inputs, matching
from settlement.services.match_inputs import ALL_OPEN_POS, CANDIDATE_CAP, CANDIDATE_RULE, build_inputs
from settlement.services.match_replay import match_result_scenario
from settlement.services.matching import invoice_match, match_staleness_refresh
from tests.factories import ItemFactory, LegalEntityFactory
from tests.settlement.match_flow_builders import line, make_invoice

D = Decimal


def _open_pos(buyer, supplier, entity, specs, *, received=True):
    """Bulk: one open PO per spec (a list of (item, quantity, unit price)), each line received in
    full when ``received``. Returns the POs in order."""
    start = PurchaseOrder.objects.count()
    pos = PurchaseOrder.objects.bulk_create(
        PurchaseOrder(
            number=f"PO-T-{start + i:06d}",
            legal_entity=entity,
            supplier=supplier,
            requester=buyer,
            state="acknowledged",
        )
        for i in range(len(specs))
    )
    lines = PurchaseOrderLine.objects.bulk_create(
        PurchaseOrderLine(
            po=po,
            line_no=k + 1,
            item=item,
            description=item.name,
            quantity=D(quantity),
            unit="EA",
            unit_price=D(price),
            tax_rate=D("0.13"),
        )
        for po, spec in zip(pos, specs, strict=True)
        for k, (item, quantity, price) in enumerate(spec)
    )
    if received:
        receipts = {
            po.pk: r
            for po, r in zip(
                pos,
                GoodsReceipt.objects.bulk_create(
                    GoodsReceipt(
                        number=f"GR-T-{start + i:06d}",
                        po=po,
                        receipt_date=date(2026, 3, 1),
                        received_by=buyer,
                    )
                    for i, po in enumerate(pos)
                ),
                strict=True,
            )
        }
        GoodsReceiptLine.objects.bulk_create(
            GoodsReceiptLine(receipt=receipts[pl.po_id], po_line=pl, accepted_qty=pl.quantity) for pl in lines
        )
    return pos


@pytest.fixture
def world(buyer, supplier_a):
    entity = LegalEntityFactory()
    bolts, nuts, washers = (ItemFactory(name=n) for n in ("螺栓 M8", "螺母 M8", "垫圈 M8"))
    others = [ItemFactory(name=f"其他物料 {i}") for i in range(5)]
    return {"entity": entity, "items": (bolts, nuts, washers), "others": others}


def _allocations(result):
    return sorted(
        (a.invoice_line_id, a.po_line_id, a.receipt_line_id, a.quantity) for a in result.allocations
    )


def _same_as_every_open_po(invoice):
    """The engine's answer on the prefiltered inputs and on every open PO's lines."""
    new = build_inputs(invoice, lock=False)
    old = build_inputs(invoice, lock=False, candidate_rule=ALL_OPEN_POS)
    a, b = (match_invoice(x.invoice, **x.engine_kwargs()) for x in (new, old))
    return new, old, a, b


@pytest.mark.django_db
def test_an_invoice_naming_no_po_is_matched_on_the_lines_of_its_items_and_says_which(
    buyer, supplier_a, world
):
    bolts, nuts, _ = world["items"]
    filler = _open_pos(buyer, supplier_a, world["entity"], [[(o, 5, "1.00")] for o in world["others"]] * 4)
    wanted = _open_pos(buyer, supplier_a, world["entity"], [[(bolts, 10, "2.00"), (nuts, 10, "0.50")]])
    invoice = make_invoice(
        supplier_a, world["entity"], [line("螺栓 M8", 10, "2.00"), line("螺母 M8", 10, "0.50")]
    )

    new, old, a, b = _same_as_every_open_po(invoice)
    assert _allocations(a) == _allocations(b) and a.verdict == b.verdict
    assert len(new.po_lines) == 2 and len(old.po_lines) == len(filler) + 2

    result = invoice_match(invoice_id=invoice.pk)
    invoice.refresh_from_db()
    assert invoice.state == "approved"
    assert set(result.purchase_orders.values_list("pk", flat=True)) == {wanted[0].pk}
    considered = result.inputs["candidates"]
    assert considered["rule"] == CANDIDATE_RULE
    assert considered["open_purchase_orders"] == len(filler) + 1
    assert sorted(considered["po_lines"]) == sorted(p["id"] for p in result.inputs["po_lines"])


@pytest.mark.django_db
def test_an_item_on_more_po_lines_than_the_cap_keeps_the_best_and_pairs_as_before(buyer, supplier_a, world):
    bolts = world["items"][0]
    pos = _open_pos(buyer, supplier_a, world["entity"], [[(bolts, 10, "2.00")]] * (CANDIDATE_CAP + 10))
    exact = _open_pos(buyer, supplier_a, world["entity"], [[(bolts, 7, "2.00")]])  # bills exactly 7
    invoice = make_invoice(supplier_a, world["entity"], [line("螺栓 M8", 7, "2.00")])

    new, _, a, b = _same_as_every_open_po(invoice)
    assert len(new.po_lines) == CANDIDATE_CAP
    assert _allocations(a) == _allocations(b)
    assert {x.po_line_id for x in a.allocations} == {str(exact[0].lines.get().pk)}
    assert new.candidates["open_po_lines"] == len(pos) + 1


@pytest.mark.django_db
def test_a_new_result_replays_exactly_from_its_dump(buyer, supplier_a, world, capsys, tmp_path):
    bolts = world["items"][0]
    _open_pos(buyer, supplier_a, world["entity"], [[(bolts, 10, "2.00")], [(world["others"][0], 3, "1.00")]])
    invoice = make_invoice(supplier_a, world["entity"], [line("螺栓 M8", 10, "2.20")])
    stored = invoice_match(invoice_id=invoice.pk)

    call_command("reconcile_scenario", "--dump-invoice", str(invoice.pk))
    scenario = json.loads(capsys.readouterr().out)
    assert scenario["candidates"]["rule"] == CANDIDATE_RULE
    path = tmp_path / "case.json"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    call_command("reconcile_scenario", str(path))
    replayed = json.loads(capsys.readouterr().out)
    assert replayed["input_hash"] == stored.input_hash
    assert replayed["verdict"] == stored.verdict


@pytest.mark.django_db
def test_a_result_stored_before_the_prefilter_keeps_its_hash_is_not_stale_and_replays(
    buyer, supplier_a, world, monkeypatch, capsys
):
    bolts = world["items"][0]
    pos = _open_pos(
        buyer, supplier_a, world["entity"], [[(bolts, 10, "2.00")], [(world["others"][0], 3, "1.00")]]
    )
    invoice = make_invoice(supplier_a, world["entity"], [line("螺栓 M8", 10, "2.20")])  # a price exception
    # decided the old way: every open PO's lines, no ``candidates`` in the stored inputs
    old_way = functools.partial(match_inputs.build_inputs, candidate_rule=ALL_OPEN_POS)
    monkeypatch.setattr(matching, "build_inputs", old_way)
    stored = invoice_match(invoice_id=invoice.pk)
    monkeypatch.undo()
    inputs = dict(stored.inputs)
    inputs.pop("candidates", None)
    MatchResult.objects.filter(pk=stored.pk).update(inputs=inputs)
    stored.refresh_from_db()
    assert len(stored.inputs["po_lines"]) == 2  # the other PO's line too
    assert stored.purchase_orders.count() == 2

    # a receipt elsewhere re-checks it: the old rule gives the old hash, so it is not stale
    counts = match_staleness_refresh(po_ids=[pos[1].pk])
    stored.refresh_from_db()
    assert counts["checked"] == 1 and counts["stale"] == 0 and not stored.is_stale

    call_command("reconcile_scenario", "--result", str(stored.pk))
    assert json.loads(capsys.readouterr().out)["po_lines"] == stored.inputs["po_lines"]

    # and one stored before results kept inputs at all is rebuilt the old way, proven by its hash
    MatchResult.objects.filter(pk=stored.pk).update(inputs=None)
    stored.refresh_from_db()
    replay = match_result_scenario(stored)
    assert replay.rebuilt and len(replay.scenario["po_lines"]) == 2


def _match_counting(buyer, supplier, entity, items, open_pos: int) -> tuple[int, list[str]]:
    bolts, nuts, washers = items
    others = [ItemFactory(name=f"物料 {open_pos}-{i}") for i in range(5)]
    specs = [[(others[i % 5], 5, "1.00"), (others[(i + 1) % 5], 5, "1.00")] for i in range(open_pos - 3)]
    _open_pos(buyer, supplier, entity, specs)
    _open_pos(buyer, supplier, entity, [[(bolts, 10, "2.00")], [(nuts, 10, "0.50")], [(washers, 10, "0.10")]])
    invoice = make_invoice(
        supplier,
        entity,
        [line("螺栓 M8", 10, "2.00"), line("螺母 M8", 10, "0.50"), line("垫圈 M8", 10, "0.10")],
    )
    with CaptureQueriesContext(connection) as queries:
        invoice_match(invoice_id=invoice.pk)
    invoice.refresh_from_db()
    assert invoice.state == "approved"
    return len(queries), [q["sql"] for q in queries.captured_queries]


@pytest.mark.django_db
def test_the_statements_of_a_match_stay_flat_from_10_to_150_open_pos(buyer, supplier_a, supplier_b, world):
    small, _ = _match_counting(buyer, supplier_a, world["entity"], world["items"], 10)
    large, sql = _match_counting(buyer, supplier_b, world["entity"], world["items"], 150)
    assert small == large, "\n".join(sql)


def _keyed(case):
    """The case's PO lines as the prefilter keeps them (below the cap): those sharing a normalised
    item code or name with an invoice line, and those a line names."""
    from settlement.matching.pairing import normalise_code, normalise_name

    lines = case.invoice.lines
    codes = {normalise_code(x.item_code) for x in lines} - {""}
    names = {normalise_name(x.name) for x in lines} - {""}
    named = {x.po_line_id for x in lines if x.po_line_id}
    return [
        po
        for po in case.po_lines
        if po.id in named or normalise_code(po.item_code) in codes or normalise_name(po.name) in names
    ]


def test_on_the_quality_corpus_the_prefilter_changes_no_pairing_allocation_or_verdict():
    from settlement.matching.cases import large_case, quality_cases

    cases = [*quality_cases(600, seed=20240601), large_case(1000, seed=1)]
    narrowed = 0
    for case in cases:
        kwargs = {
            "receipt_lines": case.receipt_lines,
            "earlier_allocations": case.earlier_allocations,
            "policy": case.policy,
        }
        every = match_invoice(case.invoice, po_lines=case.po_lines, **kwargs)
        keyed = _keyed(case)
        narrowed += len(keyed) < len(case.po_lines)
        some = match_invoice(case.invoice, po_lines=keyed, **kwargs)
        assert some.verdict == every.verdict, case.name
        assert _allocations(some) == _allocations(every), case.name
        assert [(x.invoice_line_id, x.po_line_id, x.paired_by) for x in some.lines] == [
            (x.invoice_line_id, x.po_line_id, x.paired_by) for x in every.lines
        ], case.name
    assert narrowed >= 40  # 44 of these cases have PO lines of other items, and the 1,000-line one
