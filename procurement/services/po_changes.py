"""Supplier change proposals on purchase orders: the supplier proposes, per line, another
quantity, unit price or promised date with a reason; the buyer accepts (the changes become the
PO's next revision) or declines with a reason. Both show on the PO page and in its history."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, DomainError, IllegalTransition
from core.services import document_event_log, run_transition

from ..models import (
    ChangeProposalState,
    POChangeProposal,
    POChangeProposalLine,
    POState,
    PurchaseOrder,
    PurchaseOrderRevision,
)
from ._common import (
    check_line_amount,
    require_buyer,
    require_not_past,
    require_same_supplier,
    to_date,
    to_price,
    to_quantity,
)

PROPOSABLE = (POState.SENT, POState.ACKNOWLEDGED)


def po_event_log(po: PurchaseOrder, name: str, *, actor, reason: str = "") -> None:
    """A row in the PO's history for a step that does not change its state."""
    document_event_log(po, name, actor=actor, reason=reason)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def po_change_propose(*, po: PurchaseOrder, actor, reason: str, lines: list[dict]) -> POChangeProposal:
    """``lines``: ``[{"po_line_id", "quantity", "unit_price", "promised_date"}]``; a field left
    empty (or equal to the line's current value) is not a change. One open proposal per PO."""
    require_same_supplier(
        actor, po.supplier_id, _("propose changes"), _("Purchase order %(pk)s") % {"pk": po.pk}
    )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason for the proposed change."), code="reason_required")
    with transaction.atomic():
        po = PurchaseOrder.objects.select_for_update().get(pk=po.pk)
        if po.state not in PROPOSABLE:
            raise IllegalTransition(
                _("Changes can be proposed only on a sent or acknowledged order; %(number)s is %(state)s.")
                % {"number": po.number, "state": po.get_state_display()},
                code="po_not_proposable",
                details={"state": po.state},
            )
        if po.change_proposals.filter(state=ChangeProposalState.PENDING).exists():
            raise Conflict(
                _("A change proposal on %(number)s is already waiting for the buyer.")
                % {"number": po.number},
                code="change_proposal_pending",
            )
        po_lines = {line.pk: line for line in po.lines.all()}
        checked = []
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
            qty = None if _blank(entry.get("quantity")) else to_quantity(entry["quantity"])
            price = None if _blank(entry.get("unit_price")) else to_price(entry["unit_price"])
            promised = to_date(entry.get("promised_date"), field="promised_date")
            require_not_past(promised, field="promised_date")
            qty = None if qty == line.quantity else qty
            price = None if price == line.unit_price else price
            promised = None if promised == line.promised_date else promised
            if qty is None and price is None and promised is None:
                continue
            if qty is not None and qty < line.received_qty:
                raise DomainError(
                    _("Line %(line)s: %(qty)s is below the %(received)s already received.")
                    % {"line": line.line_no, "qty": qty, "received": line.received_qty},
                    code="quantity_below_received",
                )
            check_line_amount(
                quantity=qty if qty is not None else line.quantity,
                unit_price=price if price is not None else line.unit_price,
            )
            checked.append((line, qty, price, promised))
        if not checked:
            raise DomainError(
                _("Change at least one line's quantity, unit price or promised date."), code="no_changes"
            )
        proposal = POChangeProposal.objects.create(
            po=po, revision=po.revision, reason=reason, proposed_by=actor
        )
        for line, qty, price, promised in checked:
            POChangeProposalLine.objects.create(
                proposal=proposal,
                po_line=line,
                quantity=qty,
                unit_price=price,
                promised_date=promised,
                old_quantity=line.quantity,
                old_unit_price=line.unit_price,
                old_promised_date=line.promised_date,
            )
        po_event_log(po, "propose_change", actor=actor, reason=reason)
        from ..signals import po_change_proposed  # the buyer hears of it (notifications listens)

        po_change_proposed.send(sender=POChangeProposal, proposal=proposal)
        return proposal


def _lock_pending(proposal: POChangeProposal) -> tuple[POChangeProposal, PurchaseOrder]:
    po = PurchaseOrder.objects.select_for_update().get(pk=proposal.po_id)
    proposal = POChangeProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.state != ChangeProposalState.PENDING:
        raise IllegalTransition(
            _("This change proposal is already %(state)s.") % {"state": proposal.get_state_display()},
            code="change_proposal_decided",
            details={"state": proposal.state},
        )
    return proposal, po


def po_change_accept(*, proposal: POChangeProposal, actor, reason: str = "") -> POChangeProposal:
    """Accept: the proposed quantities and prices become revision n+1 of the PO, which needs
    approval and the supplier's acknowledgement again (``purchase_order_revise``); a proposal of
    promised dates only is recorded as revision n+1 at once (nothing to approve: no amount
    changes) and the PO keeps its state. The proposed promised dates become the lines' dates."""
    from .purchase_orders import _snapshot, purchase_order_revise

    require_buyer(actor, _("decide on change proposals"))
    with transaction.atomic():
        proposal, po = _lock_pending(proposal)
        if po.revision != proposal.revision or po.state not in PROPOSABLE:
            raise Conflict(
                _(
                    "%(number)s changed since the proposal was made (now revision %(revision)s, %(state)s): decline it."
                )
                % {"number": po.number, "revision": po.revision, "state": po.get_state_display()},
                code="po_changed_since_proposal",
            )
        lines = list(proposal.lines.select_related("po_line"))
        note = _("change proposal %(id)s: %(reason)s") % {"id": proposal.pk, "reason": proposal.reason}
        money = [
            {"line_id": pl.po_line_id, "quantity": pl.quantity, "unit_price": pl.unit_price}
            for pl in lines
            if pl.quantity is not None or pl.unit_price is not None
        ]
        if money:
            po = purchase_order_revise(po=po, actor=actor, reason=note, changes=money)
        else:
            PurchaseOrderRevision.objects.create(
                po=po, revision=po.revision, snapshot=_snapshot(po), reason=note, created_by=actor
            )
            PurchaseOrder.objects.filter(pk=po.pk).update(revision=po.revision + 1)
            po.refresh_from_db()
        for pl in lines:
            if pl.promised_date is not None:
                pl.po_line.refresh_from_db(fields=["promised_date"])
                pl.po_line.promised_date = pl.promised_date
                pl.po_line.save(update_fields=["promised_date"])
        proposal.decided_by = actor
        proposal.decided_at = timezone.now()
        proposal.decision_reason = (reason or "").strip()
        proposal.resulting_revision = po.revision
        proposal.save(update_fields=["decided_by", "decided_at", "decision_reason", "resulting_revision"])
        proposal = run_transition(proposal, "accept", actor=actor, reason=proposal.decision_reason)
        po_event_log(
            po,
            "accept_change",
            actor=actor,
            reason=_("revision %(revision)s from change proposal %(id)s")
            % {"revision": po.revision, "id": proposal.pk},
        )
        return proposal


def po_change_decline(*, proposal: POChangeProposal, actor, reason: str) -> POChangeProposal:
    require_buyer(actor, _("decide on change proposals"))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason for declining the proposal."), code="reason_required")
    with transaction.atomic():
        proposal, po = _lock_pending(proposal)
        proposal.decided_by = actor
        proposal.decided_at = timezone.now()
        proposal.decision_reason = reason
        proposal.save(update_fields=["decided_by", "decided_at", "decision_reason"])
        proposal = run_transition(proposal, "decline", actor=actor, reason=reason)
        po_event_log(po, "decline_change", actor=actor, reason=reason)
        return proposal
