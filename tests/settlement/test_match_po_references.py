"""数电 invoices find their PO where Chinese suppliers write it (备注, line notes), and without a
reference the pairing prefers a PO line with received quantity open, and says why; one invoice
line may cover two PO lines of the same item. Uploaded through the portal as a supplier would."""

from dataclasses import replace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from invoicing.formats.po_refs import po_references_in
from invoicing.models import Invoice
from settlement.models import MatchAllocation
from settlement.services.matching import invoice_match
from tests.factories import LegalEntityFactory, SupplierFactory, make_supplier_user
from tests.invoicing.cn_xml_builder import BUYER_ID, BUYER_NAME, SELLER_ID, SELLER_NAME, build_cn_xml, item
from tests.settlement import match_flow_builders as flow
from tests.settlement.matching_builders import codes, invoice, line, match, po_line, receipt


@pytest.mark.parametrize(
    "remark, found",
    [
        ("采购订单号 PO-2026-000007", ["PO-2026-000007"]),
        ("订单号：4500012345 送货至上海", ["4500012345"]),
        ("PO: 4500-77", ["4500-77"]),
        ("ＰＯ－２０２６－０００００８", ["PO-2026-000008"]),
        ("PO-2026-000009", ["PO-2026-000009"]),
        ("对账单 ST-2026-000003", ["ST-2026-000003"]),
        ("规格 M8x30 镀锌", []),
        ("对应正数发票代码:033002100211号码:12345678", []),
    ],
)
def test_po_references_are_read_from_the_ways_suppliers_write_them(remark, found):
    assert po_references_in(remark) == found


@pytest.fixture
def world(db, buyer):
    supplier = SupplierFactory(name=SELLER_NAME, tax_id=SELLER_ID, state="approved")
    entity = LegalEntityFactory(name=BUYER_NAME, tax_id=BUYER_ID)
    return supplier, entity, make_supplier_user(supplier, "seller-user")


def _upload(client, user, data, django_capture_on_commit_callbacks) -> Invoice:
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/invoices/upload/file/", {"file": SimpleUploadedFile("inv.xml", data)})
    assert response.status_code == 201, response.content
    return Invoice.objects.get()


def test_a_po_number_in_the_remark_pairs_the_invoice_with_that_po(
    client, buyer, finance, world, django_capture_on_commit_callbacks
):
    supplier, entity, user = world
    received = flow.make_po(buyer, supplier, entity, [("螺栓 M8", 200, "5.00")])
    flow.receive(buyer, received, {flow.po_lines(received)[0]: 200})
    named = flow.make_po(buyer, supplier, entity, [("螺栓 M8", 100, "5.00")])
    flow.receive(buyer, named, {flow.po_lines(named)[0]: 100})
    data = build_cn_xml(items=[item("*金属制品*螺栓 M8", "100", "5.00")], remark=f"采购订单号 {named.number}")

    invoice = _upload(client, user, data, django_capture_on_commit_callbacks)

    assert invoice.po_references == [named.number]
    assert invoice.state == "approved"
    assert {a.po_line.po_id for a in MatchAllocation.objects.filter(invoice=invoice)} == {named.pk}


def test_a_po_number_in_a_lines_notes_pairs_that_line(
    client, buyer, world, django_capture_on_commit_callbacks
):
    supplier, entity, user = world
    first = flow.make_po(buyer, supplier, entity, [("螺栓 M8", 100, "5.00")])
    flow.receive(buyer, first, {flow.po_lines(first)[0]: 100})
    second = flow.make_po(buyer, supplier, entity, [("螺栓 M8", 100, "5.00")])
    flow.receive(buyer, second, {flow.po_lines(second)[0]: 100})
    noted = replace(item("*金属制品*螺栓 M8", "100", "5.00"), spec=f"PO号 {second.number}")

    invoice = _upload(client, user, build_cn_xml(items=[noted]), django_capture_on_commit_callbacks)

    assert invoice.lines.get().po_reference == second.number
    assert {a.po_line.po_id for a in MatchAllocation.objects.filter(invoice=invoice)} == {second.pk}


def test_without_a_reference_the_po_line_with_received_quantity_is_chosen_and_the_page_says_why(
    client, buyer, finance, world, django_capture_on_commit_callbacks
):
    supplier, entity, user = world
    nothing_received = flow.make_po(buyer, supplier, entity, [("螺栓 M8", 100, "5.00")])
    received = flow.make_po(buyer, supplier, entity, [("螺栓 M8", 200, "5.00")])
    flow.receive(buyer, received, {flow.po_lines(received)[0]: 200})
    data = build_cn_xml(items=[item("*金属制品*螺栓 M8", "100", "5.00")])

    invoice = _upload(client, user, data, django_capture_on_commit_callbacks)

    assert invoice.state == "approved"
    assert {a.po_line.po_id for a in MatchAllocation.objects.filter(invoice=invoice)} == {received.pk}
    client.force_login(finance)
    page = client.get(f"/settlement/matching/invoices/{invoice.pk}/").content.decode()
    assert "paired_with_open_quantity" in page or "which has 200 open to invoice" in page
    assert f"{nothing_received.number}/1" in page


