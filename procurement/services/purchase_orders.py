"""Purchase orders: create, lines with contract prices, approval rules, send, supplier
acknowledgement or rejection, revisions, advance shipping notices, cancel, close."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core import bounds
from core.errors import Conflict, DomainError, IllegalTransition, NotFound, PermissionDenied
from core.queue import enqueue_on_commit
from core.services import run_transition
from core.texts import register, text

from .. import selectors
from ..models import (
    PO_REVISABLE,
    Item,
    POState,
    PurchaseOrder,
    PurchaseOrderApproval,
    PurchaseOrderLine,
    PurchaseOrderRevision,
    ShippingNotice,
    ShippingNoticeLine,
    TaxRate,
)
from ._common import (
    check_line_amount,
    contract_price_for,
    contract_price_hold,
    next_number,
    require_buyer,
    require_not_past,
    require_same_supplier,
    require_supplier_approved,
    to_date,
    to_price,
    to_quantity,
)

UNSET = object()


register(
    {
        "po.revision": gettext_noop("revision %(revision)s: %(reason)s"),
        "po.approvals": gettext_noop("%(approvals)s of %(required)s approvals"),
    }
)  # the log of a revision (core.texts)


def _lock(po: PurchaseOrder) -> PurchaseOrder:
    return PurchaseOrder.objects.select_for_update().select_related("supplier", "legal_entity").get(pk=po.pk)


def _tax_rate(value):
    """None / "exempt" / "" → exempt (None); otherwise one of ``bounds.TAX_RATES``."""
    if value is None or value == "" or value == TaxRate.EXEMPT:
        return None
    return bounds.tax_rate(value)


def _require_state(po: PurchaseOrder, states, what: str, code: str = "illegal_transition") -> None:
    if po.state not in states:
        raise IllegalTransition(
            _("Cannot %(what)s purchase order %(number)s: it is %(state)s.")
            % {"what": what, "number": po.number, "state": po.get_state_display()},
            code=code,
            details={"state": po.state},
        )


def _printed_text(value: str, *, field: str, limit: int) -> str:
    text = " ".join((value or "").split())
    if len(text) > limit:
        raise DomainError(
            _("%(field)s is longer than %(limit)d characters.")
            % {"field": bounds.label(field), "limit": limit},
            code=f"{field}_too_long",
        )
    return text


def purchase_order_create(
    *,
    legal_entity,
    supplier,
    actor,
    currency: str | None = None,
    notes: str = "",
    lines=(),
    rfq=None,
    delivery_address: str = "",
    payment_terms: str = "",
) -> PurchaseOrder:
    """A draft PO; ``lines`` are dicts accepted by ``purchase_order_line_add``. Without a delivery
    address the goods go to the legal entity's address."""
    require_buyer(actor, _("create purchase orders"))
    require_supplier_approved(supplier)
    delivery_address = _printed_text(delivery_address, field="delivery_address", limit=300)
    payment_terms = _printed_text(payment_terms, field="payment_terms", limit=200)
    with transaction.atomic():
        po = PurchaseOrder.objects.create(
            number=next_number("PO"),
            legal_entity=legal_entity,
            supplier=supplier,
            currency=bounds.currency(currency or legal_entity.default_currency or "CNY"),
            requester=actor,
            prepared_by=actor,
            rfq=rfq,
            notes=notes,
            delivery_address=delivery_address or legal_entity.address,
            payment_terms=payment_terms,
        )
        for line in lines:
            purchase_order_line_add(po=po, actor=actor, **line)
    return po


def purchase_order_line_add(
    *,
    po: PurchaseOrder,
    item: Item,
    quantity,
    actor,
    unit_price=None,
    tax_rate=UNSET,
    description: str = "",
    unit: str = "",
    required_date: date | None = None,
) -> PurchaseOrderLine:
    """Add a line to a draft PO. The unit price defaults to the supplier's active contract price;
    a price above it is kept and flagged (``price_above_contract``)."""
    require_buyer(actor, _("edit purchase orders"))
    quantity = to_quantity(quantity)
    with transaction.atomic():
        po = _lock(po)
        _require_draft(po)
        contract = contract_price_for(supplier_id=po.supplier_id, item_code=item.code)
        contract_price = to_price(contract.unit_price) if contract is not None else None
        if unit_price is None or unit_price == "":
            if contract_price is None:
                raise DomainError(
                    _("Item %(code)s has no contract price with this supplier: give a unit price.")
                    % {"code": item.code},
                    code="unit_price_required",
                )
            unit_price = contract_price
        unit_price = to_price(unit_price)
        if tax_rate is UNSET:
            contract_rate = getattr(contract, "tax_rate", UNSET) if contract is not None else UNSET
            tax_rate = (
                contract_rate if contract_rate is not UNSET else TaxRate.as_decimal(item.default_tax_rate)
            )
        last = po.lines.order_by("-line_no").values_list("line_no", flat=True).first() or 0
        check_line_amount(quantity=quantity, unit_price=unit_price)
        return PurchaseOrderLine.objects.create(
            po=po,
            line_no=last + 1,
            item=item,
            description=description or item.name,
            quantity=quantity,
            unit=unit or item.unit,
            unit_price=unit_price,
            tax_rate=_tax_rate(tax_rate),
            contract_price=contract_price,
            contract_line_ref=str(contract.pk) if contract is not None else "",
            required_date=_as_date(required_date, not_past=False),
        )


