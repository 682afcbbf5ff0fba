"""Exact minimum-cost assignment (the Hungarian method with potentials), on integer costs.

Written for this package; no scipy. ``O(rows² · columns)``, which is fine for the sizes that are
ambiguous on real invoices (a handful of lines with the same item code or name).
"""

_INFINITY = float("inf")  # a sentinel for comparisons only; every cost and potential is an exact int


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
    for row in range(1, rows + 1):
        owner[0] = row
        column = 0
        shortest = [_INFINITY] * (columns + 1)
        done = [False] * (columns + 1)
        while True:
            done[column] = True
            current_row = owner[column]
            row_cost = cost[current_row - 1]
            u_row = u[current_row]
            delta = _INFINITY
            next_column = 0
            for c in range(1, columns + 1):
                if done[c]:
                    continue
                reduced = row_cost[c - 1] - u_row - v[c]
                if reduced < shortest[c]:
                    shortest[c] = reduced
                    previous[c] = column
                if shortest[c] < delta:
                    delta = shortest[c]
                    next_column = c
            for c in range(columns + 1):
                if done[c]:
                    u[owner[c]] += delta
                    v[c] -= delta
                else:
                    shortest[c] -= delta
            column = next_column
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
