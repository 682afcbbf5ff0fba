"""Tolerance policies as plain data, the limit check, and picking the policy that applies.

How a limit is read
-------------------
A :class:`Limit` has a ``percent`` (``Decimal("2")`` means 2 %) and an ``absolute`` amount (currency
for unit price, line amount and invoice total; units of the item for quantity). **A difference is
within the limit only if it is within BOTH**: at most ``percent`` of the expected value AND at most
``absolute``. This is the stricter reading (the one SAP's tolerance keys use): the percentage guards
cheap items, the absolute amount guards expensive ones. ``None`` switches that half of the check off;
a limit with both halves ``None`` accepts any difference in its direction. The default, ``0`` and
``0``, accepts no difference at all.

A :class:`Tolerance` has a ``lower`` limit (invoice below what was expected) and an ``upper`` one
(invoice above). Percentages are taken of the expected value; when that is zero, any difference
breaks a percentage limit.

Tax rounding is not a tolerance: :class:`TolerancePolicy` carries separate small allowances
(``tax_rounding_per_line``, ``tax_rounding_per_invoice``) and differences within them are reported as
tax rounding, never as price or amount variances.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from core.money import as_decimal as to_decimal

from .ordering import natural_key

ZERO = Decimal(0)


class Direction(StrEnum):
    ABOVE = "above"
    BELOW = "below"


@dataclass(frozen=True)
class Limit:
    """How far one side may go: within only if within both ``percent`` and ``absolute``."""

    percent: Decimal | None = ZERO
    absolute: Decimal | None = ZERO

    def __post_init__(self) -> None:
        for name in ("percent", "absolute"):
            value = getattr(self, name)
            if value is None:
                continue
            value = to_decimal(value)
            if value < 0:
                raise ValueError(f"a tolerance limit cannot be negative ({name}={value})")
            object.__setattr__(self, name, value)

    def allows(self, difference: Decimal, expected: Decimal) -> bool:
        size = abs(difference)
        if size == 0:
            return True
        within_percent = self.percent is None or (
            expected != 0 and size * 100 <= self.percent * abs(expected)
        )
        within_absolute = self.absolute is None or size <= self.absolute
        return within_percent and within_absolute


UNLIMITED = Limit(percent=None, absolute=None)


@dataclass(frozen=True)
class Tolerance:
    """Limits below (``lower``) and above (``upper``) the expected value."""

    lower: Limit = field(default_factory=Limit)
    upper: Limit = field(default_factory=Limit)

    @classmethod
    def symmetric(cls, percent: Decimal | str | None, absolute: Decimal | str | None) -> Tolerance:
        limit = Limit(percent=percent, absolute=absolute)
        return cls(lower=limit, upper=limit)

    def limit(self, direction: Direction) -> Limit:
        return self.upper if direction is Direction.ABOVE else self.lower


@dataclass(frozen=True)
class LimitCheck:
    """The outcome of comparing one difference with one tolerance."""

    difference: Decimal
    expected: Decimal
    direction: Direction
    limit: Limit
    within: bool

    @property
    def percent(self) -> Decimal | None:
        """The difference as a percentage of the expected value (``None`` when that is zero)."""
        return percent_of(self.difference, self.expected)


def percent_of(difference: Decimal, expected: Decimal) -> Decimal | None:
    if expected == 0:
        return None
    return abs(difference) * 100 / abs(expected)


def check(difference: Decimal, expected: Decimal, tolerance: Tolerance) -> LimitCheck:
    """Check ``difference`` (invoiced minus expected) against the side of ``tolerance`` it falls on."""
    direction = Direction.ABOVE if difference > 0 else Direction.BELOW
    limit = tolerance.limit(direction)
    return LimitCheck(difference, expected, direction, limit, limit.allows(difference, expected))


@dataclass(frozen=True)
class TolerancePolicy:
    """A versioned tolerance policy and the scope it applies to.

    Scope: a policy applies when each of ``legal_entity_id``, ``supplier_id`` and ``item_category``
    is either ``None`` (any) or equal to the one asked for, and the date lies in
    ``effective_from``..``effective_to`` (both inclusive, ``None`` = open).
    """

    version: str
    unit_price: Tolerance = field(default_factory=Tolerance)
    quantity: Tolerance = field(default_factory=Tolerance)
    line_amount: Tolerance = field(default_factory=Tolerance)
    invoice_total: Tolerance = field(default_factory=Tolerance)
    tax_rounding_per_line: Decimal = Decimal("0.01")
    tax_rounding_per_invoice: Decimal = Decimal("0.06")
    legal_entity_id: str | None = None
    supplier_id: str | None = None
    item_category: str | None = None
    effective_from: date | None = None
    effective_to: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "version", str(self.version))
        for name in ("tax_rounding_per_line", "tax_rounding_per_invoice"):
            value = to_decimal(getattr(self, name))
            if value < 0:
                raise ValueError(f"{name} cannot be negative")
            object.__setattr__(self, name, value)
        for name in ("legal_entity_id", "supplier_id", "item_category"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                object.__setattr__(self, name, str(value))
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from")

    def applies_to(
        self,
        *,
        legal_entity_id: str | None,
        supplier_id: str | None,
        item_category: str | None,
        on_date: date,
    ) -> bool:
        scope = (
            (self.legal_entity_id, legal_entity_id),
            (self.supplier_id, supplier_id),
            (self.item_category, item_category),
        )
        if any(mine is not None and mine != _text(asked) for mine, asked in scope):
            return False
        if self.effective_from is not None and on_date < self.effective_from:
            return False
        return self.effective_to is None or on_date <= self.effective_to

    @property
    def specificity(self) -> tuple[bool, bool, bool]:
        """Item category outranks supplier, which outranks legal entity, which outranks global."""
        return (
            self.item_category is not None,
            self.supplier_id is not None,
            self.legal_entity_id is not None,
        )


class PolicyNotFound(LookupError):
    pass


def resolve_policy(
    policies: Iterable[TolerancePolicy],
    *,
    legal_entity_id: str | None,
    supplier_id: str | None,
    item_category: str | None,
    on_date: date,
) -> TolerancePolicy:
    """Pick the most specific policy in effect on ``on_date``.

    Scopes rank global < legal entity < supplier < item category (a policy naming several is more
    specific than one naming only the highest of them). Among equally specific policies in effect the
    one that took effect last wins, then the highest version id, so the answer never depends on the
    order of ``policies``. Raises :class:`PolicyNotFound` when none applies.
    """
    candidates = [
        policy
        for policy in policies
        if policy.applies_to(
            legal_entity_id=legal_entity_id,
            supplier_id=supplier_id,
            item_category=item_category,
            on_date=on_date,
        )
    ]
    if not candidates:
        raise PolicyNotFound(
            f"no tolerance policy in effect on {on_date.isoformat()} for legal entity {legal_entity_id}, "
            f"supplier {supplier_id}, item category {item_category}"
        )
    return max(
        candidates,
        key=lambda p: (p.specificity, p.effective_from or date.min, natural_key(p.version)),
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)
