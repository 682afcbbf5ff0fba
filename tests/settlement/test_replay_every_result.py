"""Exact replay: every match result keeps what it was decided on, so `reconcile_scenario --result R`
(and `--dump-invoice N` for the current one) reproduces its verdict, allocations and input hash,
also after later receipts, returns, PO revisions and credit notes. A generated month of work."""

import json
import random
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from invoicing.models import Invoice
from settlement.models import MatchResult
from settlement.services.matching import invoice_match, invoice_rematch, match_staleness_refresh
from tests.factories import ItemFactory, LegalEntityFactory
from tests.settlement import match_flow_builders as flow

pytestmark = pytest.mark.django_db


def _dump(capsys, *args) -> dict:
    call_command("reconcile_scenario", *args)
    return json.loads(capsys.readouterr().out)


def _replay(capsys, tmp_path, scenario) -> dict:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario, ensure_ascii=False), encoding="utf-8")
    call_command("reconcile_scenario", str(path))
    return json.loads(capsys.readouterr().out)


def _month(buyer, finance, supplier, entity, seed=2026):
    """POs, receipts, invoices (clean, partial, drifted, ahead of receipts), late receipts,
    returns, a PO revision and credit notes, matched and re-matched as the flow does."""
    rng = random.Random(seed)
    items = [ItemFactory(name=name) for name in ("螺栓 M8", "垫圈 M8", "螺母 M8", "扳手")]
    pos = []
    for _n in range(6):
        chosen = rng.sample(items, k=rng.randint(1, 3))
        pos.append(
            flow.make_po(
                buyer, supplier, entity, [(item, rng.choice((50, 100, 200)), "2.00") for item in chosen]
            )
        )
    for po in pos[:5]:  # the last PO stays unreceived: it can be revised
        lines = flow.po_lines(po)
        flow.receive(
            buyer, po, {line: line.quantity * Decimal("0.6") for line in lines}, day=date(2026, 3, 3)
        )
    invoices = []
    for n, po in enumerate(pos):
        lines = flow.po_lines(po)
        price = "2.00" if n % 3 else "2.10"  # every third drifts 5 %
        specs = [flow.line(line.item.name, line.quantity * Decimal("0.5"), price) for line in lines]
        invoices.append(flow.make_invoice(supplier, entity, specs, po_references=[po.number]))
    no_reference = flow.make_invoice(supplier, entity, [flow.line("螺栓 M8", 10, "2.00")])
    invoices.append(no_reference)
    for invoice in invoices:
        invoice_match(invoice_id=invoice.pk)

    # later: the rest arrives, something goes back, the unreceived PO is revised
    for po in pos[:5]:
        lines = flow.po_lines(po)
        flow.receive(
            buyer, po, {line: line.quantity * Decimal("0.4") for line in lines}, day=date(2026, 3, 20)
        )
    from procurement.services import goods_return_create, purchase_order_revise

    first_line = flow.po_lines(pos[1])[0]
    goods_return_create(
        po=pos[1],
        actor=buyer,
        return_date=date(2026, 3, 22),
        lines=[{"po_line_id": first_line.pk, "quantity": "5", "reason": "damaged 破损"}],
    )
    revised_line = flow.po_lines(pos[5])[0]
    purchase_order_revise(
        po=pos[5],
        actor=buyer,
        reason="price agreed again",
        changes=[{"line_id": revised_line.pk, "unit_price": "2.10"}],
    )
    match_staleness_refresh(po_ids=[po.pk for po in pos])
    for invoice in Invoice.objects.filter(state__in=["exception"]).order_by("pk"):
        invoice_rematch(invoice_id=invoice.pk, actor=finance, reason="late receipt")
    for result in MatchResult.objects.filter(is_current=True, is_stale=True).order_by("pk"):
        invoice_rematch(invoice_id=result.invoice_id, actor=finance, reason="inputs changed")

    # credit notes against two approved invoices, one partial, one whole
    approved = list(Invoice.objects.filter(state="approved", document_type="invoice").order_by("pk")[:2])
    for n, original in enumerate(approved):
        line = original.lines.order_by("line_no").first()
        quantity = line.quantity if n else line.quantity / 2
        credit = flow.make_invoice(
            supplier,
            entity,
            [flow.line(line.name, quantity, line.unit_price)],
            corrects=original,
            po_references=original.po_references,
        )
        invoice_match(invoice_id=credit.pk)
    for invoice in Invoice.objects.filter(state="exception").order_by("pk"):
        invoice_rematch(invoice_id=invoice.pk, actor=finance, reason="after credit notes")


