"""The pure budget arithmetic (no database)."""

from decimal import Decimal as D

import pytest

from requisitions.budget import BudgetPosition, OrderedLine, check, ordered_line_usage


def test_available_for_submission_counts_pending_committed_and_spent():
    position = BudgetPosition(amount=D("1000"), pending=D("100"), committed=D("200"), spent=D("300.50"))
    assert position.available == D("399.50")


def test_available_for_approval_ignores_pending_reservations():
    position = BudgetPosition(amount=D("1000"), pending=D("100"), committed=D("200"), spent=D("300"))
    assert position.available_for_approval == D("500.00")


def test_a_request_that_fits_is_ok_whatever_the_policy():
    for policy in ("refuse", "escalate"):
        verdict = check(requested=D("500"), available=D("500"), policy=policy)
        assert verdict.ok and verdict.over_by == D("0.00")


def test_an_overrun_follows_the_policy_and_says_by_how_much():
    refused = check(requested=D("500.01"), available=D("500"), policy="refuse")
    escalated = check(requested=D("800"), available=D("500"), policy="escalate")
    assert (refused.action, refused.over_by) == ("refuse", D("0.01"))
    assert (escalated.action, escalated.over_by) == ("escalate", D("300.00"))


def test_an_unknown_policy_is_a_configuration_error():
    with pytest.raises(ValueError, match="unknown budget overrun policy"):
        check(requested=D("1"), available=D("0"), policy="ignore")


def test_an_open_ordered_line_commits_what_is_not_yet_received_and_spends_what_is():
    line = OrderedLine(
        ordered_net=D("250.00"), received_qty=D("4"), quantity=D("10"), unit_price=D("25"), po_open=True
    )
    assert ordered_line_usage(line) == (D("150.00"), D("100.00"))


def test_a_closed_po_releases_the_rest_and_a_cancelled_one_uses_nothing():
    closed = OrderedLine(
        ordered_net=D("250.00"), received_qty=D("4"), quantity=D("10"), unit_price=D("25"), po_open=False
    )
    cancelled = OrderedLine(
        ordered_net=D("250.00"),
        received_qty=D("0"),
        quantity=D("10"),
        unit_price=D("25"),
        po_open=False,
        po_cancelled=True,
    )
    assert ordered_line_usage(closed) == (D("0.00"), D("100.00"))
    assert ordered_line_usage(cancelled) == (D("0.00"), D("0.00"))


def test_over_receipt_spends_the_received_value_and_commits_nothing_more():
    line = OrderedLine(
        ordered_net=D("250.00"), received_qty=D("11"), quantity=D("10"), unit_price=D("25"), po_open=True
    )
    assert ordered_line_usage(line) == (D("0.00"), D("275.00"))