def test_one_invoice_line_covers_two_po_lines_of_the_same_item(
    client, buyer, finance, world, django_capture_on_commit_callbacks
):
    supplier, entity, user = world
    po = flow.make_po(buyer, supplier, entity, [("螺栓 M8", 60, "5.00"), ("螺栓 M8", 40, "5.00")])
    first, second = flow.po_lines(po)
    flow.receive(buyer, po, {first: 60, second: 40})
    data = build_cn_xml(items=[item("*金属制品*螺栓 M8", "100", "5.00")], remark=f"PO: {po.number}")

    invoice = _upload(client, user, data, django_capture_on_commit_callbacks)

    assert invoice.state == "approved"
    assert sorted(
        (a.po_line_id, a.quantity) for a in MatchAllocation.objects.filter(invoice=invoice)
    ) == sorted([(first.pk, 60), (second.pk, 40)])


def test_the_engine_never_over_allocates_when_a_line_spills_into_another_po_line():
    # line 1 (100) pairs with P1 (60 open) and spills into P2; line 2 (40) has P2 to itself first
    result = match(
        invoice("I", [line("1", "100", "5.00", name="螺栓"), line("2", "40", "5.00", name="螺栓")]),
        [po_line("P1", "60", "5.00", name="螺栓"), po_line("P2", "40", "5.00", name="螺栓")],
        [receipt("R1", "P1", 1, "60"), receipt("R2", "P2", 1, "40")],
    )
    per_receipt: dict = {}
    for a in result.allocations:
        per_receipt[a.receipt_line_id] = per_receipt.get(a.receipt_line_id, 0) + a.quantity
    assert per_receipt == {"R1": 60, "R2": 40}
    assert result.verdict == "exception"  # 40 of the 140 invoiced were never received


def test_a_credit_note_line_is_released_across_the_po_lines_its_original_claimed():
    from tests.settlement.matching_builders import credit_note, earlier

    result = match(
        credit_note("C", [line("1", "-100", "5.00", name="螺栓")], original="I"),
        [po_line("P1", "60", "5.00", name="螺栓"), po_line("P2", "40", "5.00", name="螺栓")],
        [receipt("R1", "P1", 1, "60"), receipt("R2", "P2", 1, "40")],
        [earlier("I", "P1", "60", "R1"), earlier("I", "P2", "40", "R2")],
    )
    assert result.verdict == "matched", codes(result)
    assert sorted((a.po_line_id, a.quantity) for a in result.allocations) == [("P1", -60), ("P2", -40)]


@pytest.mark.django_db
def test_an_invoice_answering_an_open_invoice_plan_is_matched_against_the_plans_po_even_when_closed(
    buyer, finance, supplier_a, supplier_user_a
):
    from procurement.models import PurchaseOrder
    from settlement.services import statements as svc
    from tests.settlement.statement_builders import PERIOD, make_received_po

    entity = LegalEntityFactory()
    po, _ = make_received_po(buyer, supplier_a, entity, lines=((10, "100", "0.13"),))
    statement = svc.statement_create(
        kind="statement_first",
        supplier=supplier_a,
        legal_entity=entity,
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        actor=finance,
    )
    statement = svc.statement_send(statement=statement, actor=finance)
    svc.statement_confirm(statement=statement, actor=supplier_user_a)
    PurchaseOrder.objects.filter(pk=po.pk).update(state="closed")
    name = po.lines.get().item.name
    # 12 at 100: more than the plan's 10, so the plan does not take it; no PO named
    invoice = flow.make_invoice(supplier_a, entity, [flow.line(name, 12, "100")])
    Invoice.objects.filter(pk=invoice.pk).update(buyer_tax_id=entity.tax_id)

    invoice_match(invoice_id=invoice.pk)

    assert {a.po_line.po_id for a in MatchAllocation.objects.filter(invoice=invoice)} == {po.pk}


# ---------------------------------------------------------------- spread across PO lines at other prices


def _spread_world():
    return (
        [po_line("P1", "100", "10.00", name="螺栓"), po_line("P2", "50", "10.50", name="螺栓")],
        [receipt("R1", "P1", 1, "100"), receipt("R2", "P2", 2, "50")],
    )


def test_a_line_spreads_onto_a_po_line_of_the_same_item_at_another_price_judged_at_that_price():
    pos, receipts = _spread_world()
    # the supplier bills 150 at 10.00: right for P1, 0.50 below P2's price on the 50 taken from P2
    result = match(invoice("I", [line("1", "150", "10.00", name="螺栓")]), pos, receipts)

    assert sorted((a.po_line_id, a.quantity) for a in result.allocations) == [("P1", 100), ("P2", 50)]
    reasons = result.line("1").reasons
    split = next(r for r in reasons if r.code == "split_across_po_lines")
    assert "100 on PO line P1 at 10.00" in split.message and "50 on PO line P2 at 10.50" in split.message
    prices = [r for r in reasons if r.code == "price_below_tolerance"]
    assert len(prices) == 1 and "10.50" in prices[0].message and "P2" in prices[0].message
    assert result.verdict == "exception"


