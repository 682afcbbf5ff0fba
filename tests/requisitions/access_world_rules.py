"""URL parameters of the approval-rules pages for the access walker (internal data: supplier
users are refused)."""

from procurement.models import ApprovalRule, LegalEntity
from requisitions.models import RequisitionApprovalRule
from tests.factories import LegalEntityFactory


def build(supplier_a, supplier_b, alice, bob, foreign_id, marker):
    entity = LegalEntity.objects.first() or LegalEntityFactory()
    po_rule = ApprovalRule.objects.create(legal_entity=entity, min_amount=424242, role="buyer")
    req_rule = RequisitionApprovalRule.objects.create(min_amount=424242, approver="finance")
    return {"shared": {"po_rule_id": po_rule.pk, "req_rule_id": req_rule.pk}}
