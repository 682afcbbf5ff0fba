"""Statement-first statements: received-but-not-invoiced receipt lines (accepted minus returned,
at PO price and tax rate), one open statement per receipt line, and the invoice plan issued on
confirmation."""

from datetime import date
from decimal import Decimal

import pytest

from core.errors import DomainError
from settlement.models import InvoicePlan, Statement, StatementLine
from settlement.services import statements as svc
from tests.factories import LegalEntityFactory
from tests.settlement.statement_builders import PERIOD, make_received_po, make_return

pytestmark = pytest.mark.django_db


@pytest.fixture
def entity(db):
    return LegalEntityFactory(name="上海采购有限公司")


def _create(finance, supplier, entity, **kwargs):
    return svc.statement_create(
        kind="statement_first",
        supplier=supplier,
        legal_entity=entity,
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        actor=finance,
        **kwargs,
    )


def test_finance_gathers_received_goods_at_po_price_and_tax_rate(
    buyer, finance, supplier_a, supplier_b, entity
):
    po, receipt = make_received_po(
        buyer, supplier_a, entity, lines=((10, "100", "0.13"), (3, "33.333", "0.06"), (2, "50", None))
    )
    make_return(buyer, po, line_no=1, quantity="2")
    # not gathered: another supplier, another legal entity, outside the period
    make_received_po(buyer, supplier_b, entity)
    make_received_po(buyer, supplier_a, LegalEntityFactory())
    make_received_po(buyer, supplier_a, entity, receipt_date=date(2026, 2, 28))

    statement = _create(finance, supplier_a, entity)

    lines = {
        (line.receipt_line.receipt.kind, line.receipt_line.po_line.line_no): line
        for line in statement.lines.all()
    }
    assert set(lines) == {("receipt", 1), ("receipt", 2), ("receipt", 3), ("return", 1)}
    assert lines[("receipt", 1)].net == Decimal("1000.00") and lines[("receipt", 1)].tax == Decimal("130.00")
    assert lines[("receipt", 2)].net == Decimal("100.00") and lines[("receipt", 2)].tax == Decimal("6.00")
    assert lines[("receipt", 3)].tax_rate is None and lines[("receipt", 3)].tax == Decimal("0.00")
    assert lines[("return", 1)].quantity == Decimal("-2") and lines[("return", 1)].gross == Decimal("-226.00")
    assert receipt.number in lines[("receipt", 1)].reference and po.number in lines[("receipt", 1)].reference
    assert statement.net_total == Decimal("1000.00") + Decimal("100.00") + Decimal("100.00") - Decimal(
        "200.00"
    )
    assert statement.gross_total == Decimal("1130.00") + Decimal("106.00") + Decimal("100.00") - Decimal(
        "226.00"
    )


def test_a_receipt_line_sits_in_one_open_statement_only(buyer, finance, supplier_a, entity):
    make_received_po(buyer, supplier_a, entity)
    first = _create(finance, supplier_a, entity)
    with pytest.raises(DomainError) as exc:
        _create(finance, supplier_a, entity)
    assert exc.value.code == "nothing_to_settle"
    assert Statement.objects.count() == 1 and StatementLine.objects.count() == 1

    svc.statement_cancel(statement=first, actor=finance, reason="redo")
    second = _create(finance, supplier_a, entity)
    assert second.lines.get().receipt_line_id == first.lines.get().receipt_line_id


