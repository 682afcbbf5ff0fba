"""Measured quality: generated cases with known right answers, matched by the engine."""

import dataclasses
import random
from decimal import Decimal as D

import pytest

from settlement.matching import Allocation, Verdict, match_invoice
from settlement.matching.cases import (
    EXPECTED_VERDICT,
    WEIGHTS,
    Kind,
    judge,
    large_case,
    make_case,
    over_allocations,
    quality_cases,
    run_quality,
)

CASES = quality_cases(360, seed=7)


@pytest.fixture(scope="module")
def report():
    return run_quality(CASES)


def test_no_exception_case_is_ever_judged_matched(report):
    assert report.false_matches == 0, report.failures()


def test_no_receipt_is_ever_allocated_more_than_it_has_left(report):
    assert report.over_allocations == 0, report.failures()


def test_every_clean_or_within_tolerance_case_matches_on_the_first_pass(report):
    assert report.should_match > 200
    assert report.auto_match_rate == 1.0, report.failures()


def test_every_case_gets_the_verdict_and_allocations_a_careful_clerk_would(report):
    assert report.wrong_verdicts == 0, report.failures()
    assert report.wrong_allocations == 0, report.failures()


def test_every_kind_of_case_is_generated_and_checked(report):
    kinds = report.by_kind()

    assert set(kinds) == set(WEIGHTS)
    assert all(counts["cases"] >= 5 for counts in kinds.values())


def test_the_generator_gives_the_same_cases_for_the_same_seed():
    again = quality_cases(40, seed=7)

    assert again == CASES[:40]
    assert quality_cases(40, seed=8) != again


@pytest.mark.parametrize("kind", list(WEIGHTS))
def test_each_kind_carries_its_expected_verdict(kind):
    case = make_case(kind, random.Random(3), number=1)

    assert case.expected_verdict is EXPECTED_VERDICT[kind]
    assert judge(case).verdict_right


def test_the_checker_notices_an_over_allocation():
    case = next(c for c in CASES if c.kind is Kind.CLEAN and c.expected_allocations)
    result = case.run()
    first = result.allocations[0]
    greedy = dataclasses.replace(
        result,
        allocations=(dataclasses.replace(first, quantity=first.quantity + D(1)), *result.allocations[1:]),
    )

    assert over_allocations(case, result) == []
    assert over_allocations(case, greedy)
    assert not judge(case, greedy).allocations_right


def test_the_checker_notices_a_false_match():
    case = next(c for c in CASES if c.kind is Kind.PRICE_DRIFT)
    result = dataclasses.replace(case.run(), verdict=Verdict.MATCHED)

    assert judge(case, result).false_match


def test_the_checker_notices_an_allocation_to_a_receipt_of_another_po_line():
    case = next(c for c in CASES if c.kind is Kind.CLEAN and len(c.receipt_lines) >= 2)
    result = case.run()
    wrong = Allocation(
        result.allocations[0].invoice_line_id,
        case.receipt_lines[1].po_line_id,
        case.receipt_lines[0].id,
        D("0.001"),
    )

    assert over_allocations(case, dataclasses.replace(result, allocations=(*result.allocations, wrong)))


def test_a_large_case_can_be_small_too():
    case = large_case(60, seed=1)

    assert len(case.invoice.lines) >= 60
    assert judge(case).over_allocations == ()


@pytest.fixture(scope="module")
def large():
    case = large_case(1500, seed=3)
    return case, case.run()


def test_a_large_invoice_over_many_orders_is_allocated_exactly_as_the_case_says(large):
    case, result = large
    outcome = judge(case, result)

    assert len(case.invoice.lines) >= 1500
    assert outcome.verdict is Verdict.EXCEPTION
    assert outcome.over_allocations == ()
    assert outcome.allocations_right


def test_a_large_invoice_gives_the_same_result_whatever_the_order_of_its_inputs(large):
    case, result = large
    shuffler = random.Random(9)
    lines, po_lines, receipts = (list(x) for x in (case.invoice.lines, case.po_lines, case.receipt_lines))
    for items in (lines, po_lines, receipts):
        shuffler.shuffle(items)
    shuffled = match_invoice(
        dataclasses.replace(case.invoice, lines=tuple(lines)),
        po_lines=po_lines,
        receipt_lines=receipts,
        earlier_allocations=case.earlier_allocations[::-1],
        policy=case.policy,
    )

    assert shuffled == result


def test_the_quality_command_reports_the_figures(capsys):
    from django.core.management import call_command

    call_command("matching_quality", cases=40, seed=2, show=0)
    out = capsys.readouterr().out

    assert "cases: 40 (seed 2)" in out
    assert "false matches: 0" in out
    assert "over-allocations: 0" in out
