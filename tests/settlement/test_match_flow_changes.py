"""What happens after a match: late receipts, stale results, credit notes, quantities claimed."""

from datetime import date
from decimal import Decimal as D

import pytest

from core.models import TransitionLog
from invoicing.models import Invoice
from procurement import services as procurement
from settlement.models import ExceptionCase, MatchAllocation, MatchResult
from settlement.services.exceptions import exception_request_credit_note
from settlement.services.matching import invoice_match, match_staleness_refresh
from tests.factories import LegalEntityFactory
from tests.settlement.match_flow_builders import line, make_invoice, make_po, po_lines, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def entity():
    return LegalEntityFactory()


@pytest.fixture
def po(buyer, supplier_a, entity):
    return make_po(buyer, supplier_a, entity, [("螺栓 M8", 100, "2.00")])


def _state(invoice):
    return Invoice.objects.get(pk=invoice.pk).state


def _claimed(invoice):
    return sum(MatchAllocation.objects.filter(invoice=invoice).values_list("quantity", flat=True), D(0))


def test_invoice_ahead_of_its_receipt_is_an_exception_then_approved_when_the_goods_arrive(
    buyer, supplier_a, entity, po, django_capture_on_commit_callbacks
):
    (bolts,) = po_lines(po)
    receive(buyer, po, {bolts: 60})
    invoice = make_invoice(supplier_a, entity, [line("螺栓 M8", 100, "2.00")])
    first = invoice_match(invoice_id=invoice.pk)
    assert _state(invoice) == "exception"
    assert first.explanation["lines"][0]["reasons"][0]["code"] == "quantity_not_received"
    assert "received 60" in first.summary
    assert _claimed(invoice) == D(60)

    with django_capture_on_commit_callbacks(execute=True):
        receive(buyer, po, {bolts: 40}, day=date(2026, 3, 9))  # the late receipt

    assert _state(invoice) == "approved"
    current = MatchResult.objects.get(invoice=invoice, is_current=True)
    assert current.pk != first.pk and current.verdict == "matched"
    assert _claimed(invoice) == D(100)
    assert MatchAllocation.objects.filter(result=first).count() == 0  # only the current result allocates
    transitions = list(
        TransitionLog.objects.filter(content_type__model="invoice", object_id=str(invoice.pk)).values_list(
            "transition", flat=True
        )
    )
    assert transitions[-4:] == ["raise_exception", "reopen_match", "match", "approve"]
    case = ExceptionCase.objects.get(invoice=invoice)
    assert case.state == "resolved" and case.resolution == "rematched"


def test_a_receipt_change_only_flags_an_approved_match_as_stale(
    buyer, supplier_a, entity, po, django_capture_on_commit_callbacks
):
    (bolts,) = po_lines(po)
    receive(buyer, po, {bolts: 100})
    invoice = make_invoice(supplier_a, entity, [line("螺栓 M8", 50, "2.00")])
    result = invoice_match(invoice_id=invoice.pk)
    assert _state(invoice) == "approved" and not result.is_stale

    with django_capture_on_commit_callbacks(execute=True):
        procurement.goods_return_create(
            po=po, actor=buyer, lines=[{"po_line_id": bolts.pk, "quantity": "10", "reason": "damaged"}]
        )

    result.refresh_from_db()
    assert result.is_stale and result.stale_since is not None and result.is_current
    assert _state(invoice) == "approved"  # finance decides; nothing moves by itself
    assert MatchResult.objects.filter(invoice=invoice).count() == 1


def test_an_unchanged_input_leaves_a_result_fresh(buyer, supplier_a, entity, po):
    (bolts,) = po_lines(po)
    receive(buyer, po, {bolts: 100})
    invoice = make_invoice(supplier_a, entity, [line("螺栓 M8", 50, "2.00")])
    result = invoice_match(invoice_id=invoice.pk)
    later = make_invoice(supplier_a, entity, [line("螺栓 M8", 50, "2.00")])
    invoice_match(invoice_id=later.pk)  # a later invoice on the same receipt changes nothing before it

    counts = match_staleness_refresh(po_ids=[po.pk])

    assert counts == {"checked": 2, "stale": 0, "rematch": 0}
    result.refresh_from_db()
    assert not result.is_stale


def test_two_invoices_share_a_receipt_and_the_third_finds_nothing_left(buyer, supplier_a, entity, po):
    (bolts,) = po_lines(po)
    receive(buyer, po, {bolts: 100})
    first = make_invoice(supplier_a, entity, [line("螺栓 M8", 60, "2.00")])
    second = make_invoice(supplier_a, entity, [line("螺栓 M8", 40, "2.00")])
    third = make_invoice(supplier_a, entity, [line("螺栓 M8", 10, "2.00")])

    for invoice in (first, second, third):
        invoice_match(invoice_id=invoice.pk)

    assert [_state(i) for i in (first, second, third)] == ["approved", "approved", "exception"]
    assert MatchResult.objects.get(invoice=third).explanation["lines"][0]["reasons"][0]["code"] == (
        "quantity_already_invoiced"
    )
    assert _claimed(first) + _claimed(second) + _claimed(third) == D(100)


