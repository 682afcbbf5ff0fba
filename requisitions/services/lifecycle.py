"""Cancelling and closing requisitions, by people and by the system."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from core.errors import DomainError, PermissionDenied
from core.services import transition_locked
from core.texts import register, text
from procurement.models import POState

from ..models import Requisition, RequisitionLine, RequisitionState
from ._common import lock, require_state

FINAL_PO_STATES = (POState.RECEIVED, POState.CLOSED, POState.CANCELLED)


register({"requisition.all_lines_done": gettext_noop("every ordered line is received, closed or cancelled")})


def _require_owner_or_buyer(requisition: Requisition, actor, what: str) -> None:
    if actor.pk == requisition.requester_id or actor.is_buyer or actor.is_superuser:
        return
    raise PermissionDenied(
        gettext("Only the requester or a buyer may %(what)s %(number)s.")
        % {"what": what, "number": requisition.number}
    )


def requisition_cancel(*, requisition: Requisition, actor, reason: str = "") -> Requisition:
    """The requester withdraws (draft, submitted or approved, before anything is ordered);
    a buyer may cancel a submitted or approved one. A reason is required once submitted."""
    with transaction.atomic():
        requisition = lock(requisition)
        _require_owner_or_buyer(requisition, actor, gettext("cancel"))
        if requisition.state == RequisitionState.DRAFT and actor.pk != requisition.requester_id:
            raise PermissionDenied(gettext("Only the requester can empty their cart."))
        require_state(
            requisition,
            [RequisitionState.DRAFT, RequisitionState.SUBMITTED, RequisitionState.APPROVED],
            gettext("cancel"),
        )
        if requisition.state != RequisitionState.DRAFT and not (reason or "").strip():
            raise DomainError(
                gettext("A reason is required to cancel a requisition."), code="reason_required"
            )
        transition_locked(requisition, "cancel", actor=actor, reason=(reason or "").strip())
        return requisition


def requisition_close(*, requisition: Requisition, actor, reason: str = "") -> Requisition:
    """Close a (partly) ordered requisition: what is not ordered will not be. A partly ordered
    one needs a reason."""
    with transaction.atomic():
        requisition = lock(requisition)
        _require_owner_or_buyer(requisition, actor, gettext("close"))
        require_state(
            requisition, [RequisitionState.PARTLY_ORDERED, RequisitionState.ORDERED], gettext("close")
        )
        if requisition.state == RequisitionState.PARTLY_ORDERED and not (reason or "").strip():
            raise DomainError(
                gettext("A reason is required to close a partly ordered requisition."), code="reason_required"
            )
        transition_locked(requisition, "close", actor=actor, reason=(reason or "").strip())
        return requisition


def requisitions_close_delivered(*, po_id: int, po_state: str | None = None) -> list[int]:
    """System step after a PO reached a final state: every ordered requisition with a line on it
    whose purchase orders are all received, closed or cancelled is closed (actor: none).
    ``po_state``: the PO's new state when it is not saved yet (called from its transition)."""
    req_ids = sorted(
        set(
            RequisitionLine.objects.filter(
                po_line__po_id=po_id, requisition__state=RequisitionState.ORDERED
            ).values_list("requisition_id", flat=True)
        )
    )
    closed = []
    for req_id in req_ids:
        with transaction.atomic():
            requisition = lock(Requisition(pk=req_id))
            if requisition.state != RequisitionState.ORDERED:
                continue
            states = {
                po_state if po == po_id and po_state else state
                for po, state in requisition.lines.values_list("po_line__po_id", "po_line__po__state")
            }
            if None in states or not states <= set(FINAL_PO_STATES):
                continue
            transition_locked(requisition, "close", actor=None, reason=text("requisition.all_lines_done"))
            closed.append(req_id)
    return closed
