"""Turning approved requisition lines into purchase orders: one draft PO per supplier and legal
entity (and currency and requester), merging lines from several requisitions of the same
requester; the PO names that requester; every PO line is linked back to its requisition line. Run by a buyer, or by the system when REQUISITION_AUTO_CONVERT_BUYER names
the buyer account it acts as."""

from __future__ import annotations

import logging
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext

from core.errors import Conflict, DomainError, IllegalTransition
from core.services import transition_locked
from procurement.services import purchase_order_create

from .. import selectors
from ..models import CONVERTIBLE_STATES, LineKind, Requisition, RequisitionLine, RequisitionState
from ._common import (
    auto_convert_username,
    check_catalog_lines,
    require_buyer,
    require_supplier_orderable,
)

log = logging.getLogger(__name__)


def _locked_requisitions(ids) -> dict[int, Requisition]:
    """Lock in primary-key order so two conversions never deadlock; the second one waits here
    and then sees the first one's links."""
    rows = (
        Requisition.objects.select_for_update(of=("self",))
        .select_related("legal_entity", "cost_centre")
        .filter(pk__in=sorted(set(ids)))
        .order_by("pk")
    )
    return {r.pk: r for r in rows}


def _in_open_rfq(line: RequisitionLine) -> bool:
    from procurement.models import RFQState

    return bool(line.rfq_line_id and line.rfq_line.rfq.state not in (RFQState.CANCELLED, RFQState.AWARDED))


def sync_order_state(requisition: Requisition, *, actor, reason: str) -> Requisition:
    """ordered when every line is on a PO, partly ordered when some are (``requisition`` locked)."""
    flags = list(requisition.lines.values_list("po_line_id", flat=True))
    ordered = sum(1 for f in flags if f)
    if not ordered:
        return requisition
    if ordered == len(flags):
        if requisition.state != RequisitionState.ORDERED:
            transition_locked(requisition, "order", actor=actor, reason=reason)
    elif requisition.state == RequisitionState.APPROVED:
        transition_locked(requisition, "order_partly", actor=actor, reason=reason)
    return requisition


def requisitions_convert(
    *, actor, line_ids: list[int] | None = None, requisition_ids: list[int] | None = None
) -> list:
    """Convert the given lines (or every orderable line of the given requisitions). Everything
    is checked first – supplier not suspended, contract still in force, contracted quantity
    left for all the lines together – and any refusal changes nothing. Returns the new POs."""
    require_buyer(actor, gettext("turn requisitions into purchase orders"))
    if not line_ids and not requisition_ids:
        raise DomainError(gettext("Choose the requisition lines to order."), code="nothing_selected")
    line_ids = [int(i) for i in line_ids or []]
    with transaction.atomic():
        if line_ids:
            req_ids = set(
                RequisitionLine.objects.filter(pk__in=line_ids).values_list("requisition_id", flat=True)
            )
        else:
            req_ids = {int(i) for i in requisition_ids}
        requisitions = _locked_requisitions(req_ids)
        if not requisitions or len(requisitions) != len(req_ids):
            raise DomainError(gettext("Some of the chosen lines do not exist."), code="unknown_line")
        for req in requisitions.values():
            if req.state not in CONVERTIBLE_STATES:
                if req.state in (RequisitionState.ORDERED, RequisitionState.CLOSED):
                    raise Conflict(
                        gettext("Requisition %(number)s is already %(state)s.")
                        % {"number": req.number, "state": req.get_state_display()},
                        code="already_ordered",
                        details={"state": req.state},
                    )
                raise IllegalTransition(
                    gettext("Requisition %(number)s is %(state)s: only approved requisitions are ordered.")
                    % {"number": req.number, "state": req.get_state_display()},
                    code="requisition_not_approved",
                    details={"state": req.state},
                )
        locked = RequisitionLine.objects.select_for_update(of=("self",)).filter(
            requisition_id__in=requisitions
        )
        if line_ids:
            locked = locked.filter(pk__in=line_ids)
        locked_ids = list(locked.values_list("pk", flat=True))
        if line_ids and len(locked_ids) != len(set(line_ids)):
            raise DomainError(gettext("Some of the chosen lines do not exist."), code="unknown_line")
        lines = list(
            RequisitionLine.objects.filter(pk__in=locked_ids)
            .select_related("supplier", "item", "price_line__version__contract__supplier", "rfq_line__rfq")
            .order_by("requisition_id", "line_no")
        )
        for line in lines:
            line.requisition = requisitions[line.requisition_id]
        already = [line for line in lines if line.po_line_id]
        if line_ids and already:
            raise Conflict(
                gettext("Line %(line_no)s of %(number)s is already ordered.")
                % {"line_no": already[0].line_no, "number": already[0].requisition.number},
                code="already_ordered",
            )
        todo = [line for line in lines if line.is_orderable and not _in_open_rfq(line)]
        if line_ids and len(todo) != len(lines):
            bad = next(line for line in lines if line not in todo)
            raise DomainError(
                gettext(
                    "Line %(line_no)s of %(number)s has no supplier, item and price yet: source it first."
                )
                % {"line_no": bad.line_no, "number": bad.requisition.number},
                code="line_not_sourced",
            )
        if not todo:
            if all(line.po_line_id for line in lines):
                raise Conflict(
                    gettext("Everything on these requisitions is already ordered."), code="already_ordered"
                )
            raise DomainError(
                gettext(
                    "Nothing on these requisitions can be ordered yet: source the free-text lines first."
                ),
                code="nothing_to_order",
            )

        for supplier in {line.supplier_id: line.supplier for line in todo}.values():
            require_supplier_orderable(supplier)
        by_currency = defaultdict(list)
        for line in todo:
            if line.kind == LineKind.CATALOG:
                by_currency[line.requisition.currency].append(line)
        for currency, catalog_lines in by_currency.items():
            check_catalog_lines(catalog_lines, currency=currency)

        pos = []
        for group in selectors.conversion_preview(todo):
            group.lines.sort(key=lambda ln: (ln.requisition.number, ln.line_no))
            po = purchase_order_create(
                legal_entity=group.legal_entity,
                supplier=group.supplier,
                actor=actor,
                currency=group.currency,
                notes=_po_notes(group.lines),
                lines=[_po_line_spec(line) for line in group.lines],
                delivery_address=_delivery_address(group.lines),
            )
            # the PO is for the person who asked (the buyer who converted it is in its history)
            po.requester = group.requester
            po._history_user = actor
            po.save(update_fields=["requester"])
            po_lines = list(po.lines.order_by("line_no"))
            for line, po_line in zip(group.lines, po_lines, strict=True):
                RequisitionLine.objects.filter(pk=line.pk, po_line__isnull=True).update(po_line=po_line)
            pos.append(po)
        numbers = ", ".join(po.number for po in pos)
        for req in requisitions.values():
            sync_order_state(req, actor=actor, reason=numbers)
        return pos


