"""Portal pages of the PO collaboration with the supplier: change proposals, shipping notices
and what the PO page shows of them; which approval buttons a person may see."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import NotFound

from . import po_selectors, selectors, services
from .models import ChangeProposalState, POState, PurchaseOrderApproval
from .services.po_changes import PROPOSABLE


def approval_blocker(po, user) -> str:
    """Why ``user`` may not approve or decline ``po`` now ("" if they may, or if it is not
    waiting for approval): the page hides the buttons and shows this sentence instead."""
    if po.state != POState.PENDING_APPROVAL or not user.is_internal:
        return ""
    if po.wrote(user):
        return _(
            "You requested or prepared this purchase order: another person must approve it (four-eyes rule)."
        )
    rule = selectors.approval_rule_for(po)
    if not (user.is_superuser or user.role == rule.role):
        return _("This purchase order needs approval by the %(role)s role.") % {
            "role": rule.get_role_display()
        }
    if PurchaseOrderApproval.objects.filter(po=po, revision=po.revision, approver=user).exists():
        return _("You have approved this revision; it waits for further approvers.")
    return ""


def po_collaboration_context(po, user) -> dict:
    progress = po_selectors.line_progress(po)
    proposals = list(po_selectors.change_proposals_for_po(po))
    pending = next((p for p in proposals if p.state == ChangeProposalState.PENDING), None)
    lines = list(selectors.purchase_order_lines(po))
    for line in lines:
        line.progress = progress.get(line.pk)
    return {
        "lines": lines,
        "approval_blocker": approval_blocker(po, user),
        "notices": po_selectors.shipping_notices_for_po(po),
        "proposals": proposals,
        "pending_proposal": pending,
        "can_propose": user.is_supplier_user and po.state in PROPOSABLE and pending is None,
        "can_decide_proposal": bool(pending) and user.is_buyer,
        "shippable_any": any(p.shippable > 0 for p in progress.values()),
    }


def _proposal(request, po_id: int, proposal_id: int):
    po = selectors.purchase_order_get(request.user, po_id)
    proposal = po.change_proposals.filter(pk=proposal_id).first()
    if proposal is None:
        raise NotFound(_("No such change proposal on this purchase order."))
    return po, proposal


@login_required
@require_POST
def po_change_propose(request, po_id: int):
    po = selectors.purchase_order_get(request.user, po_id)
    lines = [
        {
            "po_line_id": line.pk,
            "quantity": request.POST.get(f"cp_qty_{line.pk}", "").strip(),
            "unit_price": request.POST.get(f"cp_price_{line.pk}", "").strip(),
            "promised_date": request.POST.get(f"cp_date_{line.pk}", "").strip(),
        }
        for line in po.lines.all()
    ]
    services.po_change_propose(po=po, actor=request.user, reason=request.POST.get("reason", ""), lines=lines)
    messages.success(request, _("Change proposal sent to the buyer."))
    return redirect("po-detail", po_id=po.pk)


@login_required
@require_POST
def po_change_accept(request, po_id: int, proposal_id: int):
    po, proposal = _proposal(request, po_id, proposal_id)
    proposal = services.po_change_accept(
        proposal=proposal, actor=request.user, reason=request.POST.get("reason", "")
    )
    messages.success(
        request,
        _("Change proposal accepted: revision %(revision)s.") % {"revision": proposal.resulting_revision},
    )
    return redirect("po-detail", po_id=po.pk)


@login_required
@require_POST
def po_change_decline(request, po_id: int, proposal_id: int):
    po, proposal = _proposal(request, po_id, proposal_id)
    services.po_change_decline(proposal=proposal, actor=request.user, reason=request.POST.get("reason", ""))
    messages.success(request, _("Change proposal declined."))
    return redirect("po-detail", po_id=po.pk)
