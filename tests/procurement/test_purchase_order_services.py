from decimal import Decimal

import pytest

from core.errors import Conflict, DomainError, IllegalTransition, PermissionDenied
from core.models import TransitionLog
from procurement import services
from procurement.models import ApprovalRule, PurchaseOrder, PurchaseOrderApproval, PurchaseOrderRevision
from tests.factories import ItemFactory, SupplierFactory, UserFactory, make_purchase_order


def _log(po):
    return list(
        TransitionLog.objects.filter(object_id=str(po.pk), content_type__model="purchaseorder").values_list(
            "transition", "source", "target", "actor__username"
        )
    )


def test_buyer_creates_a_draft_po_with_a_readable_number_and_net_amounts(buyer, supplier_a, entity):
    po = services.purchase_order_create(
        legal_entity=entity,
        supplier=supplier_a,
        actor=buyer,
        lines=[
            {"item": ItemFactory(default_tax_rate="0.13"), "quantity": "3", "unit_price": "10.005"},
            {"item": ItemFactory(default_tax_rate="exempt"), "quantity": "1.5", "unit_price": "2"},
        ],
    )
    assert po.state == "draft"
    assert po.number.startswith("PO-") and po.number.endswith("-000001")
    first, second = po.lines.order_by("line_no")
    assert first.net_amount == Decimal("30.02")  # 30.015 half up
    assert first.tax_rate == Decimal("0.1300")
    assert second.tax_rate is None and second.tax_amount == Decimal("0.00")
    assert po.net_total == Decimal("33.02")
    assert po.currency == "CNY"


def test_po_numbers_increase(buyer, supplier_a):
    first = make_purchase_order(requester=buyer, supplier=supplier_a)
    second = make_purchase_order(requester=buyer, supplier=supplier_a)
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1


@pytest.mark.parametrize("quantity", ["0", "-1"])
def test_zero_or_negative_quantity_is_refused_and_no_line_is_stored(buyer, supplier_a, entity, quantity):
    po = services.purchase_order_create(legal_entity=entity, supplier=supplier_a, actor=buyer)
    with pytest.raises(DomainError) as exc:
        services.purchase_order_line_add(
            po=po, item=ItemFactory(), quantity=quantity, unit_price="1", actor=buyer
        )
    assert (exc.value.code, exc.value.details["field"]) == ("validation_error", "quantity")
    assert not po.lines.exists()


def test_po_for_a_supplier_that_is_not_approved_is_refused(buyer, entity):
    supplier = SupplierFactory(state="submitted")
    with pytest.raises(DomainError) as exc:
        services.purchase_order_create(legal_entity=entity, supplier=supplier, actor=buyer)
    assert exc.value.code == "supplier_not_approved"
    assert not PurchaseOrder.objects.exists()


def test_without_contract_price_a_unit_price_is_required(buyer, supplier_a, entity):
    po = services.purchase_order_create(legal_entity=entity, supplier=supplier_a, actor=buyer)
    with pytest.raises(DomainError) as exc:
        services.purchase_order_line_add(po=po, item=ItemFactory(), quantity="1", actor=buyer)
    assert exc.value.code == "unit_price_required"


class _Price:
    def __init__(self, unit_price, tax_rate, pk):
        self.unit_price, self.tax_rate, self.pk = Decimal(unit_price), tax_rate, pk


def test_unit_price_defaults_from_the_contract_and_a_higher_price_is_flagged(
    buyer, supplier_a, entity, monkeypatch
):
    from procurement.services import _common

    seen = {}

    def fake_price(*, supplier_id, item_code, on_date=None):
        seen.update(supplier_id=supplier_id, item_code=item_code)
        return _Price("8.50", Decimal("0.09"), 77)

    monkeypatch.setattr(_common, "contract_price_for", fake_price)
    monkeypatch.setattr("procurement.services.purchase_orders.contract_price_for", fake_price)
    po = services.purchase_order_create(legal_entity=entity, supplier=supplier_a, actor=buyer)
    item = ItemFactory(code="BOLT-M8")
    defaulted = services.purchase_order_line_add(po=po, item=item, quantity="2", actor=buyer)
    above = services.purchase_order_line_add(po=po, item=item, quantity="2", unit_price="9", actor=buyer)
    assert seen == {"supplier_id": supplier_a.pk, "item_code": "BOLT-M8"}
    assert defaulted.unit_price == Decimal("8.5") and not defaulted.price_above_contract
    assert defaulted.contract_line_ref == "77" and defaulted.tax_rate == Decimal("0.09")
    assert above.price_above_contract and above.contract_price == Decimal("8.5")


