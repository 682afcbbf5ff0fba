"""Buyers (or the system) turn approved requisition lines into purchase orders: one per supplier
and legal entity, merging requisitions; every PO line links back; refusals change nothing."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.contrib.contenttypes.models import ContentType

from contracts.models import Contract
from core.errors import DomainError
from core.models import TransitionLog
from core.selectors import transition_log_for
from procurement.models import PurchaseOrder, PurchaseOrderLine
from procurement.services import purchase_order_create
from requisitions import selectors, services
from requisitions.models import Requisition, RequisitionLine
from suppliers.models import Supplier
from tests.factories import LegalEntityFactory, UserFactory


def _snapshot():
    return (
        PurchaseOrder.objects.count(),
        PurchaseOrderLine.objects.count(),
        list(Requisition.objects.order_by("pk").values_list("pk", "state")),
        list(RequisitionLine.objects.order_by("pk").values_list("pk", "po_line")),
        TransitionLog.objects.count(),
    )


@pytest.fixture
def second_requester(centre, staff):
    user = UserFactory(username="sam", role="requester")
    services.requester_assign(user=user, cost_centre=centre, actor=staff)
    return user


def test_lines_of_several_requisitions_of_one_requester_merge_into_one_po_per_supplier_naming_the_requester(
    world, approved, paper, pen, cable_b, buyer, supplier_a, supplier_b, entity
):
    requester = world["requester"]
    first = approved(requester, [(paper, 10), (cable_b, 2)])
    second = approved(requester, [(pen, 5), (paper, 4)], address="C 栋")
    assert {line.pk for line in selectors.lines_to_convert(buyer)} == set(
        RequisitionLine.objects.values_list("pk", flat=True)
    )
    pos = services.requisitions_convert(actor=buyer, requisition_ids=[first.pk, second.pk])
    assert {(po.supplier, po.legal_entity, po.state, po.requester) for po in pos} == {
        (supplier_a, entity, "draft", requester),
        (supplier_b, entity, "draft", requester),
    }
    po_a = next(po for po in pos if po.supplier == supplier_a)
    assert PurchaseOrder.objects.get(pk=po_a.pk).requester == requester  # stored, not only returned
    assert list(po_a.lines.order_by("line_no").values_list("item__code", "quantity", "unit_price")) == [
        ("PAPER-A4", D("10"), D("25")),
        ("PEN-1", D("5"), D("3.5")),
        ("PAPER-A4", D("4"), D("25")),
    ]
    assert po_a.lines.get(line_no=1).contract_line_ref == str(paper.pk)
    assert first.number in po_a.notes and second.number in po_a.notes and "C 栋" in po_a.notes
    for line in RequisitionLine.objects.select_related("po_line__po", "item"):
        assert line.po_line.item == line.item and line.po_line.quantity == line.quantity
        assert line.po_line.required_date == line.requisition.needed_by
        assert line.po_line.po.supplier_id == line.supplier_id
    for requisition in (first, second):
        requisition.refresh_from_db()
        assert requisition.state == "ordered"
        log = transition_log_for(requisition).get(transition="order")
        assert log.actor == buyer and po_a.number in log.reason


def test_requisitions_of_two_requesters_become_separate_pos_each_naming_its_requester(
    world, approved, second_requester, paper, pen, buyer, supplier_a
):
    first = approved(world["requester"], [(paper, 10)])
    second = approved(second_requester, [(pen, 5)], address="C 栋")
    pos = services.requisitions_convert(actor=buyer, requisition_ids=[first.pk, second.pk])
    assert sorted((po.supplier_id, po.requester.username) for po in pos) == sorted(
        [(supplier_a.pk, world["requester"].username), (supplier_a.pk, "sam")]
    )
    assert all(po.requester != buyer for po in PurchaseOrder.objects.all())


def test_different_legal_entities_get_different_pos(world, approved, paper, buyer, staff, second_requester):
    other_entity = LegalEntityFactory(name="北京分公司")
    other_centre = services.cost_centre_create(
        legal_entity=other_entity, code="CC-BJ", name="北京", budget_owner=world["requester"], actor=staff
    )
    services.budget_set(
        cost_centre=other_centre,
        starts_on=world["budget"].starts_on,
        ends_on=world["budget"].ends_on,
        amount="1000",
        actor=staff,
    )
    services.requester_assign(user=second_requester, cost_centre=other_centre, actor=staff)
    a = approved(world["requester"], [(paper, 1)])
    services.cart_add(actor=second_requester, price_line=paper, quantity="2")
    b = services.requisition_submit(actor=second_requester, needed_by=a.needed_by, delivery_address="北京")
    services.requisition_approve(requisition=b, actor=world["requester"])  # Beijing's budget owner
    pos = services.requisitions_convert(actor=buyer, requisition_ids=[a.pk, b.pk])
    assert sorted(po.legal_entity.name for po in pos) == sorted([a.legal_entity.name, "北京分公司"])


def test_choosing_some_lines_leaves_the_requisition_partly_ordered(world, approved, paper, pen, buyer):
    requisition = approved(world["requester"], [(paper, 1), (pen, 1)])
    paper_line = requisition.lines.get(item__code="PAPER-A4")
    services.requisitions_convert(actor=buyer, line_ids=[paper_line.pk])
    requisition.refresh_from_db()
    assert requisition.state == "partly_ordered"
    assert [line.item.code for line in selectors.lines_to_convert(buyer)] == ["PEN-1"]
    services.requisitions_convert(actor=buyer, requisition_ids=[requisition.pk])
    requisition.refresh_from_db()
    assert requisition.state == "ordered"
    assert list(transition_log_for(requisition).values_list("transition", flat=True)) == [
        "submit",
        "approve",
        "order_partly",
        "order",
    ]


def test_converting_again_is_a_conflict_and_creates_nothing(world, approved, paper, buyer, buyer2):
    requisition = approved(world["requester"], [(paper, 1)])
    services.requisitions_convert(actor=buyer, requisition_ids=[requisition.pk])
    before = _snapshot()
    for kwargs in ({"requisition_ids": [requisition.pk]}, {"line_ids": [requisition.lines.get().pk]}):
        with pytest.raises(DomainError) as exc:
            services.requisitions_convert(actor=buyer2, **kwargs)
        assert exc.value.code == "already_ordered" and exc.value.status == 409
    assert _snapshot() == before


def test_only_approved_requisitions_are_converted(world, submit, paper, buyer):
    requisition = submit(world["requester"], [(paper, 1)])
    before = _snapshot()
    with pytest.raises(DomainError) as exc:
        services.requisitions_convert(actor=buyer, requisition_ids=[requisition.pk])
    assert exc.value.code == "requisition_not_approved"
    assert _snapshot() == before


def test_only_buyers_convert(world, approved, paper, manager, finance, supplier_user_a):
    requisition = approved(world["requester"], [(paper, 1)])
    for actor in (world["requester"], manager, finance, supplier_user_a):
        with pytest.raises(DomainError) as exc:
            services.requisitions_convert(actor=actor, requisition_ids=[requisition.pk])
        assert exc.value.status == 403
    assert not PurchaseOrder.objects.exists()


def test_conversion_refuses_an_expired_contract_and_changes_nothing(
    world, approved, paper, pen, buyer, today
):
    requisition = approved(world["requester"], [(paper, 1), (pen, 1)])
    Contract.objects.filter(pk=paper.version.contract_id).update(
        state="expired", valid_to=today - timedelta(days=1)
    )
    before = _snapshot()
    with pytest.raises(DomainError) as exc:
        services.requisitions_convert(actor=buyer, requisition_ids=[requisition.pk])
    assert exc.value.code == "contract_expired"
    assert _snapshot() == before


def test_conversion_refuses_a_suspended_supplier_and_changes_nothing(
    world, approved, paper, buyer, supplier_a
):
    requisition = approved(world["requester"], [(paper, 1)])
    Supplier.objects.filter(pk=supplier_a.pk).update(state="suspended")
    before = _snapshot()
    with pytest.raises(DomainError) as exc:
        services.requisitions_convert(actor=buyer, requisition_ids=[requisition.pk])
    assert exc.value.code == "supplier_suspended"
    assert _snapshot() == before


def test_conversion_checks_the_remaining_quantity_of_all_lines_together(
    world, approved, second_requester, paper, buyer, items, entity, supplier_a
):
    first = approved(world["requester"], [(paper, 60)])
    second = approved(second_requester, [(paper, 30)])
    purchase_order_create(  # a buyer's own draft PO takes 20 more of the cap of 100
        legal_entity=entity,
        supplier=supplier_a,
        actor=buyer,
        lines=[{"item": items["paper"], "quantity": 20}],
    )
    before = _snapshot()
    with pytest.raises(DomainError) as exc:
        services.requisitions_convert(actor=buyer, requisition_ids=[first.pk, second.pk])
    assert exc.value.code == "contract_quantity_exceeded"
    assert exc.value.details["requested"] == "90.000000" and exc.value.details["remaining"] == "80.000000"
    assert _snapshot() == before
    services.requisitions_convert(actor=buyer, requisition_ids=[first.pk])  # 60 of 80 fits
    assert RequisitionLine.objects.filter(po_line__isnull=False).count() == 1


def test_catalog_lines_take_the_contract_price_in_force_on_the_po(world, approved, paper, buyer):
    from contracts.models import PriceLine

    requisition = approved(world["requester"], [(paper, 2)])
    PriceLine.objects.filter(pk=paper.pk).update(unit_price="24.00")
    [po] = services.requisitions_convert(actor=buyer, requisition_ids=[requisition.pk])
    line = po.lines.get()
    assert (line.unit_price, line.contract_price, line.price_above_contract) == (D("24"), D("24"), False)


def test_auto_conversion_orders_approved_requisitions_as_the_configured_buyer(
    world, submit, paper, pen, manager, buyer, settings, django_capture_on_commit_callbacks
):
    settings.REQUISITION_AUTO_CONVERT_BUYER = buyer.username
    first = submit(world["requester"], [(paper, 1)])
    second = submit(world["requester"], [(pen, 1)])
    with django_capture_on_commit_callbacks(execute=True):
        services.requisition_approve(requisition=first, actor=manager)
    first.refresh_from_db()
    assert first.state == "ordered"
    po = first.lines.get().po_line.po
    assert po.requester == world["requester"]  # the person who asked, not the converting buyer
    assert po.history.filter(history_user=buyer).exists()  # who converted it stays in its history
    assert transition_log_for(first).get(transition="order").actor == buyer
    with django_capture_on_commit_callbacks(execute=True):
        services.requisition_approve(requisition=second, actor=manager)
    second.refresh_from_db()
    assert second.state == "ordered" and PurchaseOrder.objects.count() == 2


def test_auto_conversion_is_off_without_the_setting_or_without_a_real_buyer(
    world, submit, paper, manager, settings, django_capture_on_commit_callbacks
):
    requisition = submit(world["requester"], [(paper, 1)])
    settings.REQUISITION_AUTO_CONVERT_BUYER = "nobody-here"
    with django_capture_on_commit_callbacks(execute=True):
        services.requisition_approve(requisition=requisition, actor=manager)
    requisition.refresh_from_db()
    assert requisition.state == "approved" and not PurchaseOrder.objects.exists()
    settings.REQUISITION_AUTO_CONVERT_BUYER = ""
    assert services.requisitions_auto_convert() == []


def test_auto_conversion_skips_a_refused_requisition_and_orders_the_others(
    world, approved, second_requester, paper, pen, buyer, settings, today
):
    first = approved(world["requester"], [(paper, 1)])
    second = approved(second_requester, [(pen, 1)])
    Contract.objects.filter(pk=paper.version.contract_id).update(valid_to=today - timedelta(days=1))
    settings.REQUISITION_AUTO_CONVERT_BUYER = buyer.username
    services.requisitions_auto_convert()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == ("approved", "approved")  # same contract: both refused
    Contract.objects.filter(pk=paper.version.contract_id).update(valid_to=today + timedelta(days=10))
    from contracts.models import PriceLine

    PriceLine.objects.filter(pk=paper.pk).update(valid_to=today - timedelta(days=1))
    services.requisitions_auto_convert()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == ("approved", "ordered")


def test_transition_logs_point_at_requisitions(world, approved, paper, buyer):
    requisition = approved(world["requester"], [(paper, 1)])
    services.requisitions_convert(actor=buyer, requisition_ids=[requisition.pk])
    ct = ContentType.objects.get_for_model(Requisition)
    assert TransitionLog.objects.filter(content_type=ct, object_id=str(requisition.pk)).count() == 3
