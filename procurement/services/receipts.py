"""Goods receipts and returns against PO lines. The PO state follows the received quantities."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from core import bounds
from core.errors import DomainError, IllegalTransition
from core.money import q6
from core.services import run_transition

from ..models import (
    PO_RECEIVABLE,
    GoodsReceipt,
    GoodsReceiptLine,
    POState,
    PurchaseOrder,
    ReceiptKind,
)
from ._common import next_number, require_buyer, require_not_future, to_date, to_quantity


def _lock_with_lines(po: PurchaseOrder):
    po = PurchaseOrder.objects.select_for_update().select_related("legal_entity").get(pk=po.pk)
    lines = {line.pk: line for line in po.lines.select_for_update().order_by("line_no")}
    return po, lines


def _entries(lines_in, po_lines, po) -> list:
    if not lines_in:
        raise DomainError(gettext("A receipt needs at least one line."), code="no_lines")
    seen = set()
    out = []
    for entry in lines_in:
        line_id = int(entry.get("po_line_id") or 0)
        line = po_lines.get(line_id)
        if line is None:
            raise DomainError(
                gettext("Line %(line_id)s is not on %(number)s.") % {"line_id": line_id, "number": po.number},
                code="unknown_po_line",
            )
        if line_id in seen:
            raise DomainError(
                gettext("Line %(line_no)s appears twice.") % {"line_no": line.line_no}, code="duplicate_line"
            )
        seen.add(line_id)
        out.append((line, entry))
    return out


def _sync_state(po: PurchaseOrder, po_lines, *, actor, reason: str) -> PurchaseOrder:
    """received when every line is fully received, partially_received when anything is."""
    all_done = all(line.received_qty >= line.quantity for line in po_lines.values())
    any_received = any(line.received_qty > 0 for line in po_lines.values())
    if all_done and po.state != POState.RECEIVED:
        return run_transition(po, "receive_fully", actor=actor, reason=reason)
    if not all_done and po.state == POState.RECEIVED:
        return run_transition(po, "receive_partially", actor=actor, reason=reason)
    if not all_done and any_received and po.state == POState.ACKNOWLEDGED:
        return run_transition(po, "receive_partially", actor=actor, reason=reason)
    return po


def goods_receipt_create(
    *, po: PurchaseOrder, lines: list[dict], actor, receipt_date: date | None = None, note: str = ""
) -> GoodsReceipt:
    """Receive goods: ``lines`` = ``[{"po_line_id", "accepted_qty", "rejected_qty", "reason"}]``.

    Accepted quantities count as received; the total received per line may exceed the ordered
    quantity only by the legal entity's over-receipt tolerance."""
    require_buyer(actor, gettext("receive goods"))
    receipt_date = to_date(receipt_date, field="receipt_date")
    require_not_future(receipt_date, field="receipt_date")
    with transaction.atomic():
        po, po_lines = _lock_with_lines(po)  # concurrent receipts serialise here
        if po.state not in PO_RECEIVABLE:
            raise IllegalTransition(
                gettext("Goods cannot be received against %(number)s: it is %(state)s.")
                % {"number": po.number, "state": po.get_state_display()},
                code="po_not_receivable",
                details={"state": po.state},
            )
        tolerance = Decimal(po.legal_entity.over_receipt_tolerance or 0)
        entries = _entries(lines, po_lines, po)
        checked = []
        for line, entry in entries:
            accepted = to_quantity(entry.get("accepted_qty") or 0, field="accepted_qty", allow_zero=True)
            rejected = to_quantity(entry.get("rejected_qty") or 0, field="rejected_qty", allow_zero=True)
            if accepted + rejected == 0:
                raise DomainError(
                    gettext("Line %(line_no)s: nothing received.") % {"line_no": line.line_no},
                    code="invalid_quantity",
                )
            limit = q6(line.quantity * (1 + tolerance))
            if line.received_qty + accepted > limit:
                raise DomainError(
                    gettext(
                        "Line %(line_no)s: receiving %(accepted)s would bring the received quantity to %(value)s, above the ordered %(quantity)s plus the %(value2)s%% tolerance (%(limit)s)."
                    )
                    % {
                        "line_no": line.line_no,
                        "accepted": accepted,
                        "value": line.received_qty + accepted,
                        "quantity": line.quantity,
                        "value2": format(tolerance * 100, ".2f"),
                        "limit": limit,
                    },
                    code="over_receipt_tolerance",
                    details={"line_no": line.line_no, "limit": str(limit)},
                )
            checked.append((line, accepted, rejected, (entry.get("reason") or "")[:300]))
        receipt = GoodsReceipt.objects.create(
            number=next_number("GR"),
            po=po,
            kind=ReceiptKind.RECEIPT,
            receipt_date=bounds.date_not_future(receipt_date or timezone.localdate(), field="receipt_date"),
            received_by=actor,
            note=note,
        )
        for line, accepted, rejected, reason in checked:
            GoodsReceiptLine.objects.create(
                receipt=receipt, po_line=line, accepted_qty=accepted, rejected_qty=rejected, reason=reason
            )
            line.received_qty = line.received_qty + accepted
            line.save(update_fields=["received_qty"])
        _sync_state(po, po_lines, actor=actor, reason=receipt.number)
        return receipt


def goods_return_create(
    *, po: PurchaseOrder, lines: list[dict], actor, return_date: date | None = None, note: str = ""
) -> GoodsReceipt:
    """Return accepted goods to the supplier: ``lines`` = ``[{"po_line_id", "quantity", "reason"}]``."""
    require_buyer(actor, gettext("return goods"))
    return_date = to_date(return_date, field="return_date")
    require_not_future(return_date, field="return_date")
    with transaction.atomic():
        po, po_lines = _lock_with_lines(po)
        if po.state not in (POState.PARTIALLY_RECEIVED, POState.RECEIVED):
            raise IllegalTransition(
                gettext("Nothing of %(number)s can be returned: it is %(state)s.")
                % {"number": po.number, "state": po.get_state_display()},
                code="po_not_returnable",
                details={"state": po.state},
            )
        checked = []
        for line, entry in _entries(lines, po_lines, po):
            qty = to_quantity(entry.get("quantity"), field="quantity")
            if qty > line.received_qty:
                raise DomainError(
                    gettext("Line %(line_no)s: cannot return %(qty)s, only %(received_qty)s was received.")
                    % {"line_no": line.line_no, "qty": qty, "received_qty": line.received_qty},
                    code="return_exceeds_received",
                )
            if not (entry.get("reason") or "").strip():
                raise DomainError(
                    gettext("Line %(line_no)s: a return needs a reason.") % {"line_no": line.line_no},
                    code="reason_required",
                )
            checked.append((line, qty, entry["reason"].strip()[:300]))
        receipt = GoodsReceipt.objects.create(
            number=next_number("RT"),
            po=po,
            kind=ReceiptKind.RETURN,
            receipt_date=bounds.date_not_future(return_date or timezone.localdate(), field="return_date"),
            received_by=actor,
            note=note,
        )
        for line, qty, reason in checked:
            GoodsReceiptLine.objects.create(receipt=receipt, po_line=line, returned_qty=qty, reason=reason)
            line.received_qty = line.received_qty - qty
            line.save(update_fields=["received_qty"])
        _sync_state(po, po_lines, actor=actor, reason=receipt.number)
        return receipt
