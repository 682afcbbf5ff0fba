"""Supplier scorecard: pure functions over plain event records.

No Django: procurement and invoicing turn their rows into these events (suppliers is a lower app
and never reads them itself). ``compute_scorecards`` gives one card per supplier and month (months
without any event of a measure are left out, not scored as zero); ``supplier_score`` folds the
events of a period into one 0–100 score, as shown next to each quote in the RFQ comparison.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class DeliveryEvent:
    """A goods receipt line against a PO line: what arrived (accepted + rejected at the dock) and
    the date the supplier promised (None: never promised, so punctuality is not measured)."""

    supplier_id: int
    received_on: date
    promised_on: date | None
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
    """A purchase order sent to the supplier and (maybe) answered: ``acknowledged_at`` is when
    the supplier acknowledged (or rejected) it, None while it waits."""

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


def _on_time_rate(deliveries) -> Decimal | None:
    judged = [e for e in deliveries if e.promised_on is not None]
    if not judged:
        return None
    return _q(Decimal(sum(1 for e in judged if e.received_on <= e.promised_on)) / len(judged), _RATE)


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
        on_time = _on_time_rate(ds)
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


# --------------------------------------------------------------------------------------------
# One score per supplier over a period (RFQ comparison)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnEvent:
    """Accepted goods sent back to the supplier later (a return against a PO line)."""

    supplier_id: int
    returned_on: date
    quantity: Decimal


@dataclass(frozen=True)
class SupplierScore:
    supplier_id: int
    score: Decimal | None  # 0–100 (one decimal), None without any measurable event
    deliveries: int
    on_time_rate: Decimal | None  # deliveries on or before the promised date / judged deliveries
    quality_rate: Decimal | None  # 1 - (rejected + returned) / delivered quantity
    acknowledgements: int  # purchase orders sent in the period
    avg_ack_hours: Decimal | None  # mean hours from sending to the supplier's answer
    ack_speed: Decimal | None  # 0–1: 1 within ACK_TARGET_HOURS, 0 at ACK_LIMIT_HOURS or later
    unacknowledged: int  # still waiting for an answer


# The weights of the three measures; a measure without data is left out and the others are
# re-weighted, so a supplier is never punished for having no history.
SCORE_WEIGHTS = {"on_time": Decimal("0.4"), "quality": Decimal("0.4"), "ack_speed": Decimal("0.2")}
ACK_TARGET_HOURS = Decimal("24")
ACK_LIMIT_HOURS = Decimal("120")
_SCORE = Decimal("0.1")


def _ack_speed(hours: Decimal) -> Decimal:
    if hours <= ACK_TARGET_HOURS:
        return Decimal("1")
    if hours >= ACK_LIMIT_HOURS:
        return Decimal("0")
    return (ACK_LIMIT_HOURS - hours) / (ACK_LIMIT_HOURS - ACK_TARGET_HOURS)


def _hours(delta) -> Decimal:
    return Decimal(str(delta.total_seconds())) / 3600


def supplier_score(
    supplier_id: int,
    *,
    as_of: datetime,
    deliveries: list[DeliveryEvent] = (),
    returns: list[ReturnEvent] = (),
    acknowledgements: list[AcknowledgementEvent] = (),
) -> SupplierScore:
    """Score one supplier from the events of a period (events of other suppliers are ignored).

    - on time: share of deliveries with a promised date that arrived on or before it;
    - quality: 1 - (rejected at the dock + returned later) / delivered quantity (never below 0);
    - acknowledgement speed: per sent PO, 1 when answered within ``ACK_TARGET_HOURS``, falling
      linearly to 0 at ``ACK_LIMIT_HOURS``; a PO still unanswered counts 0 once it has waited
      ``ACK_LIMIT_HOURS`` at ``as_of`` and is left out before that.

    ``score`` = 100 × the weighted mean (``SCORE_WEIGHTS``) of the measures that have data.
    """
    ds = [e for e in deliveries if e.supplier_id == supplier_id]
    rs = [e for e in returns if e.supplier_id == supplier_id]
    acks = [e for e in acknowledgements if e.supplier_id == supplier_id]

    on_time = _on_time_rate(ds)
    delivered = sum((Decimal(e.quantity_received) for e in ds), Decimal("0"))
    bad = sum((Decimal(e.quantity_rejected) for e in ds), Decimal("0")) + sum(
        (Decimal(e.quantity) for e in rs), Decimal("0")
    )
    quality = _q(max(Decimal("0"), 1 - bad / delivered), _RATE) if delivered > 0 else None

    answered = [e for e in acks if e.acknowledged_at is not None]
    speeds = [_ack_speed(_hours(e.acknowledged_at - e.sent_at)) for e in answered]
    overdue = [e for e in acks if e.acknowledged_at is None and _hours(as_of - e.sent_at) >= ACK_LIMIT_HOURS]
    speeds += [Decimal("0")] * len(overdue)
    ack_speed = _q(sum(speeds, Decimal("0")) / len(speeds), _RATE) if speeds else None
    avg_hours = (
        _q(
            sum((_hours(e.acknowledged_at - e.sent_at) for e in answered), Decimal("0")) / len(answered),
            _HOURS,
        )
        if answered
        else None
    )

    measures = {"on_time": on_time, "quality": quality, "ack_speed": ack_speed}
    weighted = [(SCORE_WEIGHTS[k], v) for k, v in measures.items() if v is not None]
    score = None
    if weighted:
        total_weight = sum((w for w, _ in weighted), Decimal("0"))
        score = _q(100 * sum((w * v for w, v in weighted), Decimal("0")) / total_weight, _SCORE)
    return SupplierScore(
        supplier_id=supplier_id,
        score=score,
        deliveries=len(ds),
        on_time_rate=on_time,
        quality_rate=quality,
        acknowledgements=len(acks),
        avg_ack_hours=avg_hours,
        ack_speed=ack_speed,
        unacknowledged=len(acks) - len(answered),
    )
