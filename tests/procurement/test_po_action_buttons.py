"""The PO page offers only the buttons a person may use: no approve or decline for the PO's
requester (four-eyes), for the wrong role, or for someone who already approved this revision;
the page says why instead."""

import pytest

from procurement.models import ApprovalRule
from tests.factories import UserFactory, make_purchase_order

pytestmark = pytest.mark.django_db


def test_the_requester_sees_no_approve_button_but_the_reason(client_as, buyer, supplier_a):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="pending_approval")
    response = client_as(buyer).get(f"/procurement/pos/{po.pk}/")
    page = response.content.decode()
    assert response.context["actions"] == ["cancel"]
    assert f"/procurement/pos/{po.pk}/do/approve/" not in page
    assert 'id="approval-blocker"' in page and "four-eyes" in page


def test_another_buyer_sees_approve_and_decline(client_as, buyer, approver, supplier_a):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="pending_approval")
    response = client_as(approver).get(f"/procurement/pos/{po.pk}/")
    assert {"approve", "decline"} <= set(response.context["actions"])
    assert 'id="approval-blocker"' not in response.content.decode()


def test_a_buyer_without_the_rules_role_and_an_approver_who_already_approved_see_no_button(
    client_as, buyer, approver, supplier_a
):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="pending_approval")
    ApprovalRule.objects.create(
        legal_entity=po.legal_entity, min_amount=0, role="buyer", approvers_required=2
    )
    client = client_as(approver)
    client.post(f"/procurement/pos/{po.pk}/do/approve/")
    response = client.get(f"/procurement/pos/{po.pk}/")
    assert "approve" not in response.context["actions"]
    assert 'id="approval-blocker"' in response.content.decode()
    finance_rule_po = make_purchase_order(requester=buyer, supplier=supplier_a, state="pending_approval")
    ApprovalRule.objects.create(
        legal_entity=finance_rule_po.legal_entity, min_amount=0, role="finance", approvers_required=1
    )
    response = client_as(UserFactory(username="buyer9", role="buyer")).get(
        f"/procurement/pos/{finance_rule_po.pk}/"
    )
    assert "approve" not in response.context["actions"]


def test_a_revision_keeps_the_requester_and_its_author_may_not_approve_it(
    client_as, buyer, buyer2, approver, supplier_a
):
    from procurement.services import purchase_order_approve, purchase_order_revise

    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="sent")
    line = po.lines.get()
    purchase_order_revise(
        po=po, actor=buyer2, reason="more", changes=[{"line_id": line.pk, "quantity": str(line.quantity + 1)}]
    )
    po.refresh_from_db()
    assert po.state == "pending_approval" and po.revision == 2
    assert po.requester == buyer and po.prepared_by == buyer2  # the PO is still for whom asked
    page = client_as(buyer2).get(f"/procurement/pos/{po.pk}/").content.decode()
    assert f"/procurement/pos/{po.pk}/do/approve/" not in page and 'id="approval-blocker"' in page
    assert "Requester" in page and buyer.username in page
    from core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        purchase_order_approve(po=po, actor=buyer2)
    response = client_as(approver).get(f"/procurement/pos/{po.pk}/")
    assert "approve" in response.context["actions"]