def test_the_database_refuses_a_second_live_line_for_one_receipt_line(buyer, finance, supplier_a, entity):
    from django.db import IntegrityError, transaction

    make_received_po(buyer, supplier_a, entity)
    line = _create(finance, supplier_a, entity).lines.get()
    other = Statement.objects.create(
        number="ST-TEST-1",
        kind="statement_first",
        supplier=supplier_a,
        legal_entity=entity,
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        created_by=finance,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        StatementLine.objects.create(
            statement=other, kind="receipt", receipt_line=line.receipt_line, net=1, tax=0, gross=1
        )


def test_invoices_cannot_be_added_by_hand_to_a_statement_first_statement(buyer, finance, supplier_a, entity):
    from tests.settlement.statement_builders import make_invoice

    make_received_po(buyer, supplier_a, entity)
    statement = _create(finance, supplier_a, entity)
    invoice = make_invoice(supplier_a, entity)
    with pytest.raises(DomainError) as exc:
        svc.statement_invoice_add(statement=statement, invoice=invoice, actor=finance)
    assert exc.value.code == "statement_first_takes_plan_invoices"
    assert invoice.state == "approved" and statement.lines.count() == 1


def test_confirming_issues_the_invoice_plan_with_amounts_per_tax_rate(
    buyer, finance, supplier_a, supplier_user_a, entity
):
    make_received_po(
        buyer, supplier_a, entity, lines=((10, "100", "0.13"), (4, "25", "0.06"), (1, "7", "0.13"))
    )
    statement = svc.statement_send(statement=_create(finance, supplier_a, entity), actor=finance)
    assert not InvoicePlan.objects.exists()

    statement = svc.statement_confirm(statement=statement, actor=supplier_user_a)

    plan = statement.invoice_plan
    assert statement.state == "confirmed"
    assert plan.buyer_name == entity.name and plan.buyer_tax_id == entity.tax_id
    assert plan.allowance == Decimal("0.05") and plan.fulfilled_at is None
    rates = {rate.tax_rate: (rate.net, rate.tax) for rate in plan.rates.all()}
    assert rates == {
        Decimal("0.1300"): (Decimal("1007.00"), Decimal("130.91")),
        Decimal("0.0600"): (Decimal("100.00"), Decimal("6.00")),
    }
    with pytest.raises(DomainError) as exc:
        svc.statement_approve(statement=statement, actor=other_finance())
    assert (
        exc.value.code == "invoice_plan_open" and Statement.objects.get(pk=statement.pk).state == "confirmed"
    )


def test_a_disputed_statement_first_statement_issues_no_plan(
    buyer, finance, supplier_a, supplier_user_a, entity
):
    make_received_po(buyer, supplier_a, entity)
    statement = svc.statement_send(statement=_create(finance, supplier_a, entity), actor=finance)
    svc.statement_dispute(statement=statement, actor=supplier_user_a, reason="quantity 9 not 10")
    assert not InvoicePlan.objects.exists()


def test_returns_exceeding_receipts_at_a_rate_cannot_be_sent(buyer, finance, supplier_a, entity):
    po, _ = make_received_po(buyer, supplier_a, entity, lines=((10, "100", "0.13"), (10, "100", "0.06")))
    first = _create(finance, supplier_a, entity)
    # the receipts are settled; a later return of 13 % goods meets only 6 % goods in the next period
    svc.statement_send(statement=first, actor=finance)
    make_return(buyer, po, line_no=1, quantity="1", return_date=date(2026, 3, 20))
    make_received_po(buyer, supplier_a, entity, lines=((5, "100", "0.06"),), receipt_date=date(2026, 3, 21))
    second = svc.statement_create(
        kind="statement_first",
        supplier=supplier_a,
        legal_entity=entity,
        period_from=date(2026, 3, 20),
        period_to=date(2026, 3, 31),
        actor=finance,
    )
    with pytest.raises(DomainError) as exc:
        svc.statement_send(statement=second, actor=finance)
    assert exc.value.code == "negative_rate_amount"
    assert Statement.objects.get(pk=second.pk).state == "draft"


def _matched_invoice(supplier, entity, po):
    """An invoice for all of ``po`` three-way matched (and so approved) by the matching flow."""
    from settlement.services.matching import invoice_match
    from tests.settlement.statement_builders import make_invoice

    lines = list(po.lines.order_by("line_no"))
    invoice = make_invoice(
        supplier,
        entity,
        state="validated",
        lines=[(str(line.net_amount), str(line.tax_rate)) for line in lines],
    )
    for inv_line, po_line in zip(invoice.lines.order_by("line_no"), lines, strict=True):
        inv_line.quantity, inv_line.unit_price = po_line.quantity, po_line.unit_price
        inv_line.item_code, inv_line.name = po_line.item.code, po_line.item.name
        inv_line.po_reference = f"{po.number}/{po_line.line_no}"
        inv_line.save()
    type(invoice).objects.filter(pk=invoice.pk).update(po_references=[po.number])
    invoice_match(invoice_id=invoice.pk)
    invoice.refresh_from_db()
    return invoice


def test_goods_billed_by_a_statement_first_statement_are_not_settled_again_through_an_invoice(
    buyer, finance, supplier_a, entity
):
    po, _ = make_received_po(buyer, supplier_a, entity)
    receipts_statement = _create(finance, supplier_a, entity)
    invoice = _matched_invoice(supplier_a, entity, po)
    assert invoice.state == "approved"  # three-way matched against the receipt already billed

    with pytest.raises(DomainError) as exc:
        svc.statement_create(
            kind="invoice_first",
            supplier=supplier_a,
            legal_entity=entity,
            period_from=PERIOD[0],
            period_to=PERIOD[1],
            actor=finance,
        )
    assert exc.value.code == "nothing_to_settle"

    from tests.settlement.statement_builders import make_invoice

    make_invoice(supplier_a, entity, lines=(("5.00", "0.13"),))
    other = svc.statement_create(
        kind="invoice_first",
        supplier=supplier_a,
        legal_entity=entity,
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        actor=finance,
    )
    with pytest.raises(DomainError) as exc:
        svc.statement_invoice_add(statement=other, invoice=invoice, actor=finance)
    assert exc.value.code == "receipts_in_statement" and receipts_statement.number in exc.value.message
    assert type(invoice).objects.get(pk=invoice.pk).state == "approved"


def test_receipts_already_invoiced_through_matching_are_not_gathered(buyer, finance, supplier_a, entity):
    po, _ = make_received_po(buyer, supplier_a, entity)
    assert _matched_invoice(supplier_a, entity, po).state == "approved"
    with pytest.raises(DomainError) as exc:
        _create(finance, supplier_a, entity)
    assert exc.value.code == "nothing_to_settle"


def other_finance():
    """A second finance user: who prepared a statement does not approve it (four eyes)."""
    from tests.factories import UserFactory

    return UserFactory(username="finance-approver", role="finance")
