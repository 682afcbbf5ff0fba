import pytest

from core.errors import DomainError, IllegalTransition, PermissionDenied
from core.models import TransitionLog
from suppliers.models import Supplier
from suppliers.services import supplier_create, supplier_transition
from tests.factories import SupplierFactory, make_document


def test_buyer_creates_supplier_with_valid_tax_id(buyer):
    supplier = supplier_create(name="华南电子", tax_id="91350100m000100y43", actor=buyer)
    assert supplier.tax_id == "91350100M000100Y43"
    assert supplier.state == "draft"


def test_supplier_with_wrong_check_character_is_refused_and_nothing_is_stored(buyer):
    with pytest.raises(DomainError) as exc:
        supplier_create(name="X", tax_id="91350100M000100Y44", actor=buyer)
    assert exc.value.code == "invalid_tax_id"
    assert "check character" in exc.value.message
    assert not Supplier.objects.exists()


def test_submit_then_approve_leaves_two_transition_log_rows(buyer, supplier_user_a):
    supplier = SupplierFactory(state="draft")
    supplier_user_a.membership.supplier = supplier
    supplier_user_a.membership.save()
    make_document(supplier, supplier_user_a)
    supplier_transition(supplier=supplier, name="submit", actor=supplier_user_a)
    supplier = supplier_transition(supplier=supplier, name="approve", actor=buyer, reason="documents checked")
    assert supplier.state == "approved"
    assert Supplier.objects.get(pk=supplier.pk).state == "approved"
    rows = list(
        TransitionLog.objects.filter(object_id=str(supplier.pk)).values_list(
            "transition", "source", "target", "actor__username", "reason"
        )
    )
    assert rows == [
        ("submit", "draft", "submitted", "alice", ""),
        ("approve", "submitted", "approved", "buyer1", "documents checked"),
    ]


def test_approving_a_draft_supplier_is_an_illegal_transition_and_changes_nothing(buyer):
    supplier = SupplierFactory(state="draft")
    with pytest.raises(IllegalTransition) as exc:
        supplier_transition(supplier=supplier, name="approve", actor=buyer)
    assert exc.value.status == 409
    assert Supplier.objects.get(pk=supplier.pk).state == "draft"
    assert not TransitionLog.objects.exists()


def test_supplier_user_cannot_approve_own_company(supplier_user_a):
    supplier = supplier_user_a.membership.supplier
    Supplier.objects.filter(pk=supplier.pk).update(state="submitted")
    with pytest.raises(PermissionDenied):
        supplier_transition(
            supplier=Supplier.objects.get(pk=supplier.pk), name="approve", actor=supplier_user_a
        )
    assert Supplier.objects.get(pk=supplier.pk).state == "submitted"


def test_supplier_user_cannot_submit_another_supplier(supplier_user_a, supplier_b):
    Supplier.objects.filter(pk=supplier_b.pk).update(state="draft")
    with pytest.raises(PermissionDenied):
        supplier_transition(
            supplier=Supplier.objects.get(pk=supplier_b.pk), name="submit", actor=supplier_user_a
        )


def test_suspend_requires_a_reason(buyer, supplier_a):
    with pytest.raises(DomainError) as exc:
        supplier_transition(supplier=supplier_a, name="suspend", actor=buyer, reason="  ")
    assert exc.value.code == "reason_required"
    assert Supplier.objects.get(pk=supplier_a.pk).state == "approved"


def test_suspend_and_reinstate_round_trip(buyer, supplier_a, supplier_user_a):
    make_document(supplier_a, supplier_user_a)
    supplier_transition(supplier=supplier_a, name="suspend", actor=buyer, reason="licence expired")
    supplier = supplier_transition(supplier=supplier_a, name="reinstate", actor=buyer)
    assert supplier.state == "approved"
    assert TransitionLog.objects.filter(object_id=str(supplier_a.pk)).count() == 2


def test_stale_instance_cannot_apply_a_transition_twice(buyer, supplier_a):
    stale = Supplier.objects.get(pk=supplier_a.pk)
    supplier_transition(supplier=supplier_a, name="suspend", actor=buyer, reason="r1")
    with pytest.raises(IllegalTransition):
        supplier_transition(supplier=stale, name="suspend", actor=buyer, reason="r2")
    assert TransitionLog.objects.filter(transition="suspend").count() == 1


def test_blocked_supplier_can_never_be_reinstated(buyer, supplier_a):
    supplier_transition(supplier=supplier_a, name="block", actor=buyer, reason="fraud")
    with pytest.raises(IllegalTransition):
        supplier_transition(supplier=supplier_a, name="reinstate", actor=buyer)


def test_edit_history_records_supplier_changes(buyer, supplier_a):
    supplier_a.address = "上海市浦东新区"
    supplier_a.save()
    assert supplier_a.history.count() >= 2
    assert supplier_a.history.first().address == "上海市浦东新区"
