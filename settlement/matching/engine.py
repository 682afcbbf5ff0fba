"""The matching engine: one pure function from documents and a policy to a verdict.

For each invoice line, in this order:

* pair it with a PO line (:mod:`.pairing`);
* allocate its quantity: three-way against receipt lines, oldest first, never more than
  ``accepted - returned - already allocated``; two-way (PO lines with ``receipt_required=False``)
  against the ordered quantity (:mod:`.allocation`). Lines that have their PO line to themselves
  (or name it) take first, then lines that share a PO line with another (see :mod:`.pairing`),
  each in id order. Then, in the same order, a line (not one naming its PO line) whose PO line
  could not fill it takes the rest from the other PO lines of the same item, currency and kind
  (received or not) that still have quantity open: same tax rate first, then the nearest price,
  then id order. What cannot be allocated is a quantity variance:
  within the quantity tolerance when something was matched and the rest is within it, else an
  exception. A line with nothing allocated is always an exception;
* compare its unit price with the PO price (for a line spread across PO lines: with each of their
  prices, and its tax rate with each of their rates; unit price tolerance; a price the document states is
  always compared, even when the line amount equals quantity x PO price), its amount with the matched
  quantity at the PO price (line amount tolerance), its tax rate with the PO's and its tax with
  ``amount x rate`` (tax rounding allowance).

Then the document: the lines must add up to the net total, the tax total must be the sum of
``amount x rate`` within the per-invoice rounding allowance, and the net total is compared with the
matched quantities at PO prices (invoice total tolerance).

Tax rounding is never a price variance: a unit price that differs only below a cent (the line amount
equals quantity x PO price), and a line whose net and tax moved in opposite directions by no more than
the rounding allowance (the same gross split differently), are reported as tax rounding, if at all.

Credit notes: quantities and amounts are read as positive reductions. Each line releases what the
original invoice (with earlier credit notes against it) still claims on the paired PO line, newest
receipt first; the allocations come out negative. All comparisons are made on the positive sizes.

The verdict of a line is the worst of its reasons (none: ``matched``); the verdict of the document
is the worst of its lines and its own reasons.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from decimal import Decimal

from core.money import q2, q6

from . import explain
from .allocation import Ledger, PoLineFacts, build_ledger
from .collector import collector_paused
from .hashing import input_hash
from .model import (
    ENGINE_VERSION,
    Allocation,
    EarlierAllocation,
    Invoice,
    InvoiceLine,
    LineResult,
    MatchResult,
    MatchType,
    PairedBy,
    PoLine,
    Reason,
    ReasonCode,
    ReceiptLine,
    Variance,
    Verdict,
    worst,
)
from .ordering import natural_key
from .pairing import Pairing, pair_lines
from .tolerance import TolerancePolicy, check

ZERO = Decimal(0)


class MatchingInputError(ValueError):
    """The inputs contradict themselves (e.g. two PO lines with the same id)."""


def match_invoice(
    invoice: Invoice,
    *,
    po_lines: Iterable[PoLine],
    receipt_lines: Iterable[ReceiptLine],
    earlier_allocations: Iterable[EarlierAllocation] = (),
    policy: TolerancePolicy,
) -> MatchResult:
    """Match an invoice or credit note against PO lines and receipts under a tolerance policy.

    ``po_lines`` are the lines of the purchase orders the document may refer to, ``receipt_lines``
    their goods-receipt lines and ``earlier_allocations`` every allocation other documents made on
    them (allocations by this document itself are ignored, so a re-run gives the same answer).
    The result never depends on the order of any of these.
    """
    with collector_paused(len(invoice.lines)):
        return _match(invoice, po_lines, receipt_lines, earlier_allocations, policy)


def _match(
    invoice: Invoice,
    po_lines: Iterable[PoLine],
    receipt_lines: Iterable[ReceiptLine],
    earlier_allocations: Iterable[EarlierAllocation],
    policy: TolerancePolicy,
) -> MatchResult:
    po_lines = sorted(_unique(po_lines, "PO line"), key=lambda po: natural_key(po.id))
    receipt_lines = _unique(receipt_lines, "receipt line")  # the ledger orders them per PO line
    _unique(invoice.lines, "invoice line")
    earlier = tuple(a for a in earlier_allocations if a.invoice_id != invoice.id)
    digest = input_hash(
        invoice, po_lines=po_lines, receipt_lines=receipt_lines, earlier_allocations=earlier, policy=policy
    )

    document = _as_reductions(invoice) if invoice.is_credit_note else invoice
    stated = frozenset(line.id for line in document.lines if line.unit_price is not None)
    lines = sorted((_with_unit_price(line) for line in document.lines), key=lambda x: natural_key(x.id))
    ledger = build_ledger(
        po_lines,
        receipt_lines,
        earlier,
        credit_for=document.original_invoice_id,
        is_credit_note=document.is_credit_note,
    )
    po_by_id = {po.id: po for po in po_lines}
    open_at_start = {po.id: ledger.open_quantity(po.id) for po in po_lines}
    pairings = pair_lines(
        [line for line in lines if line.quantity > 0],
        po_lines,
        open_at_start,
        credit_note=document.is_credit_note,
    )

    # lines that have their PO line to themselves (or name it) take from it first, then the lines
    # that share one, each group in id order; results are reported in id order
    order = [x for x in lines if not _shares(pairings.get(x.id))]  # each part in id order
    order += [x for x in lines if _shares(pairings.get(x.id))]
    taken: dict[str, _Taken] = {}
    for line in order:
        pairing = pairings.get(line.id)
        if line.quantity > 0 and pairing is not None and pairing.po_line_id is not None:
            po_id = pairing.po_line_id
            before = ledger.facts[po_id].taken
            pieces = [(po_id, rid, q) for rid, q in ledger.take(po_id, line.quantity)]
            taken[line.id] = _Taken(before, pieces)
    # then, in the same order, a line its PO line could not fill takes the rest from the other PO
    # lines of the same item, at any price (never beyond what is open on them); each part is judged
    # against its own PO line's price and tax rate
    still_open: dict[int, list[str]] = {}  # see _spill
    for line in order:
        if line.id in taken:
            _spill(line, pairings[line.id], taken[line.id], po_by_id, ledger, still_open)
    matched: dict[str, tuple[LineResult, list[Allocation]]] = {}
    for line in order:
        matched[line.id] = _match_line(
            line,
            pairings.get(line.id),
            po_by_id,
            ledger,
            document,
            policy,
            stated=line.id in stated,
            taken=taken.get(line.id),
            open_at_start=open_at_start,
        )
    line_results = [matched[line.id][0] for line in lines]
    allocations = [piece for line in lines for piece in matched[line.id][1]]

    allocated = [taken[line.id].by_po_line() for line in lines if line.id in taken]
    variances, reasons = _check_document(document, lines, allocated, po_by_id, policy)
    verdict = worst([line.verdict for line in line_results] + [reason.severity for reason in reasons])
    return MatchResult(
        invoice_id=invoice.id,
        document_type=invoice.document_type,
        original_invoice_id=invoice.original_invoice_id,
        verdict=verdict,
        lines=tuple(line_results),
        allocations=tuple(allocations),
        variances=tuple(variances),
        reasons=tuple(reasons),
        policy_version=policy.version,
        engine_version=ENGINE_VERSION,
        input_hash=digest,
    )


# ------------------------------------------------------------------------------------------- inputs


def _unique(items: Iterable, what: str) -> list:
    items = list(items)
    if len({item.id for item in items}) == len(items):
        return items
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise MatchingInputError(f"two {what}s have the id {item.id!r}")
        seen.add(item.id)
    return items


def _as_reductions(invoice: Invoice) -> Invoice:
    """A credit note with every quantity and amount as a positive size."""
    lines = tuple(
        dataclasses.replace(
            line,
            quantity=abs(line.quantity),
            amount=abs(line.amount),
            tax_amount=abs(line.tax_amount),
            unit_price=None if line.unit_price is None else abs(line.unit_price),
        )
        for line in invoice.lines
    )
    return dataclasses.replace(
        invoice, lines=lines, net_total=abs(invoice.net_total), tax_total=abs(invoice.tax_total)
    )


def _shares(pairing: Pairing | None) -> bool:
    return pairing is not None and pairing.shares


@dataclasses.dataclass
class _Taken:
    before: Decimal  # what other lines of this document had taken from the PO line first
    pieces: list[tuple[str, str | None, Decimal]]  # (PO line id, receipt line id, quantity)

    on_lines: dict[str, Decimal] | None = None  # by_po_line(), once the spills are done

    @property
    def quantity(self) -> Decimal:
        return sum((q for _, _, q in self.pieces), ZERO)

    def by_po_line(self) -> dict[str, Decimal]:
        """:func:`_allocated_by_po_line` of the pieces, made once; only after the spills."""
        if self.on_lines is None:
            self.on_lines = _allocated_by_po_line(self.pieces)
        return self.on_lines


def _spill(
    line: InvoiceLine,
    pairing: Pairing,
    taken: _Taken,
    po_by_id: dict[str, PoLine],
    ledger: Ledger,
    still_open: dict[int, list[str]],
) -> None:
    """What the paired PO line could not fill is taken from the other PO lines of the same item, in the
    same currency and of the same kind (received or not), whatever their price or tax rate: first those
    with the line's tax rate, then the nearest price, then id order. Each part is judged later against
    its own PO line. Only what is open is taken, after every line's own pairing took first.

    ``still_open`` keeps, per item (by the identity of its shared candidates tuple), the candidates
    with quantity open, in id order: spills only take, so a PO line once empty stays empty, and
    skipping it takes nothing less (it would give no piece). A popular item on thousands of PO lines
    is scanned in full once, not once per line that spills into it."""
    if pairing.paired_by is PairedBy.PO_LINE_REFERENCE:
        return
    missing = line.quantity - taken.quantity
    if missing <= 0:  # filled by its own PO line (most lines): nothing to spill
        return
    po = po_by_id[pairing.po_line_id]
    assert line.unit_price is not None
    pool = still_open.get(id(pairing.candidates))
    pool = [x for x in (pairing.candidates if pool is None else pool) if ledger.has_open(x)]
    still_open[id(pairing.candidates)] = pool
    candidates = [
        po_by_id[other_id]
        for other_id in pool
        if other_id != pairing.po_line_id
        and (po_by_id[other_id].currency, po_by_id[other_id].receipt_required)
        == (po.currency, po.receipt_required)
    ]
    candidates.sort(
        key=lambda other: (other.tax_rate != line.tax_rate, abs(other.unit_price - line.unit_price))
    )
    for other in candidates:  # stable: id order among equals
        if missing <= 0:
            break
        for rid, q in ledger.take(other.id, missing):
            taken.pieces.append((other.id, rid, q))
            missing -= q


def _with_unit_price(line: InvoiceLine) -> InvoiceLine:
    if line.unit_price is not None or line.quantity == 0:
        return line
    return dataclasses.replace(line, unit_price=q6(line.amount / line.quantity))


# ------------------------------------------------------------------------------------------- a line


def _match_line(
    line: InvoiceLine,
    pairing: Pairing | None,
    po_by_id: dict[str, PoLine],
    ledger: Ledger,
    document: Invoice,
    policy: TolerancePolicy,
    *,
    stated: bool = False,
    taken: _Taken | None = None,
    open_at_start: dict[str, Decimal] | None = None,
) -> tuple[LineResult, list[Allocation]]:
    def unmatched(reason: Reason) -> tuple[LineResult, list[Allocation]]:
        return (
            LineResult(line.id, None, None, None, line.quantity, ZERO, (), (reason,), reason.severity),
            [],
        )

    if line.quantity <= 0:
        return unmatched(explain.invalid_quantity(line.id, line.quantity, document.is_credit_note))
    assert pairing is not None
    if pairing.unknown_reference:
        return unmatched(explain.unknown_reference(line.id, line.po_line_id or ""))
    if pairing.po_line_id is None:
        return unmatched(explain.no_po_line(line.id, line.item_code, line.name))

    po = po_by_id[pairing.po_line_id]
    facts = ledger.facts[po.id]
    assert taken is not None
    taken_before = taken.before
    matched = taken.quantity
    sign = -1 if document.is_credit_note else 1
    allocations = [Allocation(line.id, po_id, receipt_id, sign * q) for po_id, receipt_id, q in taken.pieces]

    variances: list[Variance] = []
    reasons: list[Reason] = []
    if pairing.passed_over:
        reasons.append(
            explain.paired_with_open_quantity(
                line.id,
                po.display,
                (open_at_start or {}).get(po.id, ZERO),
                [po_by_id[x].display for x in pairing.passed_over],
            )
        )
    on_lines = taken.by_po_line()
    if len(on_lines) > 1:
        reasons.append(
            explain.split_across_po_lines(
                line.id, [(po_by_id[x].display, q, po_by_id[x].unit_price) for x, q in on_lines.items()]
            )
        )
    if line.quantity > matched:
        _check_quantity(line, matched, facts, taken_before, po, document, policy, variances, reasons)
    parts = _parts(line, po, on_lines, po_by_id)
    if document.currency != po.currency:
        reasons.append(explain.currency_mismatch(line.id, document.currency, po.currency, po.display))
    else:
        _check_price_and_amount(
            line, parts, on_lines, po_by_id, document.currency, policy, variances, reasons, stated=stated
        )
    for part, _ in parts:  # each part against its own PO line's rate
        if line.tax_rate != part.tax_rate:
            reasons.append(explain.tax_rate_mismatch(line.id, line.tax_rate, part.tax_rate, part.display))
    _check_tax(line, policy, variances, reasons)

    result = LineResult(
        invoice_line_id=line.id,
        po_line_id=po.id,
        paired_by=pairing.paired_by,
        match_type=MatchType.TWO_WAY if facts.two_way else MatchType.THREE_WAY,
        invoiced_quantity=line.quantity,
        matched_quantity=matched,
        variances=tuple(variances),
        reasons=tuple(reasons),
        verdict=worst([reason.severity for reason in reasons]),
    )
    return result, allocations


def _check_quantity(
    line: InvoiceLine,
    matched: Decimal,
    facts: PoLineFacts,
    taken_before: Decimal,
    po: PoLine,
    document: Invoice,
    policy: TolerancePolicy,
    variances: list[Variance],
    reasons: list[Reason],
) -> None:
    missing = line.quantity - matched
    variances.append(_variance("quantity", line.quantity, matched))
    code, situation = _quantity_situation(line.quantity, matched, facts, taken_before, po, document)
    limit_check = check(missing, matched, policy.quantity) if matched > 0 else None
    reasons.append(
        explain.quantity_shortfall(
            code=code,
            line_id=line.id,
            invoiced=line.quantity,
            matched=matched,
            situation=situation,
            check=limit_check,
            policy=policy,
        )
    )


def _quantity_situation(
    invoiced: Decimal,
    matched: Decimal,
    facts: PoLineFacts,
    taken_before: Decimal,
    po: PoLine,
    document: Invoice,
) -> tuple[ReasonCode, dict]:
    """The reason code for a shortfall and a sentence (a text) with the figures behind it."""
    q = explain.quantity
    part = explain.quantity_part
    left = part("left", matched=q(matched), missing=q(invoiced - matched))
    by_siblings = part("by_siblings", quantity=q(taken_before)) if taken_before else ""
    if document.is_credit_note:
        if document.original_invoice_id is None:
            return (
                ReasonCode.CREDIT_NOTE_WITHOUT_ORIGINAL,
                explain.quantity_situation(
                    "credit_without_original", invoiced=q(invoiced), po_line=po.display
                ),
            )
        return (
            ReasonCode.CREDIT_EXCEEDS_INVOICED,
            explain.quantity_situation(
                "credit_exceeds",
                invoiced=q(invoiced),
                original=str(document.original_invoice_id),
                po_line=po.display,
                claimed=q(facts.earlier),
                by_siblings=by_siblings,
                left=left,
            ),
        )
    already = part("already", quantity=q(facts.earlier)) if facts.earlier else ""
    if facts.two_way:
        code = (
            ReasonCode.QUANTITY_NOT_ORDERED
            if invoiced + taken_before > facts.ordered
            else ReasonCode.QUANTITY_ALREADY_INVOICED
        )
        return code, explain.quantity_situation(
            "two_way",
            invoiced=q(invoiced),
            po_line=po.display,
            ordered=q(facts.ordered),
            already=already,
            by_siblings=by_siblings,
            left=left,
        )
    code = (
        ReasonCode.QUANTITY_NOT_RECEIVED
        if invoiced + taken_before > facts.received
        else ReasonCode.QUANTITY_ALREADY_INVOICED
    )
    if facts.returned:
        received = part(
            "received_returned",
            received=q(facts.received),
            accepted=q(facts.accepted),
            returned=q(facts.returned),
        )
    else:
        received = part("received", received=q(facts.received))
    return code, explain.quantity_situation(
        "three_way",
        invoiced=q(invoiced),
        po_line=po.display,
        received=received,
        already=already,
        by_siblings=by_siblings,
        left=left,
    )


def _allocated_by_po_line(pieces: Iterable[tuple[str, str | None, Decimal]]) -> dict[str, Decimal]:
    """Quantity allocated per PO line, in the order the PO lines were first taken from."""
    on_lines: dict[str, Decimal] = {}
    for po_id, _, q in pieces:
        on_lines[po_id] = on_lines.get(po_id, ZERO) + q
    return on_lines


def _parts(
    line: InvoiceLine, po: PoLine, on_lines: dict[str, Decimal], po_by_id: dict[str, PoLine]
) -> list[tuple[PoLine, Decimal]]:
    """The line's quantity per PO line it is judged against: what was allocated on each, with what
    could not be allocated counted on the paired PO line. One part when nothing spilled."""
    if len(on_lines) <= 1:
        return [(po, line.quantity)]
    spilled = [(po_by_id[x], q) for x, q in on_lines.items() if x != po.id]
    return [(po, line.quantity - sum((q for _, q in spilled), ZERO)), *spilled]


def _check_price_and_amount(
    line: InvoiceLine,
    parts: list[tuple[PoLine, Decimal]],
    on_lines: dict[str, Decimal],
    po_by_id: dict[str, PoLine],
    currency: str,
    policy: TolerancePolicy,
    variances: list[Variance],
    reasons: list[Reason],
    *,
    stated: bool = False,
) -> None:
    """Price and amount of a line, each part against its own PO line's price (one part, the paired PO
    line, unless the line was spread across several PO lines of the same item)."""
    assert line.unit_price is not None
    allowance = policy.tax_rounding_per_line
    nets = [q2(q * part.unit_price) for part, q in parts]
    expected_net = sum(nets, ZERO)
    net_difference = line.amount - expected_net
    # the tax the PO prices give matters only to a split, and there is none without a net difference
    split = (
        net_difference != 0
        and all(line.tax_rate == part.tax_rate for part, _ in parts)
        and _is_rounding_split(
            net_difference,
            line.tax_amount - (expected_tax := _expected_tax(nets, parts)),
            allowance,
        )
    )
    # the line amount is what the PO price gives (or differs only by tax rounding): no price variance
    price_explained = net_difference == 0 or split
    if split:
        variances.append(_variance("amount_rounding", line.amount, expected_net))
        reasons.append(
            explain.net_tax_split(
                line_id=line.id,
                net=line.amount,
                tax=line.tax_amount,
                expected_net=expected_net,
                expected_tax=expected_tax,
                allowance=allowance,
                per="line",
            )
        )
    for part, quantity in parts:
        # a unit price the document states is always compared: a line amount that happens to equal
        # quantity x PO price does not make a stated 50.00 right against a PO price of 0.50. Only a
        # stated price whose quantity x price differs from quantity x PO price by no more than the
        # rounding allowance is rounding, not a price variance.
        if line.unit_price == part.unit_price:
            continue
        stated_differs = (
            stated and abs(q2(quantity * line.unit_price) - q2(quantity * part.unit_price)) > allowance
        )
        if stated_differs or not price_explained:
            variances.append(_variance("unit_price", line.unit_price, part.unit_price))
            limit_check = check(line.unit_price - part.unit_price, part.unit_price, policy.unit_price)
            reasons.append(
                explain.price_variance(
                    line.id, limit_check, line.unit_price, part.unit_price, part.display, currency, policy
                )
            )
    matched = sum(on_lines.values(), ZERO)
    if matched == 0 or (matched == line.quantity and price_explained):
        return
    priced = [(q, po_by_id[x].unit_price) for x, q in on_lines.items()]
    matched_value = sum((q2(q * p) for q, p in priced), ZERO)
    if line.amount != matched_value:
        variances.append(_variance("line_amount", line.amount, matched_value))
        limit_check = check(line.amount - matched_value, matched_value, policy.line_amount)
        reasons.append(explain.amount_variance(line.id, limit_check, line.amount, priced, currency, policy))


def _expected_tax(nets: list[Decimal], parts: list[tuple[PoLine, Decimal]]) -> Decimal:
    """The tax of a line's parts at their PO lines' rates, each part's net ``q2(quantity x price)``."""
    return sum((q2(net * part.tax_rate) for net, (part, _) in zip(nets, parts, strict=True)), ZERO)


