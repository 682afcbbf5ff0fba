"""Change proposals for the access walker (tests/core/test_access_walker.py): a proposal of
supplier A's user on A's sent PO ("own") and one of supplier B's user on B's sent PO ("foreign",
its reason carrying the marker), both on the POs tests/procurement/access_world.py builds."""

from datetime import timedelta

from django.utils import timezone

from procurement.models import PurchaseOrder
from procurement.services import po_change_propose


def build(supplier_a, supplier_b, alice, bob, foreign_id, marker):
    ids = {}
    for key, supplier, user, reason in (
        ("own", supplier_a, alice, "own proposal"),
        ("foreign", supplier_b, bob, f"{marker} proposal"),
    ):
        po = PurchaseOrder.objects.get(supplier=supplier, requester__username="walker-buyer", state="sent")
        line = po.lines.get()
        proposal = po_change_propose(
            po=po,
            actor=user,
            reason=reason,
            lines=[{"po_line_id": line.pk, "promised_date": timezone.localdate() + timedelta(days=9)}],
        )
        ids[key] = {"proposal_id": proposal.pk}
    return ids
