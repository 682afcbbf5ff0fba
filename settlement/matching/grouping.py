"""The optimal one-to-one pairing inside one group of candidates, fast.

A group is a set of invoice lines (rows) and PO lines (columns) where each row may pair with the
columns it is a candidate for. Rows and columns come in id order: a row as ``(key, tax rate, unit
price, quantity, amount range)``, a column as ``(key, tax rate, unit price, open quantity, ordered
quantity)``, prices and quantities as integers on one common scale; the amount range ``(low, high)``
holds the products ``quantity x price`` that round to the row's amount. A pair is *exact* when row
and column have equal keys; the pairing module makes the key ``(tax rate, line amount, quantity)``,
so an exact pair is one the PO line explains to the cent.

Pairs that are not exact may still carry evidence. The *price tells* when the row's quantity at the
column's price gives the row's amount; the *quantity tells* when it equals the column's open
quantity (what a line bills when all of it is billed) or its ordered quantity (what a line bills
when less was delivered than ordered).

The answer is the assignment that is best in this order, and then the smallest read row by row (the
first row gets the lowest column it can, then the second, …), which makes it unique:

1. the most exact pairs;
2. the most pairs;
3. the fewest tax-rate differences among the other pairs;
4. the most evidence among the other pairs: 1 when the price tells, 2 when the quantity tells (an
   exact quantity is rarer than a contract price many PO lines share), so a line billing a PO line's
   exact quantity at a drifted price is not traded away to lower the variance;
5. the least total variance of the other pairs, ``|row price - column price| x quantity +
   (quantity - open, when more) x column price``.

Solving that as one assignment problem costs ``O(n³)``; most of a large group needs no search:

* rows and columns with the same key form a *block*. When every row of a block is a candidate for
  every column of it and the block has as many rows as columns, every best assignment pairs the
  block within itself (rule 1 can only be met that way), all its pairs cost the same (nothing), and
  the smallest such pairing is the k-th row with the k-th column. Those blocks are taken out first,
  in ``O(n)``;
* when what is left can be paired exactly on one side (every row left sits in such a block with
  more columns, or every column left in one with more rows), the first rows of each block take its
  first columns and nothing can do better;
* only what is left after that, the rows and columns that differ from one another, is solved by
  :func:`.assignment.lexmin_assignment`, exactly.

Taking a block out never changes the answer for the rest: the block's pairs cost nothing, use only
its own rows and columns, and the smallest row-by-row reading of independent parts is made of each
part's smallest reading. ``tests/settlement/test_matching_grouping.py`` checks the result against
trying every assignment.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from .assignment import lexmin_assignment

Row = tuple[Hashable, Hashable, int, int, tuple[int, int]]  # (key, tax, price, quantity, amount range)
Column = tuple[Hashable, Hashable, int, int, int]  # (exact key, tax rate, price, open, ordered)


def pair_group(
    rows: Sequence[Row],
    columns: Sequence[Column],
    candidates: Sequence[frozenset[int] | None],
) -> list[int | None]:
    """For each row (in order), the index of its column or ``None``.

    ``candidates[i]`` is the set of column indexes row ``i`` may pair with; ``None`` means all of them.
    """
    result: list[int | None] = [None] * len(rows)
    if not rows or not columns:
        return result

    blocks: dict[Hashable, tuple[list[int], list[int]]] = {}
    for i, row in enumerate(rows):
        blocks.setdefault(row[0], ([], []))[0].append(i)
    for j, column in enumerate(columns):
        block = blocks.get(column[0])
        if block is not None:
            block[1].append(j)

    def complete(block_rows: list[int], block_columns: list[int]) -> bool:
        sets = {id(candidates[i]): candidates[i] for i in block_rows}
        return all(s is None or s.issuperset(block_columns) for s in sets.values())

    paired_rows: set[int] = set()
    paired_columns: set[int] = set()
    uneven: list[tuple[list[int], list[int]]] = []  # complete blocks with more rows or more columns
    for block_rows, block_columns in blocks.values():
        if not block_columns:
            continue
        if not complete(block_rows, block_columns):
            continue
        if len(block_rows) == len(block_columns):
            for i, j in zip(block_rows, block_columns, strict=True):
                result[i] = j
            paired_rows.update(block_rows)
            paired_columns.update(block_columns)
        else:
            uneven.append((block_rows, block_columns))

    rest_rows = [i for i in range(len(rows)) if i not in paired_rows]
    rest_columns = [j for j in range(len(columns)) if j not in paired_columns]
    if not rest_rows or not rest_columns:
        return result

    in_uneven_rows = {
        i for block_rows, block_columns in uneven if len(block_rows) < len(block_columns) for i in block_rows
    }
    if len(in_uneven_rows) == len(rest_rows):  # every row left can be paired exactly
        for block_rows, block_columns in uneven:
            for i, j in zip(block_rows, block_columns, strict=False):
                result[i] = j
        return result
    in_uneven_columns = {
        j
        for block_rows, block_columns in uneven
        if len(block_columns) < len(block_rows)
        for j in block_columns
    }
    if len(in_uneven_columns) == len(rest_columns):  # every column left can be paired exactly
        for block_rows, block_columns in uneven:
            for i, j in zip(block_rows, block_columns, strict=False):
                result[i] = j
        return result

    for i, j in _solve(rows, columns, candidates, rest_rows, rest_columns):
        result[i] = j
    return result


def _solve(
    rows: Sequence[Row],
    columns: Sequence[Column],
    candidates: Sequence[frozenset[int] | None],
    rest_rows: list[int],
    rest_columns: list[int],
) -> list[tuple[int, int]]:
    """The exact answer for the rows and columns left, as one weighted assignment.

    Integer costs make the rules one sum: an exact pair costs 0, any other allowed pair
    ``NOT_EXACT + TAX x differences + EVIDENCE x (3 - evidence) + variance`` and a row without a
    column ``NOT_EXACT + NO_PAIR``. Each weight is more than everything the later rules can add up
    to over all rows.
    """
    edges: list[list[tuple[int, int, int] | None]] = []  # None: not allowed; (-1, 0, 0): exact
    largest_variance = 0
    for i in rest_rows:
        key, row_tax, row_price, quantity, (low, high) = rows[i]
        allowed = candidates[i]
        edge_row: list[tuple[int, int, int] | None] = []
        for j in rest_columns:
            if allowed is not None and j not in allowed:
                edge_row.append(None)
                continue
            column_key, column_tax, price, still_open, ordered = columns[j]
            if key == column_key:
                edge_row.append((-1, 0, 0))
                continue
            evidence = int(low <= quantity * price < high) + 2 * int(quantity in (still_open, ordered))
            variance = abs(row_price - price) * quantity + max(quantity - still_open, 0) * price
            largest_variance = max(largest_variance, variance)
            edge_row.append((int(row_tax != column_tax), 3 - evidence, variance))
        edges.append(edge_row)

    n = len(rest_rows)
    evidence_weight = n * largest_variance + 1
    tax_weight = n * (3 * evidence_weight + largest_variance) + 1
    no_pair = n * (tax_weight + 3 * evidence_weight + largest_variance) + 1
    not_exact = 2 * n * no_pair + 1
    costs = [
        [
            None
            if edge is None
            else 0
            if edge[0] < 0
            else not_exact + edge[0] * tax_weight + edge[1] * evidence_weight + edge[2]
            for edge in edge_row
        ]
        for edge_row in edges
    ]
    assigned = lexmin_assignment(costs, not_exact + no_pair)
    return [(rest_rows[a], rest_columns[b]) for a, b in enumerate(assigned) if b is not None]
