"""The fast pairing inside a group gives exactly the answer of trying every assignment."""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from settlement.matching.assignment import lexmin_assignment
from settlement.matching.grouping import _solve, pair_group

TAXES = ["0.13", "0.09"]


def objective(rows, columns, assignment):
    """What the pairing minimises, as one comparable tuple (see settlement.matching.grouping)."""
    exact = pairs = mismatches = missing_evidence = variance = 0
    digits = []
    for i, j in enumerate(assignment):
        digits.append(len(columns) if j is None else j)
        if j is None:
            continue
        (key, row_tax, row_price, quantity, (low, high)) = rows[i]
        (column_key, tax, price, still_open, ordered) = columns[j]
        pairs += 1
        if key == column_key:
            exact += 1
            continue
        mismatches += row_tax != tax
        missing_evidence += (not low <= quantity * price < high) + 2 * (quantity not in (still_open, ordered))
        variance += abs(row_price - price) * quantity + max(quantity - still_open, 0) * price
    return (-exact, -pairs, mismatches, missing_evidence, variance, digits)


def every_assignment(rows, columns, candidates):
    options = [
        [None] + [j for j in range(len(columns)) if candidates[i] is None or j in candidates[i]]
        for i in range(len(rows))
    ]
    for assignment in itertools.product(*options):
        used = [j for j in assignment if j is not None]
        if len(used) == len(set(used)):
            yield list(assignment)


def best_by_trying_everything(rows, columns, candidates):
    return min(every_assignment(rows, columns, candidates), key=lambda a: objective(rows, columns, a))


def side(tax, price, quantity, noise=0):
    """A line as the pairing builds it, prices x 10: the key is (tax, amount, quantity); ``noise``
    makes the stated price differ from the one the amount gives, as when an invoice rounds it."""
    amount = price * 10 * quantity
    return ((tax, amount, quantity), tax, price * 10 + noise, quantity, (amount, amount + 1))


def po_side(tax, price, still_open, more_ordered=0):
    """A PO line: the key has the open quantity; ``more_ordered`` was ordered beyond what is open."""
    return (
        (tax, price * 10 * still_open, still_open),
        tax,
        price * 10,
        still_open,
        still_open + more_ordered,
    )


TEST_TAX = st.sampled_from(TAXES)
sides = st.builds(side, TEST_TAX, st.integers(9, 11), st.integers(1, 4), st.sampled_from([0, 0, 0, 1, -1]))
po_sides = st.builds(po_side, TEST_TAX, st.integers(9, 11), st.integers(1, 4), st.sampled_from([0, 0, 1, 2]))


@st.composite
def groups(draw, max_rows=4, max_columns=4):
    rows = draw(st.lists(sides, min_size=1, max_size=max_rows))
    columns = draw(st.lists(po_sides, min_size=1, max_size=max_columns))
    if draw(st.booleans()):
        candidates = [None] * len(rows)
    else:
        sets = draw(st.lists(st.frozensets(st.integers(0, len(columns) - 1)), min_size=1, max_size=3))
        candidates = [draw(st.sampled_from(sets)) for _ in rows]
    return rows, columns, candidates


@settings(max_examples=300, deadline=None)
@given(groups())
def test_group_pairing_equals_the_best_of_every_possible_assignment(group):
    rows, columns, candidates = group

    assert pair_group(rows, columns, candidates) == best_by_trying_everything(rows, columns, candidates)


@settings(max_examples=150, deadline=None)
@given(groups())
def test_the_assignment_solver_alone_equals_the_best_of_every_possible_assignment(group):
    rows, columns, candidates = group
    solved = [None] * len(rows)
    for i, j in _solve(rows, columns, candidates, list(range(len(rows))), list(range(len(columns)))):
        solved[i] = j

    assert solved == best_by_trying_everything(rows, columns, candidates)


@st.composite
def large_groups(draw):
    """Groups of up to 40 x 40 where most rows have an exact twin column, as on a real invoice."""
    columns = draw(st.lists(po_sides, min_size=1, max_size=40))
    rows = [side(c[1], c[2] // 10, c[3]) for c in columns if draw(st.integers(0, 9))]  # most are exact
    rows += draw(st.lists(sides, max_size=5))  # and a few lines differ
    rows = draw(st.permutations(rows)) if rows else [draw(sides)]
    candidates = [None] * len(rows)
    if draw(st.booleans()):  # some lines were paired by name and see only part of the PO lines
        part = frozenset(draw(st.lists(st.integers(0, len(columns) - 1), max_size=len(columns))))
        candidates = [part if draw(st.integers(0, 4)) == 0 else None for _ in rows]
    return rows, columns, candidates


@settings(max_examples=100, deadline=None)
@given(large_groups())
def test_group_pairing_equals_solving_the_whole_group_as_one_assignment(group):
    rows, columns, candidates = group
    whole = [None] * len(rows)
    for i, j in _solve(rows, columns, candidates, list(range(len(rows))), list(range(len(columns)))):
        whole[i] = j

    assert pair_group(rows, columns, candidates) == whole


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda rows: st.integers(1, 4).flatmap(
            lambda columns: st.lists(
                st.lists(st.one_of(st.none(), st.integers(0, 20)), min_size=columns, max_size=columns),
                min_size=rows,
                max_size=rows,
            )
        )
    )
)
def test_lexmin_assignment_is_the_least_cost_then_smallest_row_by_row(costs):
    columns = len(costs[0])
    unassigned = 21
    options = [[None] + [j for j in range(columns) if costs[i][j] is not None] for i in range(len(costs))]

    def key(assignment):
        total = sum(unassigned if j is None else costs[i][j] for i, j in enumerate(assignment))
        return total, [columns if j is None else j for j in assignment]

    candidates = (
        a
        for a in itertools.product(*options)
        if len({j for j in a if j is not None}) == sum(j is not None for j in a)
    )

    assert lexmin_assignment(costs, unassigned) == list(min(candidates, key=key))


def test_identical_lines_take_identical_po_lines_in_id_order():
    line, po = side("0.13", 10, 5), po_side("0.13", 10, 5)
    assert pair_group([line, line, line], [po, po], [None] * 3) == [0, 1, None]
    assert pair_group([line, line], [po, po, po], [None] * 2) == [0, 1]


def test_an_exact_pair_is_kept_even_when_breaking_it_would_lower_the_total_variance():
    # row 0 equals column 0; pairing row 0 with column 1 and row 1 with column 0 costs less variance
    # (100 + 10 = 110 against 0 + 130), but the exact pair is the stronger evidence and stays
    rows = [side("0.13", 10, 10), side("0.13", 10, 11)]
    columns = [po_side("0.13", 10, 10), po_side("0.13", 20, 10)]

    assert pair_group(rows, columns, [None, None]) == [0, 1]
