"""Finance's exception desk: the actions, who may take them, and what each changes (or not)."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from core.errors import Conflict, DomainError, IllegalTransition, PermissionDenied
from core.models import TransitionLog
from invoicing.models import Invoice
from settlement.models import ExceptionCase, MatchAllocation, MatchResult
from settlement.selectors.matching import aging_bucket, aging_counts, exception_case_list
from settlement.services import exceptions as desk
from settlement.services.matching import invoice_match
from tests.factories import LegalEntityFactory
from tests.settlement.match_flow_builders import line, make_invoice, make_po, po_lines, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def entity():
    return LegalEntityFactory()


@pytest.fixture
def drifted(buyer, supplier_a, entity):
    """An invoice 10 % above the PO price: on the desk with an open case."""
    po = make_po(buyer, supplier_a, entity, [("螺栓 M8", 100, "2.00")])
    receive(buyer, po, {po_lines(po)[0]: 100})
    invoice = make_invoice(supplier_a, entity, [line("螺栓 M8", 100, "2.20")])
    invoice_match(invoice_id=invoice.pk)
    invoice.refresh_from_db()
    assert invoice.state == "exception"
    return invoice


def _snapshot(invoice):
    return (
        Invoice.objects.get(pk=invoice.pk).state,
        list(ExceptionCase.objects.filter(invoice=invoice).values_list("state", "resolution")),
        TransitionLog.objects.count(),
        MatchAllocation.objects.filter(invoice=invoice).count(),
        MatchResult.objects.filter(invoice=invoice).count(),
    )


@pytest.mark.parametrize(
    "action",
    [
        lambda i, u: desk.exception_accept(invoice_id=i.pk, actor=u, reason="ok"),
        lambda i, u: desk.exception_request_credit_note(invoice_id=i.pk, actor=u, message="credit 20"),
        lambda i, u: desk.exception_reject(invoice_id=i.pk, actor=u, reason="wrong price"),
        lambda i, u: desk.exception_rematch(invoice_id=i.pk, actor=u),
    ],
    ids=["accept", "request_credit_note", "reject", "rematch"],
)
@pytest.mark.parametrize("who", ["buyer", "supplier_user_a"])
def test_only_finance_may_act_on_the_desk_and_a_refusal_changes_nothing(request, drifted, action, who):
    before = _snapshot(drifted)
    with pytest.raises(PermissionDenied) as refused:
        action(drifted, request.getfixturevalue(who))
    assert refused.value.code == "permission_denied"
    assert _snapshot(drifted) == before


@pytest.mark.parametrize(
    "action",
    [
        lambda i, u: desk.exception_accept(invoice_id=i.pk, actor=u, reason="  "),
        lambda i, u: desk.exception_request_credit_note(invoice_id=i.pk, actor=u, message=""),
        lambda i, u: desk.exception_reject(invoice_id=i.pk, actor=u, reason=""),
    ],
    ids=["accept", "request_credit_note", "reject"],
)
def test_accepting_asking_and_rejecting_need_a_reason(drifted, finance, action):
    before = _snapshot(drifted)
    with pytest.raises(DomainError) as refused:
        action(drifted, finance)
    assert refused.value.code == "reason_required"
    assert _snapshot(drifted) == before


def test_finance_accepts_the_variance_and_the_invoice_is_approved_by_that_person(drifted, finance):
    desk.exception_accept(invoice_id=drifted.pk, actor=finance, reason="agreed price rise, email of 3 March")

    assert Invoice.objects.get(pk=drifted.pk).state == "approved"
    log = TransitionLog.objects.filter(content_type__model="invoice", object_id=str(drifted.pk)).last()
    assert (log.transition, log.actor, log.reason) == (
        "approve",
        finance,
        "variance accepted: agreed price rise, email of 3 March",
    )
    case = ExceptionCase.objects.get(invoice=drifted)
    assert (case.state, case.resolution, case.resolved_by) == ("resolved", "accepted", finance)
    assert TransitionLog.objects.filter(
        content_type__model="exceptioncase", object_id=str(case.pk), transition="resolve"
    ).exists()


def test_an_action_on_an_invoice_that_left_the_desk_is_refused(drifted, finance):
    desk.exception_accept(invoice_id=drifted.pk, actor=finance, reason="fine")
    before = _snapshot(drifted)

    with pytest.raises(IllegalTransition) as refused:
        desk.exception_reject(invoice_id=drifted.pk, actor=finance, reason="too late")

    assert refused.value.status == 409
    assert _snapshot(drifted) == before


def test_rejecting_sends_it_back_and_releases_its_claim_on_the_receipt(drifted, finance):
    assert MatchAllocation.objects.filter(invoice=drifted).exists()

    desk.exception_reject(invoice_id=drifted.pk, actor=finance, reason="price not agreed")

    assert Invoice.objects.get(pk=drifted.pk).state == "rejected"
    assert not MatchAllocation.objects.filter(invoice=drifted).exists()
    case = ExceptionCase.objects.get(invoice=drifted)
    assert (case.state, case.resolution) == ("resolved", "rejected")


def test_asking_for_a_credit_note_twice_is_refused(drifted, finance):
    desk.exception_request_credit_note(invoice_id=drifted.pk, actor=finance, message="credit 0.20 per piece")
    case = ExceptionCase.objects.get(invoice=drifted)
    assert (case.state, case.credit_note_request) == ("awaiting_credit_note", "credit 0.20 per piece")
    log = TransitionLog.objects.filter(content_type__model="exceptioncase", object_id=str(case.pk)).get()
    assert (log.transition, log.actor, log.reason) == (
        "request_credit_note",
        finance,
        "credit 0.20 per piece",
    )

    with pytest.raises(IllegalTransition):
        desk.exception_request_credit_note(invoice_id=drifted.pk, actor=finance, message="again")
    assert ExceptionCase.objects.get(invoice=drifted).credit_note_request == "credit 0.20 per piece"


def test_matching_again_with_nothing_changed_keeps_the_result(drifted, finance):
    before = _snapshot(drifted)

    outcome = desk.exception_rematch(invoice_id=drifted.pk, actor=finance)

    assert outcome.changed is False and outcome.result.is_current
    assert _snapshot(drifted) == before


def test_a_stale_exception_cannot_be_accepted_before_it_is_matched_again(drifted, finance):
    MatchResult.objects.filter(invoice=drifted).update(is_stale=True)
    before = _snapshot(drifted)

    with pytest.raises(Conflict) as refused:
        desk.exception_accept(invoice_id=drifted.pk, actor=finance, reason="fine")

    assert refused.value.code == "match_result_stale"
    assert _snapshot(drifted) == before


def test_matching_again_an_approved_invoice_that_is_not_stale_is_refused(buyer, finance, supplier_a, entity):
    po = make_po(buyer, supplier_a, entity, [("螺栓 M8", 10, "2.00")])
    receive(buyer, po, {po_lines(po)[0]: 10})
    invoice = make_invoice(supplier_a, entity, [line("螺栓 M8", 10, "2.00")])
    invoice_match(invoice_id=invoice.pk)

    with pytest.raises(IllegalTransition) as refused:
        desk.exception_rematch(invoice_id=invoice.pk, actor=finance)
    assert refused.value.code == "cannot_rematch"


def test_the_desk_lists_open_cases_by_age_with_filters(drifted, finance, buyer, supplier_b, entity):
    case = ExceptionCase.objects.get(invoice=drifted)
    ExceptionCase.objects.filter(pk=case.pk).update(opened_at=timezone.now() - timedelta(days=10))
    po = make_po(buyer, supplier_b, entity, [("垫圈", 10, "1.00")])
    fresh = make_invoice(supplier_b, entity, [line("垫圈", 10, "1.00")])  # nothing received
    invoice_match(invoice_id=fresh.pk)
    assert po.pk

    assert aging_counts(finance) == {"0-2": 1, "3-7": 0, "8-30": 1, ">30": 0}
    assert [c.invoice_id for c in exception_case_list(finance, bucket="8-30")] == [drifted.pk]
    assert [c.invoice_id for c in exception_case_list(finance, supplier_id=supplier_b.pk)] == [fresh.pk]
    assert [c.invoice_id for c in exception_case_list(finance, reason="price_above_tolerance")] == [
        drifted.pk
    ]
    assert [c.invoice_id for c in exception_case_list(finance)] == [drifted.pk, fresh.pk]  # oldest first
    assert list(exception_case_list(buyer)) == []
    assert ExceptionCase.objects.get(invoice=drifted).days_open() == 10


def test_cancelling_an_exception_releases_its_claim_and_closes_its_case(drifted, buyer):
    from core.services import run_transition

    run_transition(drifted, "cancel", actor=buyer, reason="sent by mistake")

    assert Invoice.objects.get(pk=drifted.pk).state == "cancelled"
    assert not MatchAllocation.objects.filter(invoice=drifted).exists()
    case = ExceptionCase.objects.get(invoice=drifted)
    assert (case.state, case.resolution) == ("resolved", "closed")


@pytest.mark.parametrize(
    "days, bucket", [(0, "0-2"), (2, "0-2"), (3, "3-7"), (7, "3-7"), (8, "8-30"), (30, "8-30"), (31, ">30")]
)
def test_aging_is_counted_by_the_database_at_each_bucket_edge(
    drifted, finance, days, bucket, django_assert_num_queries
):
    case = ExceptionCase.objects.get(invoice=drifted)
    today = timezone.localdate()
    opened = timezone.make_aware(datetime.combine(today - timedelta(days=days), time(12, 0)))
    ExceptionCase.objects.filter(pk=case.pk).update(opened_at=opened)
    with django_assert_num_queries(1):
        counts = aging_counts(finance, today=today)
    assert counts == {key: int(key == bucket) for key in ("0-2", "3-7", "8-30", ">30")}
    assert aging_bucket(ExceptionCase.objects.get(pk=case.pk).days_open(today)) == bucket
