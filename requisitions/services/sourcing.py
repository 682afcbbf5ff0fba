"""Free-text lines: a buyer sources them, either directly (supplier, item and price) or by
starting an RFQ from them; when the RFQ is awarded the lines follow the award's PO lines."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from core import bounds
from core.errors import Conflict, DomainError, IllegalTransition
from core.texts import register, text
from procurement.models import RFQ, AwardLine
from procurement.services import rfq_create

from ..models import CONVERTIBLE_STATES, LineKind, Requisition, RequisitionLine
from ._common import lock, require_buyer, require_supplier_orderable, to_price
from .conversion import _in_open_rfq, sync_order_state

register({"requisition.awarded_in": gettext_noop("awarded in %(rfq)s")})  # the log of a sourced requisition


def _locked_free_line(line: RequisitionLine) -> tuple[Requisition, RequisitionLine]:
    requisition = lock(line.requisition)
    line = (
        RequisitionLine.objects.select_for_update(of=("self",))
        .select_related("rfq_line__rfq")
        .get(pk=line.pk)
    )
    if requisition.state not in CONVERTIBLE_STATES:
        raise IllegalTransition(
            gettext("Requisition %(number)s is %(state)s: only lines of approved requisitions are sourced.")
            % {"number": requisition.number, "state": requisition.get_state_display()},
            code="requisition_not_approved",
            details={"state": requisition.state},
        )
    if line.kind != LineKind.FREE_TEXT:
        raise DomainError(
            gettext("Line %(line_no)s of %(number)s is a catalog line: it already has its contract price.")
            % {"line_no": line.line_no, "number": requisition.number},
            code="not_free_text",
        )
    if line.po_line_id:
        raise Conflict(
            gettext("Line %(line_no)s of %(number)s is already ordered.")
            % {"line_no": line.line_no, "number": requisition.number},
            code="already_ordered",
        )
    if _in_open_rfq(line):
        raise Conflict(
            gettext("Line %(line_no)s of %(number)s is in RFQ %(number2)s.")
            % {"line_no": line.line_no, "number": requisition.number, "number2": line.rfq_line.rfq.number},
            code="already_in_rfq",
        )
    return requisition, line


def requisition_line_source(
    *, line: RequisitionLine, actor, supplier, item, unit_price, tax_rate=None
) -> RequisitionLine:
    """A buyer gives a free-text line its supplier, item and net unit price; it can then be
    converted like a catalog line."""
    require_buyer(actor, gettext("source requisition lines"))
    price = to_price(unit_price)
    rate = None if tax_rate in (None, "", "exempt") else to_price(tax_rate, field="tax rate")
    if rate is not None and rate >= 1:
        raise DomainError(
            gettext("Tax rate %(tax_rate)s must be below 1 (e.g. 0.13).") % {"tax_rate": tax_rate},
            code="invalid_tax_rate",
        )
    rate = None if rate is None else bounds.tax_rate(rate)
    with transaction.atomic():
        _, line = _locked_free_line(line)
        bounds.line_amount(line.quantity, price)
        require_supplier_orderable(supplier)
        line.supplier, line.item, line.unit_price, line.tax_rate = supplier, item, price, rate
        line.sourced_by = actor
        line.save(update_fields=["supplier", "item", "unit_price", "tax_rate", "sourced_by"])
        return line


def requisition_rfq_start(*, actor, title: str, lines: list[tuple[RequisitionLine, object]]) -> RFQ:
    """Start a draft RFQ from free-text lines of one legal entity: ``lines`` are (line, item)
    pairs (item None: the line's own item). The buyer then invites suppliers and publishes it
    in sourcing; the award's PO lines are linked back to these lines (see receivers)."""
    require_buyer(actor, gettext("start RFQs"))
    if not lines:
        raise DomainError(gettext("Choose the free-text lines to source."), code="nothing_selected")
    with transaction.atomic():
        locked = []
        for line, item in sorted(lines, key=lambda pair: (pair[0].requisition_id, pair[0].pk)):
            requisition, fresh = _locked_free_line(line)
            item = item or fresh.item
            if item is None:
                raise DomainError(
                    gettext("Line %(line_no)s of %(number)s: choose the item to ask quotes for.")
                    % {"line_no": fresh.line_no, "number": requisition.number},
                    code="item_required",
                )
            locked.append((requisition, fresh, item))
        entities = {req.legal_entity_id for req, _, _ in locked}
        currencies = {req.currency for req, _, _ in locked}
        if len(entities) > 1 or len(currencies) > 1:
            raise DomainError(
                gettext("One RFQ is for one legal entity and currency: choose lines of one of them."),
                code="mixed_legal_entities",
            )
        requisition = locked[0][0]
        numbers = sorted({req.number for req, _, _ in locked})
        rfq = rfq_create(
            legal_entity=requisition.legal_entity,
            title=(title or "").strip() or f"Sourcing for {', '.join(numbers)}",
            actor=actor,
            currency=requisition.currency,
            lines=[
                {
                    "item": item,
                    "quantity": line.quantity,
                    # a need-by date that has passed is not asked of suppliers
                    "required_date": req.needed_by
                    if req.needed_by and req.needed_by >= timezone.localdate()
                    else None,
                    "description": line.description,
                }
                for req, line, item in locked
            ],
        )
        for (_, line, item), rfq_line in zip(locked, rfq.lines.order_by("line_no"), strict=True):
            line.rfq_line, line.item = rfq_line, item
            line.save(update_fields=["rfq_line", "item"])
        return rfq


def requisition_lines_follow_award(*, rfq: RFQ, actor) -> int:
    """After an RFQ award: each requisition line of an awarded RFQ line gets the award's supplier,
    price and PO line; its requisition moves to (partly) ordered. Returns the lines linked."""
    linked = 0
    awards = {
        a.rfq_line_id: a
        for a in AwardLine.objects.filter(rfq_line__rfq=rfq, po_line__isnull=False).select_related("po_line")
    }
    if not awards:
        return 0
    req_ids = sorted(
        set(
            RequisitionLine.objects.filter(rfq_line_id__in=awards, po_line__isnull=True).values_list(
                "requisition_id", flat=True
            )
        )
    )
    for req_id in req_ids:
        requisition = lock(Requisition(pk=req_id))
        if requisition.state not in CONVERTIBLE_STATES:
            continue
        for line in requisition.lines.select_for_update(of=("self",)).filter(
            rfq_line_id__in=awards, po_line__isnull=True
        ):
            award = awards[line.rfq_line_id]
            line.po_line = award.po_line
            line.supplier_id = award.supplier_id
            line.unit_price = award.unit_price
            line.tax_rate = award.po_line.tax_rate
            line.save(update_fields=["po_line", "supplier", "unit_price", "tax_rate"])
            linked += 1
        sync_order_state(requisition, actor=actor, reason=text("requisition.awarded_in", rfq=rfq.number))
    return linked
