"""invoice_plan_claim: a validated invoice that fits an open invoice plan (buyer tax id, amounts per
tax rate within the rounding allowance) is claimed by it — matched, approved and scheduled without
a person — and the statement is invoiced once its plan is; anything else is left for matching."""

from decimal import Decimal

import pytest

from core.models import TransitionLog
from core.selectors import transition_log_for
from invoicing.models import Invoice
from settlement.models import InvoicePlan, Statement, StatementLine
from settlement.services import statements as svc
from settlement.services.invoice_plans import invoice_plan_claim
from tests.factories import LegalEntityFactory
from tests.settlement.statement_builders import PERIOD, make_invoice, make_received_po

pytestmark = pytest.mark.django_db


@pytest.fixture
def entity(db):
    return LegalEntityFactory(name="上海采购有限公司")


@pytest.fixture
def plan(buyer, finance, supplier_a, supplier_user_a, entity):
    """A confirmed statement-first statement: 13 % net 1000.00 tax 130.00, 6 % net 200.00 tax 12.00."""
    make_received_po(buyer, supplier_a, entity, lines=((10, "100", "0.13"), (4, "50", "0.06")))
    statement = svc.statement_create(
        kind="statement_first",
        supplier=supplier_a,
        legal_entity=entity,
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        actor=finance,
    )
    statement = svc.statement_send(statement=statement, actor=finance)
    return svc.statement_confirm(statement=statement, actor=supplier_user_a).invoice_plan


def _state(obj):
    return type(obj).objects.get(pk=obj.pk).state


def test_an_invoice_that_fits_the_plan_is_claimed_matched_approved_and_scheduled(plan, supplier_a, entity):
    invoice = make_invoice(
        supplier_a, entity, state="validated", lines=(("1000.00", "0.13"), ("200.00", "0.06"))
    )

    assert invoice_plan_claim(invoice) is True

    assert invoice.state == "scheduled"  # the caller's instance is refreshed
    logs = transition_log_for(invoice).order_by("id")
    assert [log.transition for log in logs] == ["match", "approve", "schedule"]
    assert all(log.actor is None and plan.statement.number in log.reason for log in logs)
    line = StatementLine.objects.get(invoice=invoice)
    assert (
        line.kind == "plan_invoice" and line.statement == plan.statement and line.gross == Decimal("1342.00")
    )
    plan.refresh_from_db()
    assert plan.fulfilled_at is not None
    statement = Statement.objects.get(pk=plan.statement_id)
    assert statement.state == "invoiced"
    assert statement.gross_total == Decimal("1342.00")  # plan invoices do not count twice
    mark = transition_log_for(statement).get(transition="mark_invoiced")
    assert mark.actor is None and invoice.invoice_number in mark.reason


def test_several_invoices_fill_the_plan_and_only_the_last_invoices_the_statement(plan, supplier_a, entity):
    first = make_invoice(supplier_a, entity, state="validated", lines=(("600.00", "0.13"),))
    second = make_invoice(
        supplier_a, entity, state="validated", lines=(("400.00", "0.13"), ("200.00", "0.06"))
    )

    assert invoice_plan_claim(first) is True
    assert _state(plan.statement) == "confirmed"
    rate = plan.rates.get(tax_rate=Decimal("0.13"))
    assert (rate.invoiced_net, rate.invoiced_tax, rate.remaining_net) == (
        Decimal("600.00"),
        Decimal("78.00"),
        Decimal("400.00"),
    )
    assert invoice_plan_claim(second) is True
    assert _state(plan.statement) == "invoiced"


def test_tax_rounded_differently_within_the_allowance_is_claimed(plan, supplier_a, entity):
    invoice = make_invoice(
        supplier_a, entity, state="validated", lines=(("1000.00", "0.13"), ("200.00", "0.06"))
    )
    line = invoice.lines.get(tax_rate=Decimal("0.13"))
    line.tax = Decimal("130.04")
    line.save()
    assert invoice_plan_claim(invoice) is True
    assert _state(plan.statement) == "invoiced"


def test_an_invoice_that_overshoots_the_plan_is_not_claimed_and_nothing_changes(plan, supplier_a, entity):
    over = make_invoice(supplier_a, entity, state="validated", lines=(("1000.06", "0.13"),))
    other_rate = make_invoice(supplier_a, entity, state="validated", lines=(("100.00", "0.09"),))
    logs = TransitionLog.objects.count()

    assert invoice_plan_claim(over) is False
    assert invoice_plan_claim(other_rate) is False

    assert _state(over) == "validated" and _state(other_rate) == "validated"
    assert TransitionLog.objects.count() == logs
    assert not StatementLine.objects.filter(kind="plan_invoice").exists()
    assert all(r.invoiced_net == 0 for r in plan.rates.all())


def test_an_invoice_to_another_buyer_tax_id_or_from_another_supplier_is_not_claimed(
    plan, supplier_a, supplier_b, entity
):
    other_entity = LegalEntityFactory()
    wrong_buyer = make_invoice(supplier_a, other_entity, state="validated", lines=(("100.00", "0.13"),))
    foreign = make_invoice(supplier_b, entity, state="validated", lines=(("100.00", "0.13"),))
    assert invoice_plan_claim(wrong_buyer) is False
    assert invoice_plan_claim(foreign) is False
    assert _state(wrong_buyer) == "validated" and _state(foreign) == "validated"


def test_credit_notes_and_invoices_not_validated_are_not_claimed(plan, supplier_a, entity):
    credit = make_invoice(
        supplier_a, entity, state="validated", credit_note=True, lines=(("100.00", "0.13"),)
    )
    approved = make_invoice(supplier_a, entity, state="approved", lines=(("100.00", "0.13"),))
    assert invoice_plan_claim(credit) is False
    assert invoice_plan_claim(approved) is False
    assert _state(credit) == "validated" and _state(approved) == "approved"


def test_a_fulfilled_plan_claims_nothing_more(plan, supplier_a, entity):
    assert invoice_plan_claim(
        make_invoice(supplier_a, entity, state="validated", lines=(("1000.00", "0.13"), ("200.00", "0.06")))
    )
    extra = make_invoice(supplier_a, entity, state="validated", lines=(("0.01", "0.13"),))
    assert invoice_plan_claim(extra) is False and _state(extra) == "validated"


def test_without_an_open_plan_nothing_is_claimed(supplier_a, entity):
    invoice = make_invoice(supplier_a, entity, state="validated")
    assert not InvoicePlan.objects.exists()
    assert invoice_plan_claim(invoice) is False
    assert Invoice.objects.get(pk=invoice.pk).state == "validated"


def test_the_oldest_plan_that_fits_wins(plan, buyer, finance, supplier_a, supplier_user_a, entity):
    from datetime import date

    make_received_po(buyer, supplier_a, entity, lines=((1, "100", "0.13"),), receipt_date=date(2026, 4, 5))
    later = svc.statement_create(
        kind="statement_first",
        supplier=supplier_a,
        legal_entity=entity,
        period_from=date(2026, 4, 1),
        period_to=date(2026, 4, 30),
        actor=finance,
    )
    later = svc.statement_confirm(
        statement=svc.statement_send(statement=later, actor=finance), actor=supplier_user_a
    )
    small = make_invoice(supplier_a, entity, state="validated", lines=(("100.00", "0.13"),))
    assert invoice_plan_claim(small) is True
    assert StatementLine.objects.get(invoice=small).statement_id == plan.statement_id