def test_a_line_whose_amount_is_each_part_at_its_own_po_price_is_matched():
    pos, receipts = _spread_world()
    # no unit price stated; 100 x 10.00 + 50 x 10.50 = 1,525.00
    result = match(
        invoice("I", [line("1", "150", "10.1667", amount="1525.00", name="螺栓", stated_price=False)]),
        pos,
        receipts,
    )

    assert result.verdict == "matched", codes(result)
    assert codes(result) == ["split_across_po_lines"]
    assert sum(a.quantity for a in result.allocations) == 150


def test_a_part_on_a_po_line_with_another_tax_rate_is_a_tax_rate_exception_naming_that_line():
    pos = [
        po_line("P1", "100", "10.00", name="螺栓"),
        po_line("P2", "50", "10.00", tax_rate="0.09", name="螺栓"),
    ]
    receipts = [receipt("R1", "P1", 1, "100"), receipt("R2", "P2", 2, "50")]

    result = match(invoice("I", [line("1", "150", "10.00", name="螺栓")]), pos, receipts)

    mismatches = [r for r in result.line("1").reasons if r.code == "tax_rate_mismatch"]
    assert len(mismatches) == 1 and "P2" in mismatches[0].message
    assert result.verdict == "exception"


def test_a_spread_takes_the_same_tax_rate_and_the_nearest_price_first():
    pos = [
        po_line("P1", "10", "10.00", name="螺栓"),
        po_line("P2", "10", "12.00", name="螺栓"),
        po_line("P3", "10", "10.20", name="螺栓"),
        po_line("P4", "10", "10.00", tax_rate="0.09", name="螺栓"),
    ]
    receipts = [receipt(f"R{n}", f"P{n}", 1, "10") for n in range(1, 5)]

    result = match(invoice("I", [line("1", "20", "10.00", name="螺栓")]), pos, receipts)

    assert sorted((a.po_line_id, a.quantity) for a in result.allocations) == [("P1", 10), ("P3", 10)]


def test_a_spread_never_takes_what_another_lines_own_po_line_needs_whatever_the_prices():
    pos, receipts = _spread_world()
    # line 2 (50 at 10.50) has P2 to itself; line 1 (120) may only take what is left on P2: nothing
    result = match(
        invoice("I", [line("1", "120", "10.00", name="螺栓"), line("2", "50", "10.50", name="螺栓")]),
        pos,
        receipts,
    )

    assert sorted((a.invoice_line_id, a.po_line_id, a.quantity) for a in result.allocations) == [
        ("1", "P1", 100),
        ("2", "P2", 50),
    ]
    assert "quantity_not_received" in [r.code for r in result.line("1").reasons]


def test_a_credit_note_line_is_released_across_po_lines_at_their_own_prices():
    from tests.settlement.matching_builders import credit_note, earlier

    pos = [po_line("P1", "60", "5.00", name="螺栓"), po_line("P2", "40", "6.00", name="螺栓")]
    receipts = [receipt("R1", "P1", 1, "60"), receipt("R2", "P2", 1, "40")]
    # 60 x 5.00 + 40 x 6.00 = 540.00 credited, no unit price stated
    result = match(
        credit_note(
            "C", [line("1", "-100", "5.40", amount="-540.00", name="螺栓", stated_price=False)], original="I"
        ),
        pos,
        receipts,
        [earlier("I", "P1", "60", "R1"), earlier("I", "P2", "40", "R2")],
    )

    assert result.verdict == "matched", codes(result)
    assert sorted((a.po_line_id, a.quantity) for a in result.allocations) == [("P1", -60), ("P2", -40)]


def test_an_uploaded_line_covering_two_po_lines_at_different_prices_is_explained_on_the_finance_page(
    client, buyer, finance, world, django_capture_on_commit_callbacks
):
    supplier, entity, user = world
    po = flow.make_po(buyer, supplier, entity, [("螺栓 M8", 60, "5.00"), ("螺栓 M8", 40, "5.50")])
    first, second = flow.po_lines(po)
    flow.receive(buyer, po, {first: 60, second: 40})
    # billed at 5.50 throughout: right for the second line, 10 % above the first line's 5.00
    data = build_cn_xml(items=[item("*金属制品*螺栓 M8", "100", "5.50")], remark=f"PO: {po.number}")

    invoice = _upload(client, user, data, django_capture_on_commit_callbacks)

    assert sorted(
        (a.po_line_id, a.quantity) for a in MatchAllocation.objects.filter(invoice=invoice)
    ) == sorted([(first.pk, 60), (second.pk, 40)])
    assert invoice.state == "exception"
    client.force_login(finance)
    page = client.get(f"/settlement/matching/invoices/{invoice.pk}/").content.decode()
    # paired with the second line by its price, the rest spread onto the first
    assert f"40 on PO line {po.number}/2 at 5.50, 60 on PO line {po.number}/1 at 5.00" in page
    assert "price_above_tolerance" in page and f"the PO price 5.00 of PO line {po.number}/1" in page
    assert f"the PO price 5.50 of PO line {po.number}/2" not in page
