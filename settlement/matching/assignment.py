"""Exact minimum-cost assignment (the Hungarian method with potentials), on integer costs.

Written for this package; no scipy. ``O(n² · path length)`` per matrix, ``O(n³)`` at worst, which
is fine for the groups that stay ambiguous after :mod:`.grouping` has taken out everything that can
be paired without a search.

:func:`lexmin_assignment` is what the pairing uses: rows may stay unassigned at a stated cost, some
pairs may be forbidden, and among all assignments of least cost it returns the one that is smallest
when read row by row (the first row gets the lowest column it can, then the second, …). That answer
is unique, so it depends only on the matrix, never on how the search happens to run.
"""

from __future__ import annotations

from collections.abc import Sequence

_INFINITY = float("inf")  # a sentinel for comparisons only; every cost and potential is an exact int


def lexmin_assignment(costs: Sequence[Sequence[int | None]], unassigned_cost: int) -> list[int | None]:
    """For each row, its column or ``None``.

    ``costs[row][column]`` is a non-negative int, or ``None`` where the pair is not allowed; a row left
    without a column costs ``unassigned_cost``, which must be more than any allowed pair. The answer
    has the least total cost, and among those the smallest column list read row by row (``None``
    counting as larger than every column).

    How: the matrix is made square (padding rows cost nothing, padding columns mean "unassigned"),
    and each cost is scaled by ``K**rows`` plus the row's column number in base ``K = columns + 1``
    with the first row most significant, so the least scaled total is the least cost first and the
    smallest column list second. Python integers have no upper bound, so this stays exact.
    """
    rows = len(costs)
    if rows == 0:
        return []
    columns = len(costs[0])
    if columns == 0:
        return [None] * rows
    for row in costs:
        for value in row:
            if value is not None and not 0 <= value < unassigned_cost:
                raise ValueError("every allowed cost must be non-negative and less than unassigned_cost")
    size = max(rows, columns)
    base = columns + 1
    scale = base**rows
    weights = [base ** (rows - 1 - r) for r in range(rows)]
    matrix: list[list[int]] = []
    for r in range(rows):
        weight = weights[r]
        none = unassigned_cost * scale + columns * weight
        line = [none if value is None else value * scale + c * weight for c, value in enumerate(costs[r])]
        line.extend([none] * (size - columns))
        matrix.append(line)
    matrix.extend([[0] * size for _ in range(size - rows)])
    assigned = _assign(matrix)
    return [c if c < columns and costs[r][c] is not None else None for r, c in enumerate(assigned[:rows])]


def min_cost_assignment(cost: list[list[int]]) -> list[int | None]:
    """For each row, the column it is assigned to, such that the total cost is minimal.

    Every row gets a column when there are at least as many columns as rows; otherwise every column
    gets a row and the rows left over get ``None``. The result depends only on the matrix, so equal
    matrices always give equal answers.
    """
    if not cost or not cost[0]:
        return [None] * len(cost)
    rows, columns = len(cost), len(cost[0])
    if rows <= columns:
        return list(_assign(cost))
    transposed = [[cost[r][c] for r in range(rows)] for c in range(columns)]
    result: list[int | None] = [None] * rows
    for column, row in enumerate(_assign(transposed)):
        result[row] = column
    return result


def _assign(cost: list[list[int]]) -> list[int]:
    """Rows ≤ columns. Shortest augmenting paths with row potentials ``u`` and column potentials ``v``
    (1-based; column 0 is the virtual start of each path)."""
    rows, columns = len(cost), len(cost[0])
    u = [0] * (rows + 1)
    v = [0] * (columns + 1)
    owner = [0] * (columns + 1)  # owner[c] = row assigned to column c, 0 = free
    previous = [0] * (columns + 1)  # the column before c on the current shortest path
    every_column = range(1, columns + 1)
    for row in range(1, rows + 1):
        owner[0] = row
        column = 0
        shortest = [_INFINITY] * (columns + 1)
        done = [False] * (columns + 1)
        visited = [0]
        while True:
            done[column] = True
            current_row = owner[column]
            row_cost = cost[current_row - 1]
            u_row = u[current_row]
            delta = _INFINITY
            next_column = 0
            for c in every_column:
                if done[c]:
                    continue
                reduced = row_cost[c - 1] - u_row - v[c]
                if reduced < shortest[c]:
                    shortest[c] = reduced
                    previous[c] = column
                if shortest[c] < delta:
                    delta = shortest[c]
                    next_column = c
            if delta:
                for c in visited:
                    u[owner[c]] += delta
                    v[c] -= delta
                for c in every_column:
                    if not done[c]:
                        shortest[c] -= delta
            column = next_column
            visited.append(column)
            if owner[column] == 0:
                break
        while column:  # flip the path back to its start
            before = previous[column]
            owner[column] = owner[before]
            column = before
    assignment = [0] * rows
    for c in range(1, columns + 1):
        if owner[c]:
            assignment[owner[c] - 1] = c - 1
    return assignment
