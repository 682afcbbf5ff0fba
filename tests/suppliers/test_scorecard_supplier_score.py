"""The one-number supplier score shown in the RFQ comparison (pure, no database)."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from suppliers.scorecard import (
    AcknowledgementEvent,
    DeliveryEvent,
    ReturnEvent,
    compute_scorecards,
    supplier_score,
)

NOW = datetime(2026, 6, 30, 12, 0)


def test_score_weights_on_time_quality_and_acknowledgement_speed():
    sent = NOW - timedelta(days=20)
    score = supplier_score(
        1,
        as_of=NOW,
        deliveries=[
            DeliveryEvent(1, date(2026, 6, 1), date(2026, 6, 1), Decimal("60"), Decimal("0")),
            DeliveryEvent(1, date(2026, 6, 9), date(2026, 6, 5), Decimal("40"), Decimal("10")),
        ],
        returns=[ReturnEvent(1, date(2026, 6, 12), Decimal("10"))],
        acknowledgements=[
            AcknowledgementEvent(1, sent, sent + timedelta(hours=2)),  # fast: 1
            AcknowledgementEvent(1, sent, sent + timedelta(hours=72)),  # half way: 0.5
        ],
    )
    assert score.on_time_rate == Decimal("0.5000")
    assert score.quality_rate == Decimal("0.8000")  # (10 rejected + 10 returned) of 100 delivered
    assert score.ack_speed == Decimal("0.7500") and score.avg_ack_hours == Decimal("37.0")
    # 100 × (0.4 × 0.5 + 0.4 × 0.8 + 0.2 × 0.75) = 67.0
    assert score.score == Decimal("67.0")
    assert (score.deliveries, score.acknowledgements, score.unacknowledged) == (2, 2, 0)


def test_a_supplier_without_history_has_no_score_rather_than_zero():
    score = supplier_score(7, as_of=NOW)
    assert score.score is None and score.on_time_rate is None and score.quality_rate is None


def test_missing_measures_are_left_out_and_the_others_reweighted():
    score = supplier_score(
        1, as_of=NOW, deliveries=[DeliveryEvent(1, date(2026, 6, 1), date(2026, 6, 2), Decimal("5"))]
    )
    assert score.ack_speed is None and score.score == Decimal("100.0")


def test_an_unanswered_po_counts_zero_only_once_it_has_waited_past_the_limit():
    fresh = AcknowledgementEvent(1, NOW - timedelta(hours=10), None)
    overdue = AcknowledgementEvent(1, NOW - timedelta(hours=200), None)
    assert supplier_score(1, as_of=NOW, acknowledgements=[fresh]).ack_speed is None
    late = supplier_score(1, as_of=NOW, acknowledgements=[fresh, overdue])
    assert late.ack_speed == Decimal("0.0000") and late.unacknowledged == 2 and late.score == Decimal("0.0")


def test_deliveries_without_a_promised_date_count_for_quality_but_not_punctuality():
    score = supplier_score(
        1,
        as_of=NOW,
        deliveries=[DeliveryEvent(1, date(2026, 6, 1), None, Decimal("10"), Decimal("1"))],
    )
    assert score.on_time_rate is None and score.quality_rate == Decimal("0.9000")
    cards = compute_scorecards(deliveries=[DeliveryEvent(1, date(2026, 6, 1), None, Decimal("10"))])
    assert cards[0].on_time_rate is None and cards[0].quality_rate == Decimal("1.0000")


def test_other_suppliers_events_are_ignored():
    score = supplier_score(
        1,
        as_of=NOW,
        deliveries=[DeliveryEvent(2, date(2026, 6, 1), date(2026, 5, 1), Decimal("10"), Decimal("10"))],
    )
    assert score.deliveries == 0 and score.score is None
