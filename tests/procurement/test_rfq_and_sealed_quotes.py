from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import Conflict, DomainError, IllegalTransition, PermissionDenied
from core.models import TransitionLog
from procurement import selectors, services
from procurement.models import RFQ, AwardLine, PurchaseOrder, QuoteLine, QuoteVersion
from procurement.tasks import close_due_rfqs
from tests.factories import SupplierFactory, UserFactory, make_rfq, make_supplier_user

VALID = timezone.localdate() + timedelta(days=30)


@pytest.fixture
def rfq(buyer, supplier_a, supplier_b):
    return make_rfq(buyer=buyer, suppliers=[supplier_a, supplier_b], lines=((10,), (4,)), title="螺栓 bolts")


def _quote(rfq, user, prices, lead=7):
    lines = list(rfq.lines.order_by("line_no"))
    return services.quote_submit(
        rfq=rfq,
        actor=user,
        prices={line.pk: p for line, p in zip(lines, prices, strict=True)},
        lead_time_days=lead,
        valid_until=VALID,
    )


def test_supplier_sees_only_rfqs_it_is_invited_to(buyer, supplier_a, supplier_user_a, supplier_user_b, rfq):
    other = SupplierFactory(state="approved")
    hidden = make_rfq(buyer=buyer, suppliers=[other])
    assert list(selectors.rfq_list(supplier_user_a)) == [rfq]
    assert hidden not in selectors.rfq_list(supplier_user_b)
    draft = make_rfq(buyer=buyer, suppliers=[supplier_a], publish=False)
    assert draft not in selectors.rfq_list(supplier_user_a)


def test_only_approved_suppliers_can_be_invited(buyer):
    rfq = make_rfq(buyer=buyer, suppliers=[], publish=False)
    with pytest.raises(DomainError) as exc:
        services.rfq_invite(rfq=rfq, supplier=SupplierFactory(state="submitted"), actor=buyer)
    assert exc.value.code == "supplier_not_approved"


def test_publish_needs_a_future_deadline(buyer, supplier_a):
    rfq = make_rfq(buyer=buyer, suppliers=[supplier_a], publish=False)
    with pytest.raises(DomainError) as exc:
        services.rfq_publish(rfq=rfq, actor=buyer, deadline=timezone.now() - timedelta(minutes=1))
    assert exc.value.code == "deadline_in_past"
    assert RFQ.objects.get(pk=rfq.pk).state == "draft"


def test_rfq_line_with_zero_quantity_is_refused(buyer, supplier_a):
    rfq = make_rfq(buyer=buyer, suppliers=[supplier_a], publish=False)
    with pytest.raises(DomainError) as exc:
        services.rfq_line_add(rfq=rfq, item=rfq.lines.first().item, quantity="0", actor=buyer)
    assert exc.value.code == "invalid_quantity"


def test_quote_versions_are_stored_with_the_sha256_of_their_canonical_content(rfq, supplier_user_a):
    first = _quote(rfq, supplier_user_a, ["10.5", "3"])
    second = _quote(rfq, supplier_user_a, ["10.4", "3"])
    assert (first.version, second.version) == (1, 2)
    assert len(first.sha256) == 64 and first.sha256 != second.sha256
    assert services.rfq.quote_version_digest(first) == first.sha256
    own = selectors.quote_lines(supplier_user_a, rfq)
    assert sorted(ql.unit_price for ql in own) == [Decimal("3"), Decimal("10.4")]


def test_uninvited_supplier_cannot_quote_and_nothing_is_stored(buyer, supplier_a, supplier_user_b):
    rfq = make_rfq(buyer=buyer, suppliers=[supplier_a])
    with pytest.raises(PermissionDenied) as exc:
        _quote(rfq, supplier_user_b, ["1"])
    assert exc.value.code == "not_invited"
    assert not QuoteVersion.objects.exists()