def test_submit_and_approve_by_another_buyer_leaves_transition_log_rows(buyer, approver, supplier_a):
    po = make_purchase_order(requester=buyer, supplier=supplier_a)
    services.purchase_order_submit(po=po, actor=buyer)
    po = services.purchase_order_approve(po=po, actor=approver)
    assert PurchaseOrder.objects.get(pk=po.pk).state == "approved"
    assert _log(po) == [
        ("submit", "draft", "pending_approval", "buyer1"),
        ("approve", "pending_approval", "approved", "approver1"),
    ]


def test_requester_never_approves_their_own_po(buyer, supplier_a):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="pending_approval")
    with pytest.raises(PermissionDenied) as exc:
        services.purchase_order_approve(po=po, actor=buyer)
    assert exc.value.code == "own_po_approval"
    assert PurchaseOrder.objects.get(pk=po.pk).state == "pending_approval"
    assert not PurchaseOrderApproval.objects.exists()


def test_approval_rule_above_a_threshold_needs_two_finance_approvers(buyer, approver, supplier_a, entity):
    ApprovalRule.objects.create(legal_entity=entity, min_amount=0, role="buyer", approvers_required=1)
    ApprovalRule.objects.create(legal_entity=entity, min_amount=10000, role="finance", approvers_required=2)
    po = make_purchase_order(
        requester=buyer,
        supplier=supplier_a,
        legal_entity=entity,
        lines=((1000, "20"),),
        state="pending_approval",
    )
    with pytest.raises(PermissionDenied) as exc:
        services.purchase_order_approve(po=po, actor=approver)
    assert exc.value.code == "approver_role_required"
    fin1 = UserFactory(username="fin1", role="finance")
    fin2 = UserFactory(username="fin2", role="finance")
    po = services.purchase_order_approve(po=po, actor=fin1)
    assert po.state == "pending_approval"
    with pytest.raises(Conflict) as exc:
        services.purchase_order_approve(po=po, actor=fin1)
    assert exc.value.code == "already_approved"
    po = services.purchase_order_approve(po=po, actor=fin2)
    assert po.state == "approved"
    assert PurchaseOrderApproval.objects.filter(po=po).count() == 2


def test_small_po_follows_the_lower_threshold_rule(buyer, approver, supplier_a, entity):
    ApprovalRule.objects.create(legal_entity=entity, min_amount=0, role="buyer", approvers_required=1)
    ApprovalRule.objects.create(legal_entity=entity, min_amount=10000, role="finance", approvers_required=2)
    po = make_purchase_order(
        requester=buyer,
        supplier=supplier_a,
        legal_entity=entity,
        lines=((1, "20"),),
        state="pending_approval",
    )
    assert services.purchase_order_approve(po=po, actor=approver).state == "approved"


def test_approving_a_draft_is_an_illegal_transition(buyer, approver, supplier_a):
    po = make_purchase_order(requester=buyer, supplier=supplier_a)
    with pytest.raises(IllegalTransition):
        services.purchase_order_approve(po=po, actor=approver)
    assert PurchaseOrder.objects.get(pk=po.pk).state == "draft"
    assert not TransitionLog.objects.exists()


def test_submitting_an_empty_po_is_refused(buyer, supplier_a, entity):
    po = services.purchase_order_create(legal_entity=entity, supplier=supplier_a, actor=buyer)
    with pytest.raises(DomainError) as exc:
        services.purchase_order_submit(po=po, actor=buyer)
    assert exc.value.code == "po_has_no_lines"


def test_decline_sends_the_po_back_to_draft_and_clears_approvals(buyer, approver, supplier_a, entity):
    ApprovalRule.objects.create(legal_entity=entity, min_amount=0, role="buyer", approvers_required=2)
    po = make_purchase_order(
        requester=buyer, supplier=supplier_a, legal_entity=entity, state="pending_approval"
    )
    services.purchase_order_approve(po=po, actor=approver)
    other = UserFactory(username="buyer3", role="buyer")
    po = services.purchase_order_decline(po=po, actor=other, reason="wrong cost centre")
    assert po.state == "draft"
    assert not PurchaseOrderApproval.objects.filter(po=po).exists()


def test_send_emails_the_supplier_after_commit(
    buyer, supplier_a, mailoutbox, django_capture_on_commit_callbacks
):
    supplier_a.contact_email = "sales@a.example"
    supplier_a.save()
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="approved")
    with django_capture_on_commit_callbacks(execute=True):
        services.purchase_order_send(po=po, actor=buyer)
    assert PurchaseOrder.objects.get(pk=po.pk).state == "sent"
    assert len(mailoutbox) == 1 and po.number in mailoutbox[0].subject


