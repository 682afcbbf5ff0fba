"""Budget arithmetic (pure: no Django). Amounts are net (excluding VAT), Decimal, 2 places.

A cost centre's budget for one period is used up in three ways:

* ``pending``   – submitted requisitions waiting for approval (reserved),
* ``committed`` – approved demand not yet received: approved lines not yet ordered, plus the
                  open (not yet received) value of the purchase-order lines they became,
* ``spent``     – the received value of those purchase-order lines.

Submitting checks the new total against what is left after pending, committed and spent;
approving checks against what is left after committed and spent only (the requisition's own
reservation and other requesters' pending ones do not block a decision).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.money import q2

REFUSE = "refuse"
ESCALATE = "escalate"
POLICIES = (REFUSE, ESCALATE)

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class BudgetPosition:
    amount: Decimal
    pending: Decimal = ZERO
    committed: Decimal = ZERO
    spent: Decimal = ZERO

    @property
    def available(self) -> Decimal:
        """What is left for new submissions."""
        return q2(self.amount - self.pending - self.committed - self.spent)

    @property
    def available_for_approval(self) -> Decimal:
        """What is left for approving a submitted requisition (pending reservations do not count)."""
        return q2(self.amount - self.committed - self.spent)


@dataclass(frozen=True)
class BudgetVerdict:
    action: str  # "ok" | "refuse" | "escalate"
    requested: Decimal
    available: Decimal

    @property
    def over_by(self) -> Decimal:
        return max(q2(self.requested - self.available), ZERO)

    @property
    def ok(self) -> bool:
        return self.action == "ok"


def check(*, requested: Decimal, available: Decimal, policy: str) -> BudgetVerdict:
    """``requested`` fits in ``available``, or the policy says what happens to an overrun."""
    if policy not in POLICIES:
        raise ValueError(f"unknown budget overrun policy {policy!r} (expected one of {POLICIES})")
    requested, available = q2(requested), q2(available)
    if requested <= available:
        return BudgetVerdict("ok", requested, available)
    return BudgetVerdict(policy, requested, available)


@dataclass(frozen=True)
class OrderedLine:
    """A requisition line that became a purchase-order line."""

    ordered_net: Decimal  # quantity × PO unit price
    received_qty: Decimal
    quantity: Decimal
    unit_price: Decimal
    po_open: bool  # False when the PO is cancelled or closed (the rest is released)
    po_cancelled: bool = False


def ordered_line_usage(line: OrderedLine) -> tuple[Decimal, Decimal]:
    """(committed, spent) of one ordered line."""
    if line.po_cancelled:
        return ZERO, ZERO
    spent = q2(Decimal(line.received_qty) * Decimal(line.unit_price))
    if not line.po_open:
        return ZERO, spent
    return max(q2(line.ordered_net - spent), ZERO), spent