def _require_draft(po: PurchaseOrder) -> None:
    if po.state == POState.DRAFT:
        return
    hint = (
        " " + _("Create a revision instead (it needs approval and the supplier's acknowledgement again).")
        if po.state in PO_REVISABLE
        else ""
    )
    raise IllegalTransition(
        _("Purchase order %(number)s is %(state)s: only a draft can be edited.%(hint)s")
        % {"number": po.number, "state": po.get_state_display(), "hint": hint},
        code="po_not_editable",
        details={"state": po.state},
    )


def _lock_line(po: PurchaseOrder, line: PurchaseOrderLine) -> tuple[PurchaseOrder, PurchaseOrderLine]:
    po = _lock(po)
    locked = po.lines.select_for_update().select_related("item").filter(pk=line.pk).first()
    if locked is None:
        raise NotFound(_("Line %(pk)s is not on %(number)s.") % {"pk": line.pk, "number": po.number})
    return po, locked


def purchase_order_line_update(
    *,
    po: PurchaseOrder,
    line: PurchaseOrderLine,
    actor,
    quantity=UNSET,
    unit_price=UNSET,
    tax_rate=UNSET,
    description=UNSET,
    required_date=UNSET,
) -> PurchaseOrderLine:
    """Change a line of a draft PO; arguments left out stay as they are. ``unit_price=None``
    goes back to the supplier's active contract price; the contract price and the flag for a
    price above it are refreshed. Any other state: ``po_not_editable`` (revise instead)."""
    require_buyer(actor, _("edit purchase orders"))
    with transaction.atomic():
        po, line = _lock_line(po, line)
        _require_draft(po)
        contract = contract_price_for(supplier_id=po.supplier_id, item_code=line.item.code)
        contract_price = to_price(contract.unit_price) if contract is not None else None
        if quantity is not UNSET:
            line.quantity = to_quantity(quantity)
        if unit_price is not UNSET:
            if unit_price is None or unit_price == "":
                if contract_price is None:
                    raise DomainError(
                        _("Item %(code)s has no contract price with this supplier: give a unit price.")
                        % {"code": line.item.code},
                        code="unit_price_required",
                    )
                unit_price = contract_price
            line.unit_price = to_price(unit_price)
        if tax_rate is not UNSET:
            line.tax_rate = _tax_rate(tax_rate)
        if description is not UNSET:
            line.description = (description or line.item.name)[:300]
        if required_date is not UNSET:
            line.required_date = _changed_date(line.required_date, required_date)
        line.contract_price = contract_price
        line.contract_line_ref = str(contract.pk) if contract is not None else ""
        check_line_amount(quantity=line.quantity, unit_price=line.unit_price)
        line.save()
        return line


def purchase_order_line_remove(*, po: PurchaseOrder, line: PurchaseOrderLine, actor) -> PurchaseOrder:
    """Remove a line from a draft PO; the lines after it move up one number. Any other state:
    ``po_not_editable``."""
    require_buyer(actor, _("edit purchase orders"))
    with transaction.atomic():
        po, line = _lock_line(po, line)
        _require_draft(po)
        removed_no = line.line_no
        line.delete()
        for later in po.lines.filter(line_no__gt=removed_no).order_by("line_no"):
            later.line_no -= 1
            later.save(update_fields=["line_no"])
        return po


def _changed_date(current: date | None, value) -> date | None:
    """A line's date as edited: a new date must not be in the past; the date it already has
    (the edit form sends it back unchanged) stays even when it has passed."""
    new = _as_date(value, not_past=False)
    return new if new == current or new is None else _as_date(new)


def _as_date(value, field: str = "required_date", *, not_past: bool = True) -> date | None:
    """A delivery date for a line: a date, today or later (a line made from an RFQ or a
    requisition keeps its earlier date: ``not_past=False`` checks only that it is sane)."""
    value = to_date(value, field=field)
    if value is None:
        return None
    return bounds.date_not_past(value, field=field) if not_past else bounds.date_sane(value, field=field)