def _po_line_spec(line: RequisitionLine) -> dict:
    spec = {
        "item": line.item,
        "quantity": line.quantity,
        "description": line.description,
        "required_date": line.requisition.needed_by,
    }
    if line.kind == LineKind.CATALOG:
        spec["unit_price"] = None  # procurement takes the contract price in force
    else:
        spec["unit_price"] = line.unit_price
        spec["tax_rate"] = line.tax_rate
    return spec


def _po_notes(lines) -> str:
    seen = {}
    for line in lines:
        req = line.requisition
        seen.setdefault(req.number, (req.requester.get_username(), req.needed_by, req.delivery_address))
    parts = [
        f"{number} ({who}, needed by {needed:%Y-%m-%d}): deliver to {address}"
        for number, (who, needed, address) in sorted(seen.items())
    ]
    return "From requisitions:\n" + "\n".join(parts)


def _delivery_address(lines) -> str:
    """The one address all the requisitions of a PO deliver to; several: left to the notes (each
    requisition's address is listed there) and the PO prints the legal entity's address."""
    addresses = {line.requisition.delivery_address for line in lines}
    return addresses.pop() if len(addresses) == 1 else ""


def requisitions_auto_convert() -> list:
    """The system's conversion: every orderable approved line at once (so lines of several
    requisitions merge), as the buyer named by REQUISITION_AUTO_CONVERT_BUYER. When the batch is
    refused (e.g. one contract expired), each requisition is tried on its own and the refused
    ones wait for a buyer. Off when the setting is empty."""
    username = auto_convert_username()
    if not username:
        return []
    buyer = get_user_model().objects.filter(username=username, is_active=True).first()
    if buyer is None or not (buyer.is_buyer or buyer.is_superuser):
        log.warning("REQUISITION_AUTO_CONVERT_BUYER=%r is not an active buyer: nothing converted", username)
        return []
    line_ids = list(selectors.lines_to_convert(buyer).values_list("pk", flat=True))
    if not line_ids:
        return []
    try:
        return requisitions_convert(actor=buyer, line_ids=line_ids)
    except DomainError as exc:
        log.info("automatic conversion of the whole batch refused (%s); trying each requisition", exc.code)
    pos = []
    req_ids = sorted(
        set(RequisitionLine.objects.filter(pk__in=line_ids).values_list("requisition_id", flat=True))
    )
    for req_id in req_ids:
        ids = list(
            selectors.lines_to_convert(buyer).filter(requisition_id=req_id).values_list("pk", flat=True)
        )
        if not ids:
            continue
        try:
            pos.extend(requisitions_convert(actor=buyer, line_ids=ids))
        except DomainError as exc:
            log.warning("requisition %s left for a buyer: %s", req_id, exc.message)
    return pos