def test_quote_after_the_deadline_is_refused(rfq, supplier_user_a):
    RFQ.objects.filter(pk=rfq.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    with pytest.raises(IllegalTransition) as exc:
        _quote(rfq, supplier_user_a, ["1", "2"])
    assert exc.value.code == "deadline_passed"
    assert not QuoteVersion.objects.exists()


@pytest.mark.parametrize("price", ["0", "-1"])
def test_zero_or_negative_prices_are_refused(rfq, supplier_user_a, price):
    with pytest.raises(DomainError) as exc:
        _quote(rfq, supplier_user_a, [price, "2"])
    assert exc.value.code == "invalid_price"


def test_buyer_selectors_refuse_prices_while_sealed_but_list_who_quoted(buyer, rfq, supplier_user_a):
    _quote(rfq, supplier_user_a, ["10", "3"])
    assert [q.supplier_id for q in selectors.quote_list(buyer, rfq)] == [
        supplier_user_a.membership.supplier_id
    ]
    with pytest.raises(Conflict) as exc:
        selectors.quote_lines(buyer, rfq)
    assert exc.value.code == "quotes_sealed"
    with pytest.raises(Conflict):
        selectors.rfq_comparison(buyer, rfq)


def test_supplier_never_sees_a_competitors_prices(rfq, supplier_user_a, supplier_user_b):
    _quote(rfq, supplier_user_a, ["10", "3"])
    _quote(rfq, supplier_user_b, ["9", "4"])
    services.rfq_close(
        rfq=rfq, actor=UserFactory(username="b9", role="buyer"), reason="closed early for the test"
    )
    prices = {ql.unit_price for ql in selectors.quote_lines(supplier_user_a, rfq)}
    assert prices == {Decimal("10"), Decimal("3")}


def test_closing_verifies_every_quote_hash_and_flags_a_tampered_one(
    buyer, rfq, supplier_user_a, supplier_user_b
):
    good = _quote(rfq, supplier_user_a, ["10", "3"])
    bad = _quote(rfq, supplier_user_b, ["9", "4"])
    QuoteLine.objects.filter(version=bad).update(unit_price=Decimal("1"))  # tampered in the database
    rfq = services.rfq_close(rfq=rfq, actor=buyer, reason="closed early for the test")
    assert rfq.state == "closed" and rfq.opened_at is not None
    assert QuoteVersion.objects.get(pk=good.pk).integrity == "ok"
    assert QuoteVersion.objects.get(pk=bad.pk).integrity == "mismatch"
    rows = selectors.rfq_comparison(buyer, rfq)
    lowest = rows[0].lowest
    assert lowest.supplier_id == supplier_user_a.membership.supplier_id  # the tampered 1.00 never wins


def test_the_scheduled_close_runs_at_the_deadline_and_is_safe_to_run_twice(rfq, supplier_user_a):
    _quote(rfq, supplier_user_a, ["10", "3"])
    assert close_due_rfqs() == []
    RFQ.objects.filter(pk=rfq.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    assert close_due_rfqs() == [rfq.pk]
    assert close_due_rfqs() == []
    assert RFQ.objects.get(pk=rfq.pk).state == "closed"
    log = TransitionLog.objects.filter(transition="close", object_id=str(rfq.pk))
    assert log.count() == 1 and log.get().actor is None and log.get().reason == "deadline reached"


def test_comparison_shows_price_total_lead_time_and_marks_the_lowest(
    buyer, rfq, supplier_user_a, supplier_user_b
):
    _quote(rfq, supplier_user_a, ["10", "3"], lead=5)
    _quote(rfq, supplier_user_b, ["9.5", "3.5"], lead=9)
    rfq = services.rfq_close(rfq=rfq, actor=buyer, reason="closed early for the test")
    first, second = selectors.rfq_comparison(buyer, rfq)
    assert [(c.supplier_name, c.unit_price, c.line_total, c.is_lowest) for c in first.cells] == [
        ("Supplier B 乙", Decimal("9.5"), Decimal("95.00"), True),
        ("Supplier A 甲", Decimal("10"), Decimal("100.00"), False),
    ]
    assert second.lowest.supplier_name == "Supplier A 甲" and second.lowest.lead_time_days == 5


def test_award_needs_a_reason_when_not_the_lowest_and_creates_draft_pos(
    buyer, rfq, supplier_a, supplier_b, supplier_user_a, supplier_user_b
):
    _quote(rfq, supplier_user_a, ["10", "3"])
    _quote(rfq, supplier_user_b, ["9.5", "3.5"])
    services.rfq_close(rfq=rfq, actor=buyer, reason="closed early for the test")
    first, second = rfq.lines.order_by("line_no")
    with pytest.raises(DomainError) as exc:
        services.rfq_award(
            rfq=rfq, actor=buyer, decisions=[{"rfq_line_id": first.pk, "supplier_id": supplier_a.pk}]
        )
    assert exc.value.code == "reason_required"
    assert not PurchaseOrder.objects.exists()
    pos = services.rfq_award(
        rfq=rfq,
        actor=buyer,
        decisions=[
            {"rfq_line_id": first.pk, "supplier_id": supplier_a.pk, "reason": "shorter lead time"},
            {"rfq_line_id": second.pk, "supplier_id": supplier_a.pk},
        ],
    )
    assert len(pos) == 1
    po = pos[0]
    assert po.state == "draft" and po.supplier_id == supplier_a.pk and po.rfq_id == rfq.pk
    assert [(line.quantity, line.unit_price) for line in po.lines.order_by("line_no")] == [
        (Decimal("10"), Decimal("10")),
        (Decimal("4"), Decimal("3")),
    ]
    assert AwardLine.objects.get(rfq_line=first).reason == "shorter lead time"
    assert RFQ.objects.get(pk=rfq.pk).state == "awarded"


def test_award_before_closing_is_an_illegal_transition(buyer, rfq, supplier_a, supplier_user_a):
    _quote(rfq, supplier_user_a, ["10", "3"])
    with pytest.raises(IllegalTransition):
        services.rfq_award(
            rfq=rfq,
            actor=buyer,
            decisions=[{"rfq_line_id": rfq.lines.first().pk, "supplier_id": supplier_a.pk}],
        )


def test_supplier_user_with_a_new_user_of_same_supplier_revises_the_same_quote(
    rfq, supplier_a, supplier_user_a
):
    _quote(rfq, supplier_user_a, ["10", "3"])
    colleague = make_supplier_user(supplier_a, "alice2")
    assert _quote(rfq, colleague, ["9", "3"]).version == 2
