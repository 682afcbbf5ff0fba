"""Point 3: the supplier score next to each quote, computed from real receipts, returns and
acknowledgements (procurement gathers the events, suppliers.scorecard does the arithmetic)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import TransitionLog
from core.services import api_token_create
from procurement import selectors, services
from procurement.models import PurchaseOrder
from tests.factories import ItemFactory, LegalEntityFactory, UserFactory, make_rfq


@pytest.fixture
def approver2(db):
    return UserFactory(username="approver2", role="buyer")


def _sent_po(buyer, approver, supplier, quantity=10):
    po = services.purchase_order_create(
        legal_entity=LegalEntityFactory(),
        supplier=supplier,
        actor=buyer,
        lines=[{"item": ItemFactory(), "quantity": quantity, "unit_price": "2"}],
    )
    services.purchase_order_submit(po=po, actor=buyer)
    services.purchase_order_approve(po=po, actor=approver)
    return services.purchase_order_send(po=po, actor=buyer)


def _age_log(po, transition, *, hours):
    """Move a transition-log row back in time (test setup: the sending happened earlier)."""
    row = TransitionLog.objects.filter(object_id=str(po.pk), transition=transition).latest("at")
    TransitionLog.objects.filter(pk=row.pk).update(at=row.at - timedelta(hours=hours))


@pytest.fixture
def history(buyer, approver, supplier_a, supplier_b, supplier_user_a):
    """Supplier A: acknowledged within 2 hours, one delivery on time (4 accepted, 1 rejected),
    one late (5 accepted), 1 returned later. Supplier B: a PO sent 6 days ago, never answered."""
    po_a = _sent_po(buyer, approver, supplier_a)
    _age_log(po_a, "send", hours=2)
    line = po_a.lines.get()
    services.purchase_order_acknowledge(
        po=po_a, actor=supplier_user_a, promised_dates={line.pk: timezone.localdate()}
    )
    po_a.lines.update(
        promised_date=timezone.localdate() - timedelta(days=5)
    )  # setup: promised for 5 days ago
    services.goods_receipt_create(
        po=po_a,
        actor=buyer,
        receipt_date=timezone.localdate() - timedelta(days=6),
        lines=[{"po_line_id": line.pk, "accepted_qty": "4", "rejected_qty": "1"}],
    )
    services.goods_receipt_create(
        po=po_a,
        actor=buyer,
        receipt_date=timezone.localdate() - timedelta(days=2),
        lines=[{"po_line_id": line.pk, "accepted_qty": "5"}],
    )
    services.goods_return_create(
        po=po_a, actor=buyer, lines=[{"po_line_id": line.pk, "quantity": "1", "reason": "scratched"}]
    )
    po_b = _sent_po(buyer, approver, supplier_b)
    _age_log(po_b, "send", hours=6 * 24)
    return po_a, po_b


def test_score_comes_from_receipts_against_promised_dates_quality_and_acknowledgement_time(
    buyer, supplier_a, supplier_b, history
):
    scores = selectors.supplier_scores(buyer, [supplier_a.pk, supplier_b.pk])
    a, b = scores[supplier_a.pk], scores[supplier_b.pk]
    assert (a.deliveries, a.on_time_rate) == (2, Decimal("0.5000"))
    assert a.quality_rate == Decimal("0.8000")  # 1 rejected + 1 returned of 10 delivered
    assert a.ack_speed == Decimal("1.0000") and Decimal("1.9") <= a.avg_ack_hours <= Decimal("2.1")
    assert a.score == Decimal("72.0")  # 100 × (0.4 × 0.5 + 0.4 × 0.8 + 0.2 × 1)
    assert (b.unacknowledged, b.ack_speed, b.score) == (1, Decimal("0.0000"), Decimal("0.0"))


def test_a_supplier_user_gets_only_its_own_score(supplier_a, supplier_b, supplier_user_a, history):
    assert set(selectors.supplier_scores(supplier_user_a, [supplier_a.pk, supplier_b.pk])) == {supplier_a.pk}


def test_events_older_than_the_window_do_not_count(buyer, supplier_a, history):
    later = timezone.now() + timedelta(days=400)
    assert selectors.supplier_scores(buyer, [supplier_a.pk], as_of=later)[supplier_a.pk].score is None


def test_a_po_revised_before_the_supplier_answered_is_not_held_against_it(
    buyer, approver, approver2, supplier_a, supplier_user_a
):
    po = _sent_po(buyer, approver, supplier_a)
    _age_log(po, "send", hours=10 * 24)
    line = po.lines.get()
    services.purchase_order_revise(
        po=po, actor=approver2, reason="more", changes=[{"line_id": line.pk, "quantity": "12"}]
    )
    services.purchase_order_approve(po=po, actor=approver)
    services.purchase_order_send(po=po, actor=buyer)
    services.purchase_order_acknowledge(
        po=po, actor=supplier_user_a, promised_dates={line.pk: timezone.localdate()}
    )
    score = selectors.supplier_scores(buyer, [supplier_a.pk])[supplier_a.pk]
    assert (score.acknowledgements, score.ack_speed, score.unacknowledged) == (1, Decimal("1.0000"), 0)
    assert PurchaseOrder.objects.get(pk=po.pk).revision == 2


@pytest.fixture
def compared_rfq(buyer, supplier_a, supplier_b, supplier_user_a, supplier_user_b, history):
    rfq = make_rfq(buyer=buyer, suppliers=[supplier_a, supplier_b], lines=((3,),))
    for user, price in ((supplier_user_a, "10"), (supplier_user_b, "9")):
        services.quote_submit(
            rfq=rfq,
            actor=user,
            prices={rfq.lines.get().pk: price},
            lead_time_days=4,
            valid_until=timezone.localdate() + timedelta(days=20),
        )
    return services.rfq_close(rfq=rfq, actor=buyer, reason="closed early for the test")


def test_comparison_shows_each_quoting_suppliers_score(buyer, supplier_a, supplier_b, compared_rfq):
    (row,) = selectors.rfq_comparison(buyer, compared_rfq)
    by_supplier = {c.supplier_id: c.score.score for c in row.cells}
    assert by_supplier == {supplier_a.pk: Decimal("72.0"), supplier_b.pk: Decimal("0.0")}
    assert row.lowest.supplier_id == supplier_b.pk  # the score informs, the price decides "lowest"


def test_comparison_page_csv_and_api_show_the_score(client, buyer, supplier_a, compared_rfq):
    client.force_login(buyer)
    page = client.get(f"/procurement/rfqs/{compared_rfq.pk}/comparison/").content.decode()
    assert "72.0" in page and "50%" in page and "80%" in page
    csv_text = client.get(f"/procurement/rfqs/{compared_rfq.pk}/comparison.csv").content.decode()
    assert "72.0,0.5000,0.8000" in csv_text
    raw = api_token_create(user=buyer, name="erp")[1]
    body = client.get(f"/api/rfqs/{compared_rfq.pk}/comparison", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    cell = next(c for c in body[0]["cells"] if c["supplier_id"] == supplier_a.pk)
    assert cell["score"] == "72.0"
    assert cell["score_detail"]["on_time_rate"] == "0.5000"
    assert cell["score_detail"]["quality_rate"] == "0.8000"
    assert cell["score_detail"]["deliveries"] == 2