def test_every_result_of_a_generated_month_replays_to_its_stored_verdict_allocations_and_hash(
    capsys, tmp_path, buyer, finance, supplier_a, supplier_b
):
    # two suppliers, each billing one legal entity, worked in the same month
    _month(buyer, finance, supplier_a, LegalEntityFactory())
    _month(buyer, finance, supplier_b, LegalEntityFactory(), seed=7)
    results = list(MatchResult.objects.order_by("pk"))
    assert len(results) >= 24 and any(not r.is_current for r in results)
    assert {r.invoice.supplier_id for r in results} == {supplier_a.pk, supplier_b.pk}
    assert {r.verdict for r in results} >= {"matched", "exception"}
    assert any(r.invoice.document_type == "credit_note" for r in results)
    assert any(r.invoice.match_results.count() > 1 for r in results)  # re-matched after changes

    for stored in results:
        replayed = _replay(capsys, tmp_path, _dump(capsys, "--result", str(stored.pk)))
        assert replayed["input_hash"] == stored.input_hash, stored.pk
        assert replayed["verdict"] == stored.verdict, stored.pk
        assert replayed["allocations"] == stored.explanation["allocations"], stored.pk

    for invoice in Invoice.objects.filter(match_results__is_current=True).distinct():
        current = MatchResult.objects.get(invoice=invoice, is_current=True)
        replayed = _replay(capsys, tmp_path, _dump(capsys, "--dump-invoice", str(invoice.pk)))
        assert (replayed["input_hash"], replayed["verdict"]) == (current.input_hash, current.verdict)
        assert replayed["allocations"] == current.explanation["allocations"]


def _legacy(buyer, supplier):
    """An invoice matched and its result stripped of inputs, as results were stored before engine 3."""
    entity = LegalEntityFactory()
    po = flow.make_po(buyer, supplier, entity, [("螺栓 M8", 100, "2.00")])
    flow.receive(buyer, po, {flow.po_lines(po)[0]: 60})
    invoice = flow.make_invoice(
        supplier, entity, [flow.line("螺栓 M8", 100, "2.00")], po_references=[po.number]
    )
    result = invoice_match(invoice_id=invoice.pk)
    assert result.verdict == "exception"  # 40 not yet received
    MatchResult.objects.filter(pk=result.pk).update(inputs=None)
    return po, invoice, result


def test_a_result_without_inputs_replays_exactly_when_todays_data_gives_its_stored_hash(
    capsys, tmp_path, buyer, supplier_a
):
    _, _, result = _legacy(buyer, supplier_a)

    call_command("reconcile_scenario", "--result", str(result.pk))
    dumped = capsys.readouterr()

    assert "rebuilt from today's data and give its stored input hash" in dumped.err
    replayed = _replay(capsys, tmp_path, json.loads(dumped.out))
    assert (replayed["input_hash"], replayed["verdict"]) == (result.input_hash, result.verdict)
    assert replayed["allocations"] == result.explanation["allocations"]


def test_a_result_without_inputs_whose_documents_changed_since_is_refused_honestly(capsys, buyer, supplier_a):
    po, invoice, result = _legacy(buyer, supplier_a)
    flow.receive(buyer, po, {flow.po_lines(po)[0]: 40}, day=date(2026, 3, 9))  # the rest arrives later

    for args in (("--result", str(result.pk)), ("--dump-invoice", str(invoice.pk))):
        with pytest.raises(SystemExit) as exc:
            call_command("reconcile_scenario", *args)
        assert exc.value.code == 2
        err = capsys.readouterr()
        assert err.out == ""  # no scenario is made up
        assert "cannot be rebuilt" in err.err and result.input_hash in err.err and "--rebuild" in err.err


def test_keeping_legacy_inputs_stores_the_provable_ones_so_a_later_change_cannot_lose_them(
    capsys, tmp_path, buyer, supplier_a
):
    po, _, provable = _legacy(buyer, supplier_a)
    other_po, _, changed = _legacy(buyer, supplier_a)
    flow.receive(buyer, other_po, {flow.po_lines(other_po)[0]: 40}, day=date(2026, 3, 9))

    call_command("reconcile_scenario", "--keep-legacy-inputs")
    out = capsys.readouterr().out
    assert (
        "kept the inputs of 1 result(s); 1 cannot be rebuilt" in out and f"match result {changed.pk}" in out
    )
    provable.refresh_from_db()
    changed.refresh_from_db()
    assert provable.inputs is not None and changed.inputs is None

    flow.receive(buyer, po, {flow.po_lines(po)[0]: 40}, day=date(2026, 3, 9))  # now it changes too
    replayed = _replay(capsys, tmp_path, _dump(capsys, "--result", str(provable.pk)))
    assert (replayed["input_hash"], replayed["verdict"]) == (provable.input_hash, "exception")
