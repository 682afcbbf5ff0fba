"""Reads of the purchase-order collaboration with the supplier: how far each line has been
announced (shipping notices), received, rejected and returned; the change proposals of a PO.
Callers pass a PO the user has already been allowed to see (``selectors.purchase_order_get``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum

from .models import GoodsReceiptLine, POChangeProposal, PurchaseOrder, ShippingNotice, ShippingNoticeLine

ZERO = Decimal("0")


@dataclass(frozen=True)
class LineProgress:
    """One PO line: ``noticed`` in shipping notices, ``accepted`` / ``rejected`` at receipts,
    ``returned`` later, ``received`` (accepted − returned, the line's ``received_qty``).

    Goods sent back (rejected at the dock or returned) may be shipped again, so what is still
    covered by a notice is ``noticed − rejected − returned``. ``limit`` is the ordered quantity
    plus the legal entity's over-receipt tolerance (the most that may be received);
    ``shippable`` what a new notice may still announce; ``expected`` what is announced and not
    yet at the dock (the receipt form's suggestion)."""

    ordered: Decimal
    limit: Decimal
    noticed: Decimal
    accepted: Decimal
    rejected: Decimal
    returned: Decimal
    received: Decimal

    @property
    def covered(self) -> Decimal:
        return max(self.noticed - self.rejected - self.returned, self.received, ZERO)

    @property
    def shippable(self) -> Decimal:
        return max(self.limit - self.covered, ZERO)

    @property
    def expected(self) -> Decimal:
        return min(
            max(self.noticed - self.accepted - self.rejected, ZERO), max(self.limit - self.received, ZERO)
        )


def line_progress(po: PurchaseOrder) -> dict[int, LineProgress]:
    """PO line id → its LineProgress."""
    from core.money import q6

    tolerance = Decimal(po.legal_entity.over_receipt_tolerance or 0)
    noticed = dict(
        ShippingNoticeLine.objects.filter(notice__po=po)
        .values("po_line")
        .order_by()
        .annotate(total=Sum("quantity"))
        .values_list("po_line", "total")
    )
    received = {
        row["po_line"]: row
        for row in GoodsReceiptLine.objects.filter(po_line__po=po)
        .values("po_line")
        .order_by()
        .annotate(a=Sum("accepted_qty"), r=Sum("rejected_qty"), t=Sum("returned_qty"))
    }
    out = {}
    for line in po.lines.all():
        row = received.get(line.pk, {})
        ordered = Decimal(line.quantity)
        out[line.pk] = LineProgress(
            ordered=ordered,
            limit=q6(ordered * (1 + tolerance)),
            noticed=Decimal(noticed.get(line.pk) or 0),
            accepted=Decimal(row.get("a") or 0),
            rejected=Decimal(row.get("r") or 0),
            returned=Decimal(row.get("t") or 0),
            received=Decimal(line.received_qty),
        )
    return out


def shipping_notices_for_po(po: PurchaseOrder) -> QuerySet[ShippingNotice]:
    return po.shipping_notices.prefetch_related("lines__po_line").select_related("created_by")


def change_proposals_for_po(po: PurchaseOrder) -> QuerySet[POChangeProposal]:
    return po.change_proposals.prefetch_related("lines__po_line").select_related("proposed_by", "decided_by")
