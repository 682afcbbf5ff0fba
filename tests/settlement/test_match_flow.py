"""The matching flow in the database: validated invoice → match task → approved or exception."""

from datetime import date
from decimal import Decimal as D

import pytest

from core.models import TransitionLog
from invoicing.models import Invoice
from settlement.models import ExceptionCase, MatchAllocation, MatchResult, TolerancePolicy
from settlement.services.match_policies import tolerance_policy_create, tolerance_policy_revise
from settlement.services.matching import invoice_match
from settlement.tasks import match_invoice
from tests.factories import LegalEntityFactory
from tests.settlement.match_flow_builders import (
    line,
    make_invoice,
    make_po,
    pass_validation,
    po_lines,
    receive,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def entity():
    return LegalEntityFactory(name="上海采购有限公司")


@pytest.fixture
def po(buyer, supplier_a, entity):
    return make_po(buyer, supplier_a, entity, [("螺栓 M8", 100, "2.00"), ("垫圈", 50, "0.50")])


def _log(invoice):
    return list(
        TransitionLog.objects.filter(content_type__model="invoice", object_id=str(invoice.pk)).values_list(
            "transition", "actor", "reason"
        )
    )


def test_clean_invoice_is_approved_without_a_person_naming_the_policy(
    buyer, supplier_a, entity, po, django_capture_on_commit_callbacks
):
    bolts, washers = po_lines(po)
    receive(buyer, po, {bolts: 100, washers: 50})
    invoice = make_invoice(
        supplier_a, entity, [line("螺栓 M8", 100, "2.00"), line("垫圈", 50, "0.50")], state="validating"
    )

    pass_validation(invoice, django_capture_on_commit_callbacks)

    assert invoice.state == "approved"
    result = MatchResult.objects.get(invoice=invoice)
    assert result.verdict == "matched" and result.is_current and not result.is_stale
    assert result.policy_version == "global v1" and result.policy.code == "global"
    assert len(result.input_hash) == 64
    log = _log(invoice)
    assert [t for t, _, _ in log] == ["pass_validation", "match", "approve"]
    assert log[2][1] is None
    assert log[2][2].startswith("approved without a person: all lines within policy global v1")
    assert sorted(MatchAllocation.objects.filter(invoice=invoice).values_list("quantity", flat=True)) == [
        D("50"),
        D("100"),
    ]
    assert not ExceptionCase.objects.exists()


def test_price_drift_beyond_tolerance_goes_to_the_exception_desk_with_the_numbers(
    buyer, supplier_a, entity, po
):
    bolts, _ = po_lines(po)
    receive(buyer, po, {bolts: 100})
    invoice = make_invoice(supplier_a, entity, [line("螺栓 M8", 100, "2.20")])

    result = invoice_match(invoice_id=invoice.pk)

    invoice.refresh_from_db()
    assert invoice.state == "exception"
    assert result.verdict == "exception"
    assert "Unit price 2.20 is 0.20 CNY (10.00%) above the PO price 2.00" in result.summary
    assert "version global v1" in result.summary
    case = ExceptionCase.objects.get(invoice=invoice)
    assert case.state == "open" and case.primary_reason == "price_above_tolerance" and case.result == result
    assert _log(invoice)[-1][0] == "raise_exception"
    logged = _log(invoice)[-1][2]  # suppliers see the log: facts, not the tolerance limits
    assert logged.startswith("three-way match exception: Unit price 2.20 is 0.20 CNY (10.00%) above")
    assert "allows" not in logged


def test_drift_within_tolerance_is_approved_and_records_the_tolerated_reason(buyer, supplier_a, entity, po):
    bolts, _ = po_lines(po)
    receive(buyer, po, {bolts: 100})
    invoice = make_invoice(supplier_a, entity, [line("螺栓 M8", 100, "2.02")])

    result = invoice_match(invoice_id=invoice.pk)

    assert Invoice.objects.get(pk=invoice.pk).state == "approved"
    assert result.verdict == "matched_within_tolerance"
    codes = [r["code"] for r in result.explanation["lines"][0]["reasons"]]
    assert "price_within_tolerance" in codes


def test_running_the_task_twice_creates_nothing_new(buyer, supplier_a, entity, po):
    bolts, _ = po_lines(po)
    receive(buyer, po, {bolts: 100})
    invoice = make_invoice(supplier_a, entity, [line("螺栓 M8", 100, "2.00")])

    assert match_invoice.delay(invoice.pk).get() == "matched"
    counts = (MatchResult.objects.count(), MatchAllocation.objects.count(), TransitionLog.objects.count())
    assert match_invoice.delay(invoice.pk).get() == "matched"

    assert (
        MatchResult.objects.count(),
        MatchAllocation.objects.count(),
        TransitionLog.objects.count(),
    ) == counts


def test_a_new_policy_version_is_used_and_recorded_and_the_old_row_is_unchanged(
    buyer, finance, supplier_a, entity, po
):
    bolts, _ = po_lines(po)
    receive(buyer, po, {bolts: 100})
    default = TolerancePolicy.objects.get(code="global")
    lenient = tolerance_policy_revise(
        policy=default,
        actor=finance,
        reason="new rules",
        unit_price_upper_percent=D("15"),
        line_amount_upper_percent=D("15"),
        invoice_total_upper_percent=D("15"),
    )
    invoice = make_invoice(supplier_a, entity, [line("螺栓 M8", 100, "2.20")])

    result = invoice_match(invoice_id=invoice.pk)

    assert result.policy == lenient and result.policy_version == "global v2"
    assert result.verdict == "matched_within_tolerance"
    default.refresh_from_db()
    assert default.unit_price_upper_percent == D("2")  # the old version is unchanged
    assert TolerancePolicy.objects.filter(code="global").count() == 2


def test_a_supplier_scoped_policy_applies_only_to_that_supplier(
    buyer, finance, supplier_a, supplier_b, entity, po
):
    tolerance_policy_create(
        code="supplier-a",
        actor=finance,
        supplier=supplier_a,
        effective_from=date(2026, 1, 1),
        unit_price_upper_percent=D("15"),
        unit_price_upper_absolute=None,
        line_amount_upper_percent=D("15"),
        invoice_total_upper_percent=D("15"),
    )
    po_b = make_po(buyer, supplier_b, entity, [("螺栓 M8", 100, "2.00")])
    receive(buyer, po, {po_lines(po)[0]: 100})
    receive(buyer, po_b, {po_lines(po_b)[0]: 100})
    ours = make_invoice(supplier_a, entity, [line("螺栓 M8", 100, "2.20")])
    theirs = make_invoice(supplier_b, entity, [line("螺栓 M8", 100, "2.20")])

    assert invoice_match(invoice_id=ours.pk).policy_version == "supplier-a v1"
    assert invoice_match(invoice_id=theirs.pk).policy_version == "global v1"
    assert Invoice.objects.get(pk=ours.pk).state == "approved"
    assert Invoice.objects.get(pk=theirs.pk).state == "exception"


def test_an_invoice_that_is_not_validated_is_left_alone(supplier_a, entity):
    invoice = make_invoice(supplier_a, entity, [line("螺栓 M8", 1, "2.00")], state="received")

    assert invoice_match(invoice_id=invoice.pk) is None

    assert Invoice.objects.get(pk=invoice.pk).state == "received"
    assert not MatchResult.objects.exists()