def _check_tax(
    line: InvoiceLine, policy: TolerancePolicy, variances: list[Variance], reasons: list[Reason]
) -> None:
    expected = q2(line.amount * line.tax_rate)
    if line.tax_amount == expected:
        return
    allowance = policy.tax_rounding_per_line
    within = abs(line.tax_amount - expected) <= allowance
    variances.append(_variance("tax_rounding" if within else "tax", line.tax_amount, expected))
    already_explained = any(r.code is ReasonCode.TAX_ROUNDING_WITHIN_ALLOWANCE for r in reasons)
    if not (within and already_explained):
        reasons.append(explain.tax_amount(line.id, line.tax_amount, line.amount, line.tax_rate, allowance))


# -------------------------------------------------------------------------------------- the document


def _check_document(
    document: Invoice,
    lines: Sequence[InvoiceLine],
    allocated: Sequence[dict[str, Decimal]],
    po_by_id: dict[str, PoLine],
    policy: TolerancePolicy,
) -> tuple[list[Variance], list[Reason]]:
    variances: list[Variance] = []
    reasons: list[Reason] = []
    if document.is_credit_note and document.original_invoice_id is None:
        reasons.append(explain.credit_note_without_original())
    if not lines:
        reasons.append(explain.no_lines())

    line_sum = sum((line.amount for line in lines), ZERO)
    if line_sum != document.net_total:
        reasons.append(explain.lines_do_not_add_up(document.net_total, line_sum))

    allowance = policy.tax_rounding_per_invoice
    expected_tax = sum((q2(line.amount * line.tax_rate) for line in lines), ZERO)
    tax_reason = None
    if document.tax_total != expected_tax:
        tax_reason = explain.tax_total(document.tax_total, expected_tax, allowance)
        within = tax_reason.code is ReasonCode.TAX_TOTAL_ROUNDING_WITHIN_ALLOWANCE
        variances.append(
            _variance("tax_total_rounding" if within else "tax_total", document.tax_total, expected_tax)
        )

    matched_net = matched_tax = ZERO
    for on_lines in allocated:  # each line's matched quantity at its own PO lines' prices
        for po_id, quantity in on_lines.items():
            po = po_by_id[po_id]
            if po.currency != document.currency or quantity == 0:
                continue
            value = q2(quantity * po.unit_price)
            matched_net += value
            matched_tax += q2(value * po.tax_rate)
    difference = document.net_total - matched_net
    split_reason = None
    if _is_rounding_split(difference, document.tax_total - matched_tax, allowance):
        variances.append(_variance("invoice_total_rounding", document.net_total, matched_net))
        split_reason = explain.net_tax_split(
            line_id=None,
            net=document.net_total,
            tax=document.tax_total,
            expected_net=matched_net,
            expected_tax=matched_tax,
            allowance=allowance,
            per="invoice",
        )
    elif difference != 0:
        variances.append(_variance("invoice_total", document.net_total, matched_net))
        limit_check = check(difference, matched_net, policy.invoice_total)
        reasons.append(explain.invoice_total(limit_check, document.net_total, document.currency, policy))
    if split_reason is not None and tax_reason is not None and tax_reason.severity is not Verdict.EXCEPTION:
        tax_reason = None  # the split already explains the tax rounding
    reasons.extend(reason for reason in (tax_reason, split_reason) if reason is not None)
    return variances, reasons


# ------------------------------------------------------------------------------------------- helpers


def _is_rounding_split(net_difference: Decimal, tax_difference: Decimal, allowance: Decimal) -> bool:
    """True when net and tax moved in opposite directions, each and together by at most ``allowance``."""
    if net_difference == 0 or tax_difference == 0 or (net_difference > 0) == (tax_difference > 0):
        return False
    return abs(net_difference) <= allowance and abs(net_difference + tax_difference) <= allowance


def _variance(kind: str, invoiced: Decimal, expected: Decimal) -> Variance:
    difference = invoiced - expected
    percent = None if expected == 0 else q2(difference * 100 / abs(expected))
    return Variance(kind, invoiced, expected, difference, percent)