def purchase_order_submit(*, po: PurchaseOrder, actor, reason: str = "") -> PurchaseOrder:
    require_buyer(actor, _("submit purchase orders"))
    with transaction.atomic():
        po = _lock(po)
        _require_state(po, [POState.DRAFT], _("submit"))
        if not po.lines.exists():
            raise DomainError(
                _("Purchase order %(number)s has no lines.") % {"number": po.number}, code="po_has_no_lines"
            )
        return run_transition(po, "submit", actor=actor, reason=reason)


def purchase_order_approve(*, po: PurchaseOrder, actor, reason: str = "") -> PurchaseOrder:
    """Record ``actor``'s approval of the current revision; when the legal entity's rule has
    enough approvers, the PO becomes approved. The requester never approves their own PO."""
    with transaction.atomic():
        po = _lock(po)  # two approvers at once: the second waits here and sees the first's effect
        _require_state(po, [POState.PENDING_APPROVAL], _("approve"))
        if po.wrote(actor):
            raise PermissionDenied(
                _("You requested purchase order %(number)s; someone else must approve it.")
                % {"number": po.number},
                code="own_po_approval",
            )
        rule = selectors.approval_rule_for(po)
        if not (actor.is_active and (actor.role == rule.role or actor.is_superuser)):
            raise PermissionDenied(
                _("Purchase order %(number)s needs approval by the %(role)s role.")
                % {"number": po.number, "role": rule.get_role_display()},
                code="approver_role_required",
            )
        if PurchaseOrderApproval.objects.filter(po=po, revision=po.revision, approver=actor).exists():
            raise Conflict(
                _("You have already approved %(number)s.") % {"number": po.number}, code="already_approved"
            )
        PurchaseOrderApproval.objects.create(po=po, revision=po.revision, approver=actor)
        approvals = PurchaseOrderApproval.objects.filter(po=po, revision=po.revision).count()
        if approvals < rule.approvers_required:
            return po
        po = run_transition(
            po,
            "approve",
            actor=actor,
            reason=reason or text("po.approvals", approvals=approvals, required=rule.approvers_required),
        )
        for line in po.lines.select_related("item", "po"):
            contract_price_hold(po_line=line, actor=actor, quantity=line.quantity)
        return po


def purchase_order_decline(*, po: PurchaseOrder, actor, reason: str) -> PurchaseOrder:
    """An approver sends the PO back to draft (approvals of this revision are cleared)."""
    if not reason.strip():
        raise DomainError(_("A reason is required to decline a purchase order."), code="reason_required")
    with transaction.atomic():
        po = _lock(po)
        _require_state(po, [POState.PENDING_APPROVAL], _("decline"))
        if po.wrote(actor):
            raise PermissionDenied(_("You cannot decide on your own purchase order."), code="own_po_approval")
        po = run_transition(po, "decline", actor=actor, reason=reason.strip())
        PurchaseOrderApproval.objects.filter(po=po, revision=po.revision).delete()
        return po


def purchase_order_send(*, po: PurchaseOrder, actor, reason: str = "") -> PurchaseOrder:
    """The supplier's users hear of it once each, by inbox and (unless they opted out) e-mail:
    the notifications app listens to the ``send`` transition. The supplier's contact address is
    mailed too, unless it belongs to one of those users (one e-mail per event and recipient)."""
    from ..tasks import notify_supplier_of_po

    require_buyer(actor, _("send purchase orders"))
    with transaction.atomic():
        po = run_transition(po, "send", actor=actor, reason=reason)
        enqueue_on_commit(notify_supplier_of_po, po.pk)
        return po


def purchase_order_acknowledge(
    *, po: PurchaseOrder, actor, promised_dates: dict, reason: str = ""
) -> PurchaseOrder:
    """The supplier confirms the PO with a promised delivery date for every line."""
    require_same_supplier(
        actor, po.supplier_id, _("acknowledge purchase orders"), _("Purchase order %(pk)s") % {"pk": po.pk}
    )
    with transaction.atomic():
        po = _lock(po)
        _require_state(po, [POState.SENT], _("acknowledge"))
        promised = {int(k): v for k, v in (promised_dates or {}).items()}
        lines = list(po.lines.order_by("line_no"))
        unknown = set(promised) - {line.pk for line in lines}
        if unknown:
            raise DomainError(
                _("Lines %(value)s are not on %(number)s.") % {"value": sorted(unknown), "number": po.number},
                code="unknown_po_line",
            )
        missing = [line.line_no for line in lines if not promised.get(line.pk)]
        if missing:
            raise DomainError(
                _("Give a promised delivery date for every line (missing: %(missing)s).")
                % {"missing": missing},
                code="promised_date_required",
            )
        dates = {}
        for line in lines:
            dates[line.pk] = to_date(promised[line.pk], field="promised_date")
            require_not_past(dates[line.pk], field="promised_date")
        for line in lines:
            line.promised_date = dates[line.pk]
            line.save(update_fields=["promised_date"])
        return run_transition(po, "acknowledge", actor=actor, reason=reason)


