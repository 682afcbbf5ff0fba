from datetime import date, datetime, timedelta
from decimal import Decimal

from suppliers.scorecard import AcknowledgementEvent, DeliveryEvent, InvoiceMatchEvent, compute_scorecards


def test_scorecard_measures_on_time_quality_first_pass_and_acknowledgement_time():
    t = datetime(2026, 3, 2, 9, 0)
    cards = compute_scorecards(
        deliveries=[
            DeliveryEvent(1, date(2026, 3, 5), date(2026, 3, 5), Decimal("100"), Decimal("5")),
            DeliveryEvent(1, date(2026, 3, 9), date(2026, 3, 6), Decimal("100"), Decimal("0")),
        ],
        invoices=[
            InvoiceMatchEvent(1, date(2026, 3, 10), True),
            InvoiceMatchEvent(1, date(2026, 3, 11), False),
            InvoiceMatchEvent(1, date(2026, 3, 12), True),
        ],
        acknowledgements=[
            AcknowledgementEvent(1, t, t + timedelta(hours=4)),
            AcknowledgementEvent(1, t, t + timedelta(hours=8)),
            AcknowledgementEvent(1, t, None),
        ],
    )
    assert len(cards) == 1
    card = cards[0]
    assert (card.supplier_id, card.month) == (1, "2026-03")
    assert card.on_time_rate == Decimal("0.5000")
    assert card.quality_rate == Decimal("0.9750")
    assert card.first_pass_match_rate == Decimal("0.6667")
    assert card.avg_ack_hours == Decimal("6.0") and card.unacknowledged == 1


def test_months_without_activity_are_left_out_not_scored():
    cards = compute_scorecards(
        deliveries=[
            DeliveryEvent(1, date(2026, 1, 5), date(2026, 1, 6), Decimal("1")),
            DeliveryEvent(1, date(2026, 4, 5), date(2026, 4, 6), Decimal("1")),
        ]
    )
    assert [c.month for c in cards] == ["2026-01", "2026-04"]
    assert cards[0].first_pass_match_rate is None and cards[0].avg_ack_hours is None


def test_suppliers_are_scored_separately():
    cards = compute_scorecards(
        invoices=[InvoiceMatchEvent(2, date(2026, 5, 1), False), InvoiceMatchEvent(1, date(2026, 5, 1), True)]
    )
    assert [(c.supplier_id, c.first_pass_match_rate, c.on_time_rate) for c in cards] == [
        (1, Decimal("1.0000"), None),
        (2, Decimal("0.0000"), None),
    ]


def test_no_events_means_no_scorecards():
    assert compute_scorecards() == []
