"""Pairing invoice lines with PO lines.

Each invoice line is paired with at most one PO line:

1. by the PO line reference, when the line carries one (an unknown reference is not guessed around);
2. else by item code, when some PO line has the same code;
3. else by normalised name (see :func:`normalise_name`).

Step 2 and 3 can offer several candidates (the same item on several PO lines). A candidate with
nothing open (nothing received, or all of it already invoiced; for a credit note: nothing the
original claims) is left out while another candidate of the item has quantity open, and the line's
result says so (:attr:`Pairing.passed_over`). Ambiguity is resolved
optimally and never first-come: first each PO line takes at most one invoice line, choosing the
assignment that is best by these rules, in this order (:mod:`.grouping` has the details):

1. the most *exact* pairs: same tax rate, invoiced quantity equal to the quantity still open, line
   amount equal to that quantity at the PO price;
2. the most pairs;
3. the fewest tax-rate differences;
4. the most evidence: the line's amount is its quantity at the PO price (*the price tells*, 1), its
   quantity is what is open or, on an invoice, what was ordered (*the quantity tells*, 2: an exact
   quantity is rarer than a contract price that many PO lines share);
5. the least total variance;

and among equally good assignments, the one that gives the first line (in id order) the first PO
line it can, then the second line, and so on. That answer is unique; :mod:`.grouping` finds it
without a search for everything that pairs exactly and solves only the rest as an assignment
problem (:mod:`.assignment`). Invoice lines left over (an invoice that splits one PO line into
several lines, or repeats one) *share*: each joins the candidate with the same tax rate, then the
most evidence (the quantity tells also when it equals what the other lines leave open), then the
least variance against what the other lines leave open on it, ties to the lowest PO line id. The
engine sorts its inputs first, so the result never depends on their order.

An exact pair comes first because it is the strongest evidence there is: a line that equals a PO
line in rate, amount and open quantity is not traded away to lower the variance of other lines.

The variance of a pair, in money: ``|invoice price - PO price| x invoiced quantity`` plus what is
invoiced beyond the quantity still open on the PO line, at the PO price, computed exactly. Invoicing
less than is open is no variance (partial invoices and partial credit notes are normal).

Lines are only compared with PO lines that share their item code or name, and those groups are
solved one by one, so a large invoice costs about as much per line as a small one.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal
from functools import lru_cache

from core.money import q2

from .grouping import pair_group
from .model import InvoiceLine, PairedBy, PoLine

ZERO = Decimal(0)
_CATEGORY_PREFIX = re.compile(r"^\*[^*]*\*")  # 数电 invoices write "*金属制品*螺栓": tax category first


@lru_cache(maxsize=65536)
@lru_cache(maxsize=65536)  # the same item names come back on every PO and invoice
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


@lru_cache(maxsize=65536)
def normalise_code(code: str | None) -> str:
    return unicodedata.normalize("NFKC", code or "").strip().casefold()


@dataclass(frozen=True)
class Pairing:
    po_line_id: str | None
    paired_by: PairedBy | None
    unknown_reference: bool = False
    shares: bool = False  # left over after the one-to-one pairing: joins a PO line another line has
    # every candidate of the same item, this PO line too (id order); one tuple shared by all the
    # lines of the item, so pairing n lines of a popular item does not cost n x its candidates
    candidates: tuple[str, ...] = ()
    # candidates left out because nothing is open on them while another candidate has quantity open
    passed_over: tuple[str, ...] = ()

    @property
    def alternatives(self) -> tuple[str, ...]:
        """The other candidates of the same item (id order): what the line may spill into when its
        PO line has less open than it bills."""
        return tuple(po_id for po_id in self.candidates if po_id != self.po_line_id)


NOT_PAIRED = Pairing(None, None)


def pair_lines(
    lines: Sequence[InvoiceLine],
    po_lines: Sequence[PoLine],
    open_quantity: Mapping[str, Decimal],
    *,
    credit_note: bool = False,
) -> dict[str, Pairing]:
    """Pair every line (``unit_price`` already filled in) with a PO line; see the module docstring.

    ``lines`` and ``po_lines`` come in id order (:func:`.ordering.natural_key`); the engine sorts
    them once for everything it does. For a credit note ``open_quantity`` is what the original
    invoice still claims, and the ordered quantity tells nothing.
    """
    pos = list(po_lines)
    rank = {po.id: n for n, po in enumerate(pos)}
    line_rank = {line.id: n for n, line in enumerate(lines)}
    by_key: dict[tuple[PairedBy, str], list[PoLine]] = {}
    for po in pos:
        if code := normalise_code(po.item_code):
            by_key.setdefault((PairedBy.ITEM_CODE, code), []).append(po)
        if name := normalise_name(po.name):
            by_key.setdefault((PairedBy.NAME, name), []).append(po)

    result: dict[str, Pairing] = {}
    lines_by_key: dict[tuple[PairedBy, str], list[InvoiceLine]] = {}
    for line in lines:
        if line.po_line_id is not None:
            if line.po_line_id in rank:
                result[line.id] = Pairing(line.po_line_id, PairedBy.PO_LINE_REFERENCE)
            else:
                result[line.id] = Pairing(None, None, unknown_reference=True)
            continue
        key = (PairedBy.ITEM_CODE, normalise_code(line.item_code))
        if key not in by_key:
            key = (PairedBy.NAME, normalise_name(line.name))
        if key in by_key:
            lines_by_key.setdefault(key, []).append(line)
        else:
            result[line.id] = NOT_PAIRED
    if not lines_by_key:
        return result

    # a candidate with nothing open (nothing received, or all of it invoiced) is never chosen while
    # another candidate of the same item has quantity open
    passed_over: dict[tuple[PairedBy, str], tuple[str, ...]] = {}
    for key in lines_by_key:
        with_open = [po for po in by_key[key] if open_quantity.get(po.id, ZERO) > 0]
        if with_open and len(with_open) < len(by_key[key]):
            keep = {po.id for po in with_open}
            passed_over[key] = tuple(po.id for po in by_key[key] if po.id not in keep)
            by_key[key] = with_open

    referenced = {p.po_line_id for p in result.values() if p.po_line_id is not None}
    numbers = _Numbers(
        [x for group in lines_by_key.values() for x in group],
        pos,
        open_quantity,
        ordered_tells=not credit_note,
    )

    candidates: dict[tuple[PairedBy, str], tuple[str, ...]] = {}  # by key, made once (see _pairing)
    # 1. one invoice line per PO line, group by group; a PO line a line refers to is not offered
    free = {key: [po for po in by_key[key] if po.id not in referenced] for key in lines_by_key}
    for keys, group_pos in _groups(free, rank):
        column_of = {po.id: j for j, po in enumerate(group_pos)}
        if len(keys) == 1:  # one key's lines are already in id order
            members = [(line, keys[0]) for line in lines_by_key[keys[0]]]
        else:
            members = sorted(
                ((line, key) for key in keys for line in lines_by_key[key]), key=lambda m: line_rank[m[0].id]
            )
        shared: dict[tuple[PairedBy, str], frozenset[int] | None] = {
            key: None if len(free[key]) == len(group_pos) else frozenset(column_of[po.id] for po in free[key])
            for key in keys
        }
        assigned = pair_group(
            [numbers.line(line) for line, _ in members],
            [numbers.po(po) for po in group_pos],
            [shared[key] for _, key in members],
        )
        for (line, key), column in zip(members, assigned, strict=True):
            if column is not None:
                result[line.id] = _pairing(group_pos[column].id, key, candidates, by_key, passed_over)

    # 2. lines left over share the PO line with the fewest tax-rate differences, then one their
    #    quantity tells, then the least variance against what the lines paired in step 1 leave open
    left = dict(numbers.open)
    line_by_id = {line.id: line for line in lines}
    for line_id, pairing in result.items():
        if pairing.po_line_id is not None:
            po_id = pairing.po_line_id
            left[po_id] = max(left[po_id] - line_by_id[line_id].quantity, ZERO)
    numbers.leave(left)
    evidence: dict[tuple[PairedBy, str], _Evidence] = {}
    for key, key_lines in lines_by_key.items():
        for line in key_lines:
            if line.id in result:
                continue
            # a candidate with the same tax rate and more evidence beats every candidate with less,
            # so only the best such are compared (found by quantity and price, not by trying all)
            if key not in evidence:
                evidence[key] = _Evidence(by_key[key], left, numbers)
            pool = evidence[key].pool(line)
            best = min(
                pool or by_key[key], key=lambda po, line=line: (numbers.share_cost(line, po), rank[po.id])
            )
            result[line.id] = _pairing(best.id, key, candidates, by_key, passed_over, shares=True)
    return result


def _pairing(
    po_line_id: str,
    key: tuple[PairedBy, str],
    candidates: dict[tuple[PairedBy, str], tuple[str, ...]],
    by_key: Mapping[tuple[PairedBy, str], list[PoLine]],
    passed_over: Mapping[tuple[PairedBy, str], tuple[str, ...]],
    *,
    shares: bool = False,
) -> Pairing:
    ids = candidates.get(key)
    if ids is None:
        ids = candidates[key] = tuple(po.id for po in by_key[key])
    return Pairing(po_line_id, key[0], shares=shares, candidates=ids, passed_over=passed_over.get(key, ()))


def _groups(
    candidates: Mapping[tuple[PairedBy, str], list[PoLine]], rank: Mapping[str, int]
) -> list[tuple[list[tuple[PairedBy, str]], list[PoLine]]]:
    """Keys whose candidate PO lines overlap, joined (union-find), with their PO lines in id order."""
    parent: dict[str, str] = {}

    def root(po_id: str) -> str:
        while parent[po_id] != po_id:
            parent[po_id] = parent[parent[po_id]]
            po_id = parent[po_id]
        return po_id

    for pos in candidates.values():
        for po in pos:
            parent.setdefault(po.id, po.id)
        for po in pos[1:]:
            a, b = root(pos[0].id), root(po.id)
            if a != b:
                parent[max(a, b, key=rank.__getitem__)] = min(a, b, key=rank.__getitem__)
    keys_of: dict[str, list[tuple[PairedBy, str]]] = {}
    pos_of: dict[str, dict[str, PoLine]] = {}
    for key, pos in candidates.items():
        if not pos:
            continue
        top = root(pos[0].id)
        keys_of.setdefault(top, []).append(key)
        pos_of.setdefault(top, {}).update((po.id, po) for po in pos)
    return [
        (keys_of[top], sorted(pos_of[top].values(), key=lambda po: rank[po.id]))
        for top in sorted(keys_of, key=rank.__getitem__)
    ]


_EXACT = Context(prec=80)


class _Numbers:
    """Prices, quantities and amounts as integers on one scale, so comparisons are exact and cheap.

    Prices are scaled by ``10**price_places`` and quantities by ``10**quantity_places``, chosen so
    every value is a whole number and a product ``quantity x price`` is fine enough to see half a cent.
    """

    def __init__(
        self,
        lines: Iterable[InvoiceLine],
        pos: Sequence[PoLine],
        open_quantity: Mapping[str, Decimal],
        *,
        ordered_tells: bool,
    ) -> None:
        lines = list(lines)
        self.ordered_tells = ordered_tells
        self.open = {po.id: open_quantity.get(po.id, ZERO) for po in pos}
        prices = {x.unit_price for x in lines} | {po.unit_price for po in pos}
        quantities = {x.quantity for x in lines} | set(self.open.values()) | {po.quantity for po in pos}
        self.quantity_places = _most_places(quantities)
        amount_places = _most_places({x.amount for x in lines})
        self.price_places = max(
            _most_places(prices), amount_places - self.quantity_places, 3 - self.quantity_places
        )
        self._amount_scale = self.price_places + self.quantity_places
        self._half_cent = 5 * 10 ** (self._amount_scale - 3)
        self._line_cache: dict[str, tuple[tuple, Decimal, int, int, tuple[int, int]]] = {}
        self._po_cache: dict[str, tuple[tuple, Decimal, int, int, int]] = {}
        self._left: dict[str, int] = {}  # what the one-to-one pairs leave open, set for step 2
        self._left_decimal: Mapping[str, Decimal] = {}  # the same, as given; scaled when first asked

    def price(self, value: Decimal | None) -> int:
        assert value is not None
        return int(value.scaleb(self.price_places, context=_EXACT))

    def quantity(self, value: Decimal) -> int:
        return int(value.scaleb(self.quantity_places, context=_EXACT))

    def line(self, line: InvoiceLine) -> tuple[tuple, Decimal, int, int, tuple[int, int]]:
        """``(exact key, tax rate, price, quantity, amount range)``: the key is ``(rate, amount,
        quantity)``, the range holds the products ``quantity x price`` that round to the amount."""
        known = self._line_cache.get(line.id)
        if known is None:
            amount = int(line.amount.scaleb(self._amount_scale, context=_EXACT))
            known = self._line_cache[line.id] = (
                (line.tax_rate, line.amount, line.quantity),
                line.tax_rate,
                self.price(line.unit_price),
                self.quantity(line.quantity),
                (amount - self._half_cent, amount + self._half_cent),
            )
        return known

    def po(self, po: PoLine, still_open: Decimal | None = None) -> tuple[tuple, Decimal, int, int, int]:
        """``(exact key, tax rate, price, open, ordered)``: the key has the open quantity at the PO price."""
        if still_open is None:
            known = self._po_cache.get(po.id)
            if known is None:
                known = self._po_cache[po.id] = self.po(po, self.open[po.id])
            return known
        return (
            (po.tax_rate, q2(still_open * po.unit_price), still_open),
            po.tax_rate,
            self.price(po.unit_price),
            self.quantity(still_open),
            self.quantity(po.quantity if self.ordered_tells else self.open[po.id]),
        )

    def leave(self, left: Mapping[str, Decimal]) -> None:
        """Record what the one-to-one pairs leave open on each PO line, for :meth:`share_cost` (which
        scales only the PO lines it is asked about: a few, of every PO line there is)."""
        self._left_decimal = left
        self._left = {}

    def share_cost(self, line: InvoiceLine, po: PoLine) -> tuple[int, int, int]:
        """How well a left-over line fits a PO line, given what the one-to-one pairs leave on it:
        ``(tax rates differ, evidence missing, variance)``, lower is better, compared in that order.
        The quantity also tells when it is what is left."""
        _, tax, price, quantity, (low, high) = self.line(line)
        _, po_tax, po_price, still_open, ordered = self.po(po)
        po_left = self._left.get(po.id)
        if po_left is None:
            po_left = self._left[po.id] = self.quantity(self._left_decimal[po.id])
        evidence = int(low <= quantity * po_price < high) + 2 * int(
            quantity in (po_left, still_open, ordered)
        )
        variance = abs(price - po_price) * quantity + max(quantity - po_left, 0) * po_price
        return int(tax != po_tax), 3 - evidence, variance


class _Evidence:
    """The PO lines of one key that a left-over line has evidence for, found without trying them all:
    by quantity (left, open before, ordered) and by price (within the range its amount allows)."""

    def __init__(self, pos: Sequence[PoLine], left: Mapping[str, Decimal], numbers: _Numbers) -> None:
        self.by_quantity: dict[Decimal, list[PoLine]] = {}
        self.by_price: dict[int, list[PoLine]] = {}
        for po in pos:
            ordered = po.quantity if numbers.ordered_tells else numbers.open[po.id]
            for quantity in {left[po.id], numbers.open[po.id], ordered}:
                self.by_quantity.setdefault(quantity, []).append(po)
            self.by_price.setdefault(numbers.price(po.unit_price), []).append(po)
        self.prices = sorted(self.by_price)
        self.numbers = numbers

    def pool(self, line: InvoiceLine) -> list[PoLine]:
        """The candidates with the same tax rate and the most evidence there can be for ``line``: those
        its quantity tells (2 or 3) when there are any, else those its price tells (1)."""
        same_rate = [po for po in self.by_quantity.get(line.quantity, ()) if po.tax_rate == line.tax_rate]
        if same_rate:
            return same_rate
        _, _, _, quantity, (low, high) = self.numbers.line(line)
        first = bisect_left(self.prices, -(-low // quantity))  # the least price with quantity x price >= low
        last = bisect_left(self.prices, -(-high // quantity))  # prices from here on reach high
        return [
            po
            for price in self.prices[first:last]
            for po in self.by_price[price]
            if po.tax_rate == line.tax_rate
        ]


def _most_places(values: Iterable[Decimal | None]) -> int:
    return max((_places(value) for value in values), default=0)


def _places(value: Decimal | None) -> int:
    exponent = 0 if value is None else value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0
