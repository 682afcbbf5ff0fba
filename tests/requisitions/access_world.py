"""Requisitions for the access walker (tests/core/test_access_walker.py). Requisitions belong to
requesters of the buying organisation, never to a supplier: supplier users are refused (403) on
every requisition page and endpoint, whichever id they try. The "foreign" requisition orders
from supplier B and carries the marker in its lines and delivery address; the "own" one orders
from supplier A."""

from datetime import date, timedelta

from django.utils import timezone

from core.models import Role
from requisitions import services
from requisitions.models import Requisition, RequisitionLine
from tests.factories import ItemFactory, LegalEntityFactory, UserFactory, make_active_contract


def _requisition(requester, manager, price_line, address):
    services.cart_add(actor=requester, price_line=price_line, quantity="1")
    requisition = services.requisition_submit(
        actor=requester, needed_by=timezone.localdate() + timedelta(days=7), delivery_address=address
    )
    return services.requisition_approve(requisition=requisition, actor=manager)


def build(supplier_a, supplier_b, alice, bob, foreign_id, marker):
    today = timezone.localdate()
    staff = UserFactory(username="walker-req-staff", role=Role.STAFF, is_staff=True)
    manager = UserFactory(username="walker-req-manager", role=Role.REQUESTER)
    centre = services.cost_centre_create(
        legal_entity=LegalEntityFactory(), code="WALK-CC", name="walker", budget_owner=manager, actor=staff
    )
    services.budget_set(
        cost_centre=centre,
        starts_on=date(today.year, 1, 1),
        ends_on=date(today.year, 12, 31),
        amount="1000000",
        actor=staff,
    )
    own_requester = UserFactory(username="walker-req-own", role=Role.REQUESTER)
    foreign_requester = UserFactory(username="walker-req-foreign", role=Role.REQUESTER)
    for user in (own_requester, foreign_requester):
        services.requester_assign(user=user, cost_centre=centre, actor=staff)
    ItemFactory(code="WALK-A", name="walker own item")
    ItemFactory(code="WALK-B", name="walker item of B")  # items are shared master data: no marker
    lines = {}
    for supplier, code in ((supplier_a, "WALK-A"), (supplier_b, "WALK-B")):
        contract = make_active_contract(
            supplier,
            valid_from=today - timedelta(days=10),
            valid_to=today + timedelta(days=30),
            lines=({"item_code": code, "item_name": code, "unit_price": "5", "tax_rate": "0.13"},),
        )
        lines[code] = contract.current_version.lines.get()
    own = _requisition(own_requester, manager, lines["WALK-A"], "own address")
    foreign = _requisition(foreign_requester, manager, lines["WALK-B"], f"{marker} address")
    RequisitionLine.objects.filter(requisition=foreign).update(description=f"{marker} line")
    Requisition.objects.filter(pk=foreign.pk).update(note=f"{marker} note")
    return {
        "own": {"requisition_id": own.pk, "req_line_id": own.lines.get().pk},
        "foreign": {"requisition_id": foreign.pk, "req_line_id": foreign.lines.get().pk},
    }
