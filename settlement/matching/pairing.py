"""Pairing invoice lines with PO lines.

Each invoice line is paired with at most one PO line:

1. by the PO line reference, when the line carries one (an unknown reference is not guessed around);
2. else by item code, when some PO line has the same code;
3. else by normalised name (see :func:`normalise_name`).

Step 2 and 3 can offer several candidates. Ambiguity is resolved optimally: first each PO line takes
at most one invoice line, choosing the assignment with the fewest tax-rate differences and then the
least total variance (exact, :mod:`.assignment`); ties go to the assignment closest to pairing lines
in id order. Invoice lines left over (an invoice that splits one PO line into several lines) join
the candidate with the least variance, ties to the lowest PO line id. Inputs are sorted first, so
the result never depends on their order.

The variance of a pair, in money: ``|invoice price - PO price| x invoiced quantity`` plus
``|invoiced quantity - quantity still open on the PO line| x PO price``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from core.money import q6

from .assignment import min_cost_assignment
from .model import InvoiceLine, PairedBy, PoLine
from .ordering import natural_key

_CATEGORY_PREFIX = re.compile(r"^\*[^*]*\*")  # 数电 invoices write "*金属制品*螺栓": tax category first


def normalise_name(name: str | None) -> str:
    """Fold a product name for comparison.

    Full-width characters become half-width (NFKC), a leading ``*tax category*`` prefix is dropped,
    case is folded, and whitespace and punctuation are removed, so ``"*金属制品*螺栓（M8）"``,
    ``"螺栓 M8"`` and ``"螺栓-m8"`` are equal.
    """
    text = unicodedata.normalize("NFKC", name or "").strip()
    text = _CATEGORY_PREFIX.sub("", text).casefold()
    return "".join(ch for ch in text if not _is_separator(ch))


def _is_separator(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch)[0] in "PZC"


def normalise_code(code: str | None) -> str:
    return unicodedata.normalize("NFKC", code or "").strip().casefold()


@dataclass(frozen=True)
class Pairing:
    po_line_id: str | None
    paired_by: PairedBy | None
    unknown_reference: bool = False


NOT_PAIRED = Pairing(None, None)


def pair_lines(
    lines: Sequence[InvoiceLine], po_lines: Sequence[PoLine], open_quantity: Mapping[str, Decimal]
) -> dict[str, Pairing]:
    """Pair every line (``unit_price`` already filled in) with a PO line; see the module docstring."""
    po_by_id = {po.id: po for po in po_lines}
    by_code: dict[str, list[PoLine]] = {}
    by_name: dict[str, list[PoLine]] = {}
    for po in sorted(po_lines, key=lambda p: natural_key(p.id)):
        if normalise_code(po.item_code):
            by_code.setdefault(normalise_code(po.item_code), []).append(po)
        if normalise_name(po.name):
            by_name.setdefault(normalise_name(po.name), []).append(po)

    result: dict[str, Pairing] = {}
    candidates: dict[str, tuple[PairedBy, list[PoLine]]] = {}
    for line in sorted(lines, key=lambda x: natural_key(x.id)):
        if line.po_line_id is not None:
            if line.po_line_id in po_by_id:
                result[line.id] = Pairing(line.po_line_id, PairedBy.PO_LINE_REFERENCE)
            else:
                result[line.id] = Pairing(None, None, unknown_reference=True)
        elif normalise_code(line.item_code) in by_code:
            candidates[line.id] = (PairedBy.ITEM_CODE, by_code[normalise_code(line.item_code)])
        elif normalise_name(line.name) in by_name:
            candidates[line.id] = (PairedBy.NAME, by_name[normalise_name(line.name)])
        else:
            result[line.id] = NOT_PAIRED

    line_by_id = {line.id: line for line in lines}

    def cost(line_id: str, po: PoLine) -> tuple[int, Decimal]:
        return pair_cost(line_by_id[line_id], po, open_quantity.get(po.id, Decimal(0)))

    # 1. one invoice line per PO line, exact minimum over each group of lines sharing candidates
    referenced = {p.po_line_id for p in result.values() if p.po_line_id is not None}
    edges = {
        line_id: [po for po in pos if po.id not in referenced] for line_id, (_, pos) in candidates.items()
    }
    for group_lines, group_pos in _connected_groups(edges):
        for line_id, po_id in _assign_group(group_lines, group_pos, edges, cost):
            result[line_id] = Pairing(po_id, candidates[line_id][0])

    # 2. lines left over share the PO line with the least variance
    for line_id in sorted(candidates.keys() - result.keys(), key=natural_key):
        paired_by, pos = candidates[line_id]
        best = min(pos, key=lambda po, line_id=line_id: (cost(line_id, po), natural_key(po.id)))
        result[line_id] = Pairing(best.id, paired_by)
    return result


def pair_cost(line: InvoiceLine, po: PoLine, open_quantity: Decimal) -> tuple[int, Decimal]:
    """``(1 if the tax rates differ else 0, variance in money)``; lower is better, compared in order."""
    assert line.unit_price is not None
    price_part = abs(line.unit_price - po.unit_price) * line.quantity
    quantity_part = abs(line.quantity - open_quantity) * po.unit_price
    return int(line.tax_rate != po.tax_rate), price_part + quantity_part


def _connected_groups(edges: Mapping[str, list[PoLine]]) -> list[tuple[list[str], list[str]]]:
    """Split the candidate graph into independent groups of (line ids, PO line ids), in id order."""
    po_to_lines: dict[str, list[str]] = {}
    for line_id, pos in edges.items():
        for po in pos:
            po_to_lines.setdefault(po.id, []).append(line_id)
    seen: set[str] = set()
    groups = []
    for start in sorted(edges, key=natural_key):
        if start in seen or not edges[start]:
            continue
        group_lines, group_pos, stack = {start}, set(), [start]
        seen.add(start)
        while stack:
            for po in edges[stack.pop()]:
                if po.id in group_pos:
                    continue
                group_pos.add(po.id)
                for other in po_to_lines[po.id]:
                    if other not in seen:
                        seen.add(other)
                        group_lines.add(other)
                        stack.append(other)
        groups.append((sorted(group_lines, key=natural_key), sorted(group_pos, key=natural_key)))
    return groups


def _assign_group(line_ids, po_ids, edges, cost) -> list[tuple[str, str]]:
    """Exact one-to-one assignment inside one group, as integer costs for :func:`min_cost_assignment`.

    Costs are made lexicographic by scaling: tax-rate differences first, then variance (in millionths),
    then the id-order tie-break ``|line rank - PO rank|``; pairs that are not candidates cost more than
    any full assignment of real pairs, so as many lines as possible are paired.
    """
    if len(line_ids) == 1 and len(edges[line_ids[0]]) == 1:
        return [(line_ids[0], edges[line_ids[0]][0].id)]
    po_rank = {po_id: j for j, po_id in enumerate(po_ids)}
    raw: dict[tuple[int, int], tuple[int, int]] = {}
    for i, line_id in enumerate(line_ids):
        for po in edges[line_id]:
            mismatch, variance = cost(line_id, po)
            raw[i, po_rank[po.id]] = (mismatch, int(q6(variance) * 1_000_000))
    size = max(len(line_ids), len(po_ids))
    variance_scale = sum(units for _, units in raw.values()) + 1
    tie_scale = (size + 1) ** 2
    real = {
        (i, j): (mismatch * variance_scale + units) * tie_scale + abs(i - j)
        for (i, j), (mismatch, units) in raw.items()
    }
    forbidden = (max(real.values()) + 1) * (min(len(line_ids), len(po_ids)) + 1)
    matrix = [[real.get((i, j), forbidden) for j in range(len(po_ids))] for i in range(len(line_ids))]
    assigned = min_cost_assignment(matrix)
    return [(line_ids[i], po_ids[j]) for i, j in enumerate(assigned) if j is not None and (i, j) in real]