@pytest.mark.parametrize("wants_email", [True, False])
def test_send_mails_a_user_whose_address_is_the_contact_once_and_never_against_their_choice(
    buyer, supplier_a, supplier_user_a, mailoutbox, django_capture_on_commit_callbacks, wants_email
):
    from notifications.models import EmailPreference

    supplier_user_a.email = "alice@a.example"
    supplier_user_a.save()
    supplier_a.contact_email = "Alice@A.example"  # the same mailbox, however it is spelt
    supplier_a.save()
    EmailPreference.objects.create(user=supplier_user_a, kind="po_to_acknowledge", email=wants_email)
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="approved")
    with django_capture_on_commit_callbacks(execute=True):
        services.purchase_order_send(po=po, actor=buyer)
    assert [m.to for m in mailoutbox] == ([[supplier_user_a.email]] if wants_email else [])


def test_supplier_acknowledges_with_a_promised_date_per_line(buyer, supplier_a, supplier_user_a):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, lines=((1, "1"), (2, "2")), state="sent")
    ids = list(po.lines.order_by("line_no").values_list("pk", flat=True))
    with pytest.raises(DomainError) as exc:
        services.purchase_order_acknowledge(
            po=po, actor=supplier_user_a, promised_dates={ids[0]: "2099-12-01"}
        )
    assert exc.value.code == "promised_date_required"
    po = services.purchase_order_acknowledge(
        po=po, actor=supplier_user_a, promised_dates={ids[0]: "2099-12-01", ids[1]: "2099-12-05"}
    )
    assert po.state == "acknowledged"
    assert [str(d) for d in po.lines.order_by("line_no").values_list("promised_date", flat=True)] == [
        "2099-12-01",
        "2099-12-05",
    ]
    assert _log(po)[-1] == ("acknowledge", "sent", "acknowledged", "alice")


def test_another_suppliers_user_cannot_acknowledge(buyer, supplier_a, supplier_user_b):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="sent")
    with pytest.raises(DomainError) as exc:
        services.purchase_order_acknowledge(po=po, actor=supplier_user_b, promised_dates={})
    assert exc.value.status == 404
    assert PurchaseOrder.objects.get(pk=po.pk).state == "sent"


def test_supplier_rejects_with_a_reason(buyer, supplier_a, supplier_user_a):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="sent")
    with pytest.raises(DomainError) as exc:
        services.purchase_order_reject(po=po, actor=supplier_user_a, reason=" ")
    assert exc.value.code == "reason_required"
    po = services.purchase_order_reject(po=po, actor=supplier_user_a, reason="price outdated")
    assert po.state == "rejected"
    assert TransitionLog.objects.get(transition="reject").reason == "price outdated"


def test_revising_an_acknowledged_po_keeps_the_old_revision_and_needs_approval_and_ack_again(
    buyer, buyer2, approver, supplier_a, supplier_user_a
):
    po = make_purchase_order(
        requester=approver, supplier=supplier_a, lines=((10, "5"),), state="acknowledged"
    )
    line = po.lines.get()
    line.promised_date = "2099-12-01"
    line.save()
    po = services.purchase_order_revise(
        po=po, actor=buyer, reason="more needed", changes=[{"line_id": line.pk, "quantity": "12"}]
    )
    assert po.state == "pending_approval" and po.revision == 2
    old = PurchaseOrderRevision.objects.get(po=po)
    assert old.revision == 1 and old.snapshot["lines"][0]["quantity"] == "10.000000"
    line.refresh_from_db()
    assert line.quantity == Decimal("12") and line.promised_date is None
    assert po.requester == approver and po.prepared_by == buyer  # the PO stays the requester's
    for own in (buyer, approver):  # neither the reviser nor the requester approves the revision
        with pytest.raises(PermissionDenied):
            services.purchase_order_approve(po=po, actor=own)
    po = services.purchase_order_approve(po=po, actor=buyer2)
    po = services.purchase_order_send(po=po, actor=buyer)
    po = services.purchase_order_acknowledge(
        po=po, actor=supplier_user_a, promised_dates={line.pk: "2099-12-03"}
    )
    assert po.state == "acknowledged" and po.revision == 2
    assert po.history.filter(revision=1).exists()


def test_cancel_is_possible_before_any_receipt_only(buyer, supplier_a):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="acknowledged")
    services.goods_receipt_create(
        po=po, actor=buyer, lines=[{"po_line_id": po.lines.get().pk, "accepted_qty": "1"}]
    )
    with pytest.raises(IllegalTransition):
        services.purchase_order_cancel(po=po, actor=buyer, reason="no longer needed")
    other = make_purchase_order(requester=buyer, supplier=supplier_a, state="sent")
    assert (
        services.purchase_order_cancel(po=other, actor=buyer, reason="no longer needed").state == "cancelled"
    )


def test_supplier_sends_an_advance_shipping_notice(buyer, supplier_a, supplier_user_a):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="acknowledged")
    notice = services.shipping_notice_create(
        po=po,
        actor=supplier_user_a,
        carrier="顺丰",
        tracking_no="SF123",
        lines=[{"po_line_id": po.lines.get().pk, "quantity": "4"}],
    )
    assert notice.lines.get().quantity == Decimal("4")