def test_a_credit_note_reduces_what_its_invoice_claims_and_frees_the_quantity(
    buyer, supplier_a, entity, po, django_capture_on_commit_callbacks
):
    (bolts,) = po_lines(po)
    receive(buyer, po, {bolts: 100})
    original = make_invoice(supplier_a, entity, [line("螺栓 M8", 100, "2.00")])
    invoice_match(invoice_id=original.pk)
    credit = make_invoice(supplier_a, entity, [line("螺栓 M8", 30, "2.00")], corrects=original)

    with django_capture_on_commit_callbacks(execute=True):
        result = invoice_match(invoice_id=credit.pk)

    assert result.verdict == "matched" and _state(credit) == "approved"
    assert _claimed(credit) == D(-30)
    assert set(MatchAllocation.objects.filter(invoice=credit).values_list("original_invoice", flat=True)) == {
        original.pk
    }
    assert _state(original) == "approved"  # partly credited: still payable (less the credit)
    again = make_invoice(supplier_a, entity, [line("螺栓 M8", 30, "2.00")])
    invoice_match(invoice_id=again.pk)
    assert _state(again) == "approved"


def test_the_requested_credit_note_brings_the_original_back_into_line(
    buyer, finance, supplier_a, entity, po, django_capture_on_commit_callbacks
):
    (bolts,) = po_lines(po)
    receive(buyer, po, {bolts: 80})
    original = make_invoice(supplier_a, entity, [line("螺栓 M8", 100, "2.00")])
    invoice_match(invoice_id=original.pk)
    exception_request_credit_note(
        invoice_id=original.pk, actor=finance, message="Only 80 arrived: credit 20."
    )
    assert ExceptionCase.objects.get(invoice=original).state == "awaiting_credit_note"
    credit = make_invoice(supplier_a, entity, [line("螺栓 M8", 20, "2.00")], corrects=original)

    with django_capture_on_commit_callbacks(execute=True):
        invoice_match(invoice_id=credit.pk)

    assert _state(credit) == "approved"
    assert _state(original) == "approved"
    assert _claimed(original) + _claimed(credit) == D(80)  # net claim equals what was received
    case = ExceptionCase.objects.get(invoice=original)
    assert case.state == "resolved" and case.resolution == "rematched"


def test_a_credit_note_for_the_whole_invoice_credits_it(
    buyer, supplier_a, entity, po, django_capture_on_commit_callbacks
):
    (bolts,) = po_lines(po)
    receive(buyer, po, {bolts: 100})
    original = make_invoice(supplier_a, entity, [line("螺栓 M8", 100, "2.00")])
    invoice_match(invoice_id=original.pk)
    credit = make_invoice(supplier_a, entity, [line("螺栓 M8", 100, "2.00")], corrects=original)

    with django_capture_on_commit_callbacks(execute=True):
        invoice_match(invoice_id=credit.pk)

    assert _state(original) == "credited"
    assert TransitionLog.objects.filter(
        content_type__model="invoice", object_id=str(original.pk), transition="credit"
    ).exists()


def test_invoices_left_validated_by_a_lost_message_are_matched_by_the_sweeper(buyer, supplier_a, entity, po):
    from datetime import timedelta

    from django.utils import timezone

    from settlement.services.matching import invoices_requeue_unmatched

    receive(buyer, po, {po_lines(po)[0]: 100})
    lost = make_invoice(supplier_a, entity, [line("螺栓 M8", 10, "2.00")])
    fresh = make_invoice(supplier_a, entity, [line("螺栓 M8", 10, "2.00")])
    Invoice.objects.filter(pk=lost.pk).update(validated_at=timezone.now() - timedelta(minutes=30))
    Invoice.objects.filter(pk=fresh.pk).update(validated_at=timezone.now())

    assert invoices_requeue_unmatched(older_than_minutes=10) == 1

    assert (_state(lost), _state(fresh)) == ("approved", "validated")


def test_validated_invoices_wait_for_their_queued_match_while_the_queue_has_a_backlog(
    buyer, supplier_a, entity, po
):
    from datetime import timedelta
    from unittest import mock

    from django.utils import timezone

    from core import queue
    from settlement.services.matching import invoices_requeue_unmatched

    receive(buyer, po, {po_lines(po)[0]: 100})
    waiting = make_invoice(supplier_a, entity, [line("螺栓 M8", 10, "2.00")])
    Invoice.objects.filter(pk=waiting.pk).update(validated_at=timezone.now() - timedelta(minutes=30))

    with mock.patch.object(queue, "queue_backlog", return_value=800):
        assert invoices_requeue_unmatched(older_than_minutes=10) == 0
    assert _state(waiting) == "validated"
    assert invoices_requeue_unmatched(older_than_minutes=10) == 1
    assert _state(waiting) == "approved"


def test_a_credit_note_on_the_desk_releases_nothing_until_finance_accepts_it(
    buyer, finance, supplier_a, entity, po, django_capture_on_commit_callbacks
):
    from settlement.services.exceptions import exception_accept

    (bolts,) = po_lines(po)
    receive(buyer, po, {bolts: 80})
    original = make_invoice(supplier_a, entity, [line("螺栓 M8", 100, "2.00")])
    invoice_match(invoice_id=original.pk)
    credit = make_invoice(supplier_a, entity, [line("螺栓 M8", 20, "2.50")], corrects=original)
    with django_capture_on_commit_callbacks(execute=True):
        invoice_match(invoice_id=credit.pk)
    assert (_state(credit), _state(original)) == ("exception", "exception")

    with django_capture_on_commit_callbacks(execute=True):
        exception_accept(invoice_id=credit.pk, actor=finance, reason="credit at the invoiced price is right")

    assert (_state(credit), _state(original)) == ("approved", "approved")
    assert _claimed(original) + _claimed(credit) == D(80)