def purchase_order_reject(*, po: PurchaseOrder, actor, reason: str) -> PurchaseOrder:
    require_same_supplier(
        actor, po.supplier_id, _("reject purchase orders"), _("Purchase order %(pk)s") % {"pk": po.pk}
    )
    if not (reason or "").strip():
        raise DomainError(_("A reason is required to reject a purchase order."), code="reason_required")
    return run_transition(po, "reject", actor=actor, reason=reason.strip())


def _snapshot(po: PurchaseOrder) -> dict:
    return {
        "number": po.number,
        "revision": po.revision,
        "state": po.state,
        "currency": po.currency,
        "supplier_id": po.supplier_id,
        "legal_entity_id": po.legal_entity_id,
        "lines": [
            {
                "id": line.pk,
                "line_no": line.line_no,
                "item_code": line.item.code,
                "description": line.description,
                "quantity": str(line.quantity),
                "unit": line.unit,
                "unit_price": str(line.unit_price),
                "tax_rate": None if line.tax_rate is None else str(line.tax_rate),
                "required_date": line.required_date.isoformat() if line.required_date else None,
                "promised_date": line.promised_date.isoformat() if line.promised_date else None,
            }
            for line in po.lines.select_related("item").order_by("line_no")
        ],
    }


def purchase_order_revise(*, po: PurchaseOrder, actor, reason: str, changes: list[dict]) -> PurchaseOrder:
    """Change an approved / sent / acknowledged / rejected PO: the current revision is frozen,
    the changes applied as revision n+1, which needs approval and acknowledgement again.

    ``changes``: ``[{"line_id": …, "quantity": …, "unit_price": …, "required_date": …}]``."""
    require_buyer(actor, _("revise purchase orders"))
    if not (reason or "").strip():
        raise DomainError(_("A reason is required to revise a purchase order."), code="reason_required")
    if not changes:
        raise DomainError(_("A revision needs at least one change."), code="no_changes")
    with transaction.atomic():
        po = _lock(po)
        _require_state(
            po, [POState.APPROVED, POState.SENT, POState.ACKNOWLEDGED, POState.REJECTED], _("revise")
        )
        lines = {line.pk: line for line in po.lines.all()}
        PurchaseOrderRevision.objects.create(
            po=po, revision=po.revision, snapshot=_snapshot(po), reason=reason.strip(), created_by=actor
        )
        for change in changes:
            line = lines.get(int(change.get("line_id") or 0))
            if line is None:
                raise DomainError(
                    _("Line %(value)s is not on %(number)s.")
                    % {"value": change.get("line_id"), "number": po.number},
                    code="unknown_po_line",
                )
            if change.get("quantity") is not None:
                line.quantity = to_quantity(change["quantity"])
            if change.get("unit_price") is not None:
                line.unit_price = to_price(change["unit_price"])
            if change.get("required_date"):
                line.required_date = to_date(change["required_date"], field="required_date")
            if line.quantity < line.received_qty:
                raise DomainError(
                    _("Line %(line)s: %(qty)s is below the %(received)s already received.")
                    % {"line": line.line_no, "qty": line.quantity, "received": line.received_qty},
                    code="quantity_below_received",
                )
            check_line_amount(quantity=line.quantity, unit_price=line.unit_price)
            line.save()
        for line in lines.values():
            line.promised_date = None
            line.save(update_fields=["promised_date"])
        # the requester stays; the reviser wrote this revision and may not approve it
        PurchaseOrder.objects.filter(pk=po.pk).update(prepared_by=actor, revision=po.revision + 1)
        return run_transition(
            po,
            "revise",
            actor=actor,
            reason=text("po.revision", revision=po.revision + 1, reason=reason.strip()),
        )


