"""Supplier scorecard per supplier and month: a pure function over plain event records.

No Django: procurement and invoicing turn their rows into these events; months without any
event of a measure are left out (not scored as zero).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class DeliveryEvent:
    """A goods receipt line against a PO line with a promised date."""

    supplier_id: int
    received_on: date
    promised_on: date
    quantity_received: Decimal
    quantity_rejected: Decimal = Decimal("0")


@dataclass(frozen=True)
class InvoiceMatchEvent:
    """An invoice's first matching attempt: did it match without an exception?"""

    supplier_id: int
    matched_on: date
    first_pass: bool


@dataclass(frozen=True)
class AcknowledgementEvent:
    """A purchase order sent to the supplier and (maybe) acknowledged."""

    supplier_id: int
    sent_at: datetime
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class Scorecard:
    supplier_id: int
    month: str  # "YYYY-MM"
    deliveries: int
    on_time_rate: Decimal | None  # share of deliveries received on or before the promised date
    quality_rate: Decimal | None  # 1 - rejected quantity / received quantity
    invoices: int
    first_pass_match_rate: Decimal | None
    acknowledgements: int
    avg_ack_hours: Decimal | None  # mean hours from sending to acknowledgement (acknowledged POs)
    unacknowledged: int


_RATE = Decimal("0.0001")
_HOURS = Decimal("0.1")


def _q(value: Decimal, step: Decimal) -> Decimal:
    return value.quantize(step, rounding=ROUND_HALF_UP)


def _month(d: date | datetime) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def compute_scorecards(
    deliveries: list[DeliveryEvent] = (),
    invoices: list[InvoiceMatchEvent] = (),
    acknowledgements: list[AcknowledgementEvent] = (),
) -> list[Scorecard]:
    """One Scorecard per (supplier, month) that has at least one event, sorted by supplier, month."""
    buckets: dict[tuple[int, str], dict[str, list]] = defaultdict(lambda: {"d": [], "i": [], "a": []})
    for e in deliveries:
        buckets[(e.supplier_id, _month(e.received_on))]["d"].append(e)
    for e in invoices:
        buckets[(e.supplier_id, _month(e.matched_on))]["i"].append(e)
    for e in acknowledgements:
        buckets[(e.supplier_id, _month(e.sent_at))]["a"].append(e)
    cards = []
    for (supplier_id, month), b in sorted(buckets.items()):
        ds, inv, acks = b["d"], b["i"], b["a"]
        on_time = (
            _q(Decimal(sum(1 for e in ds if e.received_on <= e.promised_on)) / len(ds), _RATE) if ds else None
        )
        received = sum((e.quantity_received for e in ds), Decimal("0"))
        rejected = sum((e.quantity_rejected for e in ds), Decimal("0"))
        quality = _q(1 - rejected / received, _RATE) if received > 0 else None
        first_pass = _q(Decimal(sum(1 for e in inv if e.first_pass)) / len(inv), _RATE) if inv else None
        done = [e for e in acks if e.acknowledged_at is not None]
        avg_hours = (
            _q(
                Decimal(sum((e.acknowledged_at - e.sent_at).total_seconds() for e in done))
                / len(done)
                / 3600,
                _HOURS,
            )
            if done
            else None
        )
        cards.append(
            Scorecard(
                supplier_id=supplier_id,
                month=month,
                deliveries=len(ds),
                on_time_rate=on_time,
                quality_rate=quality,
                invoices=len(inv),
                first_pass_match_rate=first_pass,
                acknowledgements=len(acks),
                avg_ack_hours=avg_hours,
                unacknowledged=len(acks) - len(done),
            )
        )
    return cards
