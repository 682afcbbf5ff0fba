"""How much of its tolerance limit a stored match variance used (pure: no database).

A variance (``invoiced - expected``, as the engine stores it) of kind ``unit_price``,
``line_amount``, ``invoice_total`` or ``quantity`` was judged against that measure's limit on the
side it falls on (``settlement.matching.tolerance.check``): within only if within **both** halves,
the percent of the expected value and the absolute amount. The share of the limit used is therefore
the larger of the two halves' shares: 0.85 is 85 % of the limit (within), 1.1 is 10 % over it.
A half of 0 (no difference allowed), or a percent half when nothing was expected, is broken by any
difference: the share is infinite. A side with no limit at all gives None (nothing to come close to).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from settlement.matching import ReasonCode, Tolerance, TolerancePolicy

INFINITE = Decimal("Infinity")
MEASURES = ("unit_price", "line_amount", "invoice_total", "quantity")
# Exception reasons that come from a limit check: an exception with only these is one a wider limit
# could have let through.
LIMIT_CODES = frozenset(
    {
        ReasonCode.PRICE_ABOVE_TOLERANCE,
        ReasonCode.PRICE_BELOW_TOLERANCE,
        ReasonCode.AMOUNT_ABOVE_TOLERANCE,
        ReasonCode.AMOUNT_BELOW_TOLERANCE,
        ReasonCode.INVOICE_TOTAL_ABOVE_TOLERANCE,
        ReasonCode.INVOICE_TOTAL_BELOW_TOLERANCE,
        ReasonCode.QUANTITY_NOT_RECEIVED,
        ReasonCode.QUANTITY_NOT_ORDERED,
        ReasonCode.QUANTITY_ALREADY_INVOICED,
    }
)


def _number(value) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


@dataclass(frozen=True)
class LimitUse:
    """One variance and the share of its limit it used."""

    kind: str
    line_id: str | None
    difference: Decimal
    expected: Decimal
    above: bool
    percent_limit: Decimal | None
    absolute_limit: Decimal | None
    share: Decimal  # 1 = exactly at the limit; INFINITE = any difference breaks it

    @property
    def share_percent(self) -> Decimal | None:
        return None if self.share == INFINITE else (self.share * 100).quantize(Decimal("0.1"))


def limit_use(variance: dict, tolerance: Tolerance, *, line_id: str | None = None) -> LimitUse | None:
    """The share of the limit ``variance`` used, or None when it has no limit on its side or no
    difference."""
    difference, expected = _number(variance.get("difference")), _number(variance.get("expected"))
    if difference is None or expected is None or difference == 0:
        return None
    above = difference > 0
    limit = tolerance.upper if above else tolerance.lower
    if limit.percent is None and limit.absolute is None:
        return None
    size = abs(difference)
    shares = []
    if variance.get("kind") == "quantity" and expected == 0:
        shares.append(INFINITE)  # nothing was matched: the engine judged no limit, it is out
    if limit.absolute is not None:
        shares.append(INFINITE if limit.absolute == 0 else size / limit.absolute)
    if limit.percent is not None:
        if expected == 0 or limit.percent == 0:
            shares.append(INFINITE)
        else:
            shares.append(size * 100 / abs(expected) / limit.percent)
    return LimitUse(
        kind=str(variance.get("kind")),
        line_id=line_id,
        difference=difference,
        expected=expected,
        above=above,
        percent_limit=limit.percent,
        absolute_limit=limit.absolute,
        share=max(shares),
    )


def limit_uses(explanation: dict, policy: TolerancePolicy) -> list[LimitUse]:
    """Every judged variance of a stored explanation (lines and invoice) with its share."""
    uses = []
    items = [
        (line.get("invoice_line_id"), v)
        for line in explanation.get("lines", [])
        for v in line.get("variances", [])
    ]
    items += [(None, v) for v in explanation.get("variances", [])]
    for line_id, variance in items:
        kind = variance.get("kind")
        if kind not in MEASURES:
            continue
        use = limit_use(variance, getattr(policy, kind), line_id=line_id)
        if use is not None:
            uses.append(use)
    return uses


def exception_codes(explanation: dict) -> set[str]:
    reasons = [r for line in explanation.get("lines", []) for r in line.get("reasons", [])]
    reasons += explanation.get("reasons", [])
    return {str(r.get("code")) for r in reasons if r.get("severity") == "exception"}


def near_miss(
    verdict: str, explanation: dict, policy: TolerancePolicy, *, near: Decimal, over: Decimal
) -> LimitUse | None:
    """The variance that makes this result a near miss, or None:

    * matched within tolerance, and its closest variance used at least ``near`` of its limit;
    * an exception only for limits, whose worst variance is over its limit by at most ``over``
      (a share in (1, over]): a slightly wider limit would have let it through.
    """
    uses = limit_uses(explanation, policy)
    if not uses:
        return None
    closest = max(uses, key=lambda u: u.share)
    if verdict == "matched_within_tolerance":
        return closest if near <= closest.share <= 1 else None
    if verdict == "exception" and exception_codes(explanation) <= LIMIT_CODES:
        return closest if 1 < closest.share <= over else None
    return None