def purchase_order_cancel(*, po: PurchaseOrder, actor, reason: str) -> PurchaseOrder:
    require_buyer(actor, _("cancel purchase orders"))
    if not (reason or "").strip():
        raise DomainError(_("A reason is required to cancel a purchase order."), code="reason_required")
    with transaction.atomic():
        po = _lock(po)
        if po.receipts.exists():
            raise IllegalTransition(
                _("Purchase order %(number)s has goods receipts and cannot be cancelled.")
                % {"number": po.number},
                code="po_has_receipts",
            )
        po = run_transition(po, "cancel", actor=actor, reason=reason.strip())
        for line in po.lines.select_related("item", "po"):  # give back what the lines hold
            contract_price_hold(po_line=line, actor=actor, quantity=Decimal(0))
        return po


def purchase_order_close(*, po: PurchaseOrder, actor, reason: str = "") -> PurchaseOrder:
    require_buyer(actor, _("close purchase orders"))
    if po.state == POState.PARTIALLY_RECEIVED and not reason.strip():
        raise DomainError(_("Closing a partially received order needs a reason."), code="reason_required")
    return run_transition(po, "close", actor=actor, reason=reason.strip())


def shipping_notice_create(
    *,
    po: PurchaseOrder,
    actor,
    shipped_on: date | None = None,
    expected_on: date | None = None,
    carrier: str = "",
    tracking_no: str = "",
    lines: list[dict] = (),
) -> ShippingNotice:
    """An advance shipping notice from the supplier (``lines``: ``[{"po_line_id", "quantity"}]``).

    Each line's quantity is bounded by what is still open for a notice: the ordered quantity
    plus the legal entity's over-receipt tolerance, less what earlier notices announced (goods
    rejected or returned may be shipped again) or what was received (``po_selectors.LineProgress``)."""
    from ..po_selectors import line_progress

    require_same_supplier(
        actor, po.supplier_id, _("send shipping notices"), _("Purchase order %(pk)s") % {"pk": po.pk}
    )
    shipped_on = to_date(shipped_on, field="shipped_on") or timezone.localdate()
    expected_on = to_date(expected_on, field="expected_on")
    require_not_past(expected_on, field="expected_on")
    if expected_on is not None:
        bounds.date_on_or_after(expected_on, shipped_on, field="expected_on", other_field="shipped_on")
    with transaction.atomic():
        po = _lock(po)
        _require_state(po, [POState.ACKNOWLEDGED, POState.PARTIALLY_RECEIVED], _("announce a shipment for"))
        po_lines = {line.pk: line for line in po.lines.all()}
        progress = line_progress(po)
        checked, seen = [], set()
        for entry in lines or ():
            try:
                line = po_lines.get(int(entry.get("po_line_id") or 0))
            except (TypeError, ValueError):
                line = None
            if line is None:
                raise DomainError(
                    _("Line %(line)s is not on %(number)s.")
                    % {"line": entry.get("po_line_id"), "number": po.number},
                    code="unknown_po_line",
                )
            if line.pk in seen:
                raise DomainError(
                    _("Line %(line)s appears twice.") % {"line": line.line_no}, code="duplicate_line"
                )
            seen.add(line.pk)
            qty = to_quantity(entry.get("quantity"))
            open_qty = progress[line.pk].shippable
            if qty > open_qty:
                raise DomainError(
                    _(
                        "Line %(line)s: %(qty)s is more than the %(open)s still open for shipping "
                        "(ordered %(ordered)s, already announced or received %(covered)s)."
                    )
                    % {
                        "line": line.line_no,
                        "qty": f"{qty.normalize():f}",
                        "open": f"{open_qty.normalize():f}",
                        "ordered": f"{line.quantity.normalize():f}",
                        "covered": f"{progress[line.pk].covered.normalize():f}",
                    },
                    code="shipping_exceeds_open",
                    details={"line_no": line.line_no, "open": str(open_qty), "quantity": str(qty)},
                )
            checked.append((line, qty))
        if not checked:
            raise DomainError(_("A shipping notice needs a quantity on at least one line."), code="no_lines")
        shipped_on = bounds.date_sane(shipped_on or timezone.localdate(), field="shipped_on")
        if expected_on:
            bounds.date_on_or_after(expected_on, shipped_on, field="expected_on", other_field="shipped_on")
            bounds.date_sane(expected_on, field="expected_on")
        notice = ShippingNotice.objects.create(
            po=po,
            shipped_on=shipped_on,
            expected_on=expected_on,
            carrier=carrier[:100],
            tracking_no=tracking_no[:100],
            created_by=actor,
        )
        for line, qty in checked:
            ShippingNoticeLine.objects.create(notice=notice, po_line=line, quantity=qty)
        from ..signals import shipping_notice_sent  # the buyer hears of it (notifications listens)

        shipping_notice_sent.send(sender=ShippingNotice, notice=notice)
        return notice
