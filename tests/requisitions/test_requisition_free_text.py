"""Free-text lines (no contract): they go to a buyer for sourcing, directly or through an RFQ
whose award links its PO lines back to the requisition lines."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from core.errors import DomainError
from core.selectors import transition_log_for
from procurement.models import RFQ
from procurement.services import quote_submit, rfq_award, rfq_close, rfq_invite, rfq_publish
from requisitions import selectors, services
from requisitions.models import RequisitionLine
from suppliers.models import Supplier
from tests.factories import ItemFactory


@pytest.fixture
def chair(db):
    return ItemFactory(code="CHAIR-1", name="人体工学椅", category="furniture")


def test_free_text_lines_wait_for_a_buyer_and_catalog_lines_can_be_ordered_meanwhile(
    world, approved, paper, buyer
):
    requisition = approved(world["requester"], [(paper, 1)], free_text=[("人体工学椅 带头枕", 2, "800")])
    free = requisition.lines.get(kind="free_text")
    assert list(selectors.lines_to_source(buyer)) == [free]
    assert [line.kind for line in selectors.lines_to_convert(buyer)] == ["catalog"]
    services.requisitions_convert(actor=buyer, requisition_ids=[requisition.pk])
    requisition.refresh_from_db()
    assert requisition.state == "partly_ordered"


def test_a_buyer_sources_a_free_text_line_directly_and_orders_it(world, approved, buyer, supplier_b, chair):
    requisition = approved(world["requester"], [], free_text=[("人体工学椅", 2, "800")])
    line = requisition.lines.get()
    with pytest.raises(DomainError) as exc:
        services.requisitions_convert(actor=buyer, requisition_ids=[requisition.pk])
    assert exc.value.code == "nothing_to_order"
    services.requisition_line_source(
        line=line, actor=buyer, supplier=supplier_b, item=chair, unit_price="760", tax_rate="0.13"
    )
    [po] = services.requisitions_convert(actor=buyer, line_ids=[line.pk])
    po_line = po.lines.get()
    assert (po.supplier, po_line.item, po_line.unit_price, po_line.tax_rate) == (
        supplier_b,
        chair,
        D("760"),
        D("0.13"),
    )
    line.refresh_from_db()
    assert line.po_line == po_line and line.sourced_by == buyer
    requisition.refresh_from_db()
    assert requisition.state == "ordered"


def test_sourcing_refuses_a_suspended_supplier_and_catalog_lines(
    world, approved, paper, buyer, supplier_b, chair
):
    requisition = approved(world["requester"], [(paper, 1)], free_text=[("椅子", 1, "500")])
    Supplier.objects.filter(pk=supplier_b.pk).update(state="suspended")
    free = requisition.lines.get(kind="free_text")
    with pytest.raises(DomainError) as exc:
        services.requisition_line_source(
            line=free, actor=buyer, supplier=supplier_b, item=chair, unit_price="1"
        )
    assert exc.value.code == "supplier_suspended"
    free.refresh_from_db()
    assert free.supplier is None and free.unit_price == D("500")
    with pytest.raises(DomainError) as exc:
        services.requisition_line_source(
            line=requisition.lines.get(kind="catalog"),
            actor=buyer,
            supplier=supplier_b,
            item=chair,
            unit_price="1",
        )
    assert exc.value.code == "not_free_text"


def test_sourcing_a_line_of_an_unapproved_requisition_is_refused(world, submit, buyer, supplier_b, chair):
    requisition = submit(world["requester"], [], free_text=[("椅子", 1, "500")])
    with pytest.raises(DomainError) as exc:
        services.requisition_line_source(
            line=requisition.lines.get(), actor=buyer, supplier=supplier_b, item=chair, unit_price="1"
        )
    assert exc.value.code == "requisition_not_approved"


def test_an_rfq_started_from_free_text_lines_links_its_award_back(
    world, approved, buyer, buyer2, supplier_a, supplier_b, supplier_user_a, supplier_user_b, chair
):
    requisition = approved(
        world["requester"], [], free_text=[("人体工学椅", 4, "800"), ("会议桌", 1, "3000")]
    )
    chair_line, table_line = requisition.lines.order_by("line_no")
    table = ItemFactory(code="TABLE-1", name="会议桌")
    with pytest.raises(DomainError) as exc:
        services.requisition_rfq_start(
            actor=buyer, title="办公家具", lines=[(chair_line, chair), (table_line, None)]
        )
    assert exc.value.code == "item_required"
    assert not RFQ.objects.exists()

    rfq = services.requisition_rfq_start(
        actor=buyer, title="办公家具", lines=[(chair_line, chair), (table_line, table)]
    )
    assert list(rfq.lines.order_by("line_no").values_list("item__code", "quantity", "required_date")) == [
        ("CHAIR-1", D("4"), requisition.needed_by),
        ("TABLE-1", D("1"), requisition.needed_by),
    ]
    assert list(selectors.lines_to_source(buyer)) == []
    assert [line.pk for line in selectors.lines_in_rfq(buyer)] == [chair_line.pk, table_line.pk]
    with pytest.raises(DomainError) as exc:
        services.requisition_rfq_start(actor=buyer2, title="again", lines=[(chair_line, chair)])
    assert exc.value.code == "already_in_rfq"

    for supplier in (supplier_a, supplier_b):
        rfq_invite(rfq=rfq, supplier=supplier, actor=buyer)
    rfq = rfq_publish(rfq=rfq, actor=buyer, deadline=timezone.now() + timedelta(days=2))
    lines = list(rfq.lines.order_by("line_no"))
    valid = timezone.localdate() + timedelta(days=30)
    quote_submit(
        rfq=rfq,
        actor=supplier_user_a,
        prices={lines[0].pk: "700", lines[1].pk: "2900"},
        lead_time_days=5,
        valid_until=valid,
    )
    quote_submit(
        rfq=rfq,
        actor=supplier_user_b,
        prices={lines[0].pk: "720", lines[1].pk: "2500"},
        lead_time_days=5,
        valid_until=valid,
    )
    rfq_close(rfq=rfq, actor=buyer, reason="closed early for the test")
    pos = rfq_award(
        rfq=rfq,
        actor=buyer,
        decisions=[
            {"rfq_line_id": lines[0].pk, "supplier_id": supplier_a.pk},
            {"rfq_line_id": lines[1].pk, "supplier_id": supplier_b.pk},
        ],
    )
    chair_line.refresh_from_db()
    table_line.refresh_from_db()
    assert chair_line.po_line.po.supplier == supplier_a and chair_line.unit_price == D("700")
    assert table_line.po_line.po.supplier == supplier_b and table_line.supplier == supplier_b
    assert {chair_line.po_line.po, table_line.po_line.po} == set(pos)
    requisition.refresh_from_db()
    assert requisition.state == "ordered"
    log = transition_log_for(requisition).get(transition="order")
    assert log.actor == buyer and rfq.number in log.reason


def test_an_rfq_needs_lines_of_one_legal_entity(world, approved, buyer, chair, staff, centre):
    from tests.factories import LegalEntityFactory, UserFactory

    other_centre = services.cost_centre_create(
        legal_entity=LegalEntityFactory(), code="CC-2", name="2", budget_owner=world["requester"], actor=staff
    )
    services.budget_set(
        cost_centre=other_centre,
        starts_on=world["budget"].starts_on,
        ends_on=world["budget"].ends_on,
        amount="9999",
        actor=staff,
    )
    other = UserFactory(username="o2", role="requester")
    services.requester_assign(user=other, cost_centre=other_centre, actor=staff)
    a = approved(world["requester"], [], free_text=[("椅子", 1, "500")])
    services.cart_add_free_text(actor=other, description="椅子", quantity="1", estimated_unit_price="500")
    b = services.requisition_submit(actor=other, needed_by=a.needed_by, delivery_address="x")
    services.requisition_approve(requisition=b, actor=world["requester"])
    with pytest.raises(DomainError) as exc:
        services.requisition_rfq_start(
            actor=buyer, title="x", lines=[(a.lines.get(), chair), (b.lines.get(), chair)]
        )
    assert exc.value.code == "mixed_legal_entities"
    assert not RFQ.objects.exists()
    assert not RequisitionLine.objects.filter(rfq_line__isnull=False).exists()
