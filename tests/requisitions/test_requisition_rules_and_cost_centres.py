"""Issue 14: approval rules (PO and requisition) changed in the portal by a rule administrator,
with their history (who, before, after); requesters charge one of their cost centres; a
refused submit keeps what was typed."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Permission

from procurement.models import ApprovalRule
from requisitions import services
from requisitions.models import Requisition, RequisitionApprovalRule
from tests.factories import UserFactory


@pytest.fixture
def admin_user(db):
    return UserFactory(username="rules-admin", role="staff", is_staff=True, is_superuser=True)


def test_a_rule_administrator_adds_and_changes_a_po_rule_and_the_history_shows_who_before_and_after(
    admin_user, entity, buyer, buyer2, client_as
):
    client = client_as(admin_user)
    response = client.post(
        "/requisitions/rules/po/",
        {"legal_entity": entity.pk, "min_amount": "50000", "role": "buyer", "approvers_required": "2"},
    )
    assert response.status_code == 302
    rule = ApprovalRule.objects.get(legal_entity=entity)
    assert (rule.min_amount, rule.approvers_required) == (D("50000.00"), 2)
    client.post(
        f"/requisitions/rules/po/{rule.pk}/",
        {"legal_entity": entity.pk, "min_amount": "80000", "role": "buyer", "approvers_required": "1"},
    )
    rule.refresh_from_db()
    assert rule.min_amount == D("80000.00") and rule.approvers_required == 1
    page = client.get("/requisitions/rules/").content.decode()
    history = page[page.index('id="rule-history"') :]
    assert "rules-admin" in history
    assert "50000.00 → 80000.00" in history and "2 → 1" in history
    assert "created" in history and "changed" in history


def test_a_po_rule_needing_more_approvers_than_exist_is_refused_and_nothing_changes(
    admin_user, entity, buyer, client_as
):
    response = client_as(admin_user).post(
        "/requisitions/rules/po/",
        {"legal_entity": entity.pk, "min_amount": "100", "role": "buyer", "approvers_required": "5"},
    )
    assert response.status_code == 400 and "could never be approved" in response.content.decode()
    assert not ApprovalRule.objects.exists()


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("-1", "greater than or equal to"),
        ("1000000000000", "less than or equal to"),
        ("1.234", "decimal places"),
    ],
)
def test_rule_amounts_are_bounded(admin_user, entity, client_as, amount, reason):
    response = client_as(admin_user).post(
        "/requisitions/rules/requisition/", {"legal_entity": "", "min_amount": amount, "approver": "finance"}
    )
    assert response.status_code == 400 and reason in response.content.decode()
    assert f'value="{amount}"' in response.content.decode()
    assert not RequisitionApprovalRule.objects.exists()


def test_a_requisition_rule_changed_in_the_portal_decides_the_next_approval(
    admin_user, world, submit, paper, client_as
):
    assert (
        client_as(admin_user)
        .post(
            "/requisitions/rules/requisition/", {"legal_entity": "", "min_amount": "0", "approver": "finance"}
        )
        .status_code
        == 302
    )
    requisition = submit(world["requester"], [(paper, 1)])
    assert [s.kind for s in requisition.steps.all()] == ["finance"]
    rule = RequisitionApprovalRule.objects.get()
    client_as(admin_user).post(f"/requisitions/rules/requisition/{rule.pk}/", {"delete": "1"})
    assert not RequisitionApprovalRule.objects.exists()
    history = client_as(admin_user).get("/requisitions/rules/").content.decode()
    assert "deleted" in history


def test_buyers_read_the_rules_but_only_rule_administrators_change_them(
    buyer, entity, client_as, supplier_user_a
):
    rule = ApprovalRule.objects.create(legal_entity=entity, min_amount=0, role="buyer", approvers_required=1)
    client = client_as(buyer)
    assert client.get("/requisitions/rules/").status_code == 200
    payload = {"legal_entity": entity.pk, "min_amount": "5", "role": "buyer", "approvers_required": "1"}
    assert client.post("/requisitions/rules/po/", payload).status_code == 403
    assert client.post(f"/requisitions/rules/po/{rule.pk}/", payload).status_code == 403
    assert client.post(f"/requisitions/rules/po/{rule.pk}/", {"delete": "1"}).status_code == 403
    assert ApprovalRule.objects.get().min_amount == 0
    assert client_as(supplier_user_a).get("/requisitions/rules/").status_code == 403
    # a buyer given the permission (a rule-administrators group in the Django admin) may
    buyer.user_permissions.add(
        Permission.objects.get(codename="change_approvalrule", content_type__app_label="procurement")
    )
    buyer = type(buyer).objects.get(pk=buyer.pk)
    assert client_as(buyer).post(f"/requisitions/rules/po/{rule.pk}/", payload).status_code == 302
    assert ApprovalRule.objects.get().min_amount == D("5.00")


@pytest.fixture
def second_centre(entity, staff, manager, today, world):
    centre = services.cost_centre_create(
        legal_entity=entity, code="CC-HR", name="人事部", budget_owner=manager, actor=staff
    )
    services.budget_set(
        cost_centre=centre,
        starts_on=date(today.year, 1, 1),
        ends_on=date(today.year, 12, 31),
        amount="300",
        actor=staff,
    )
    world["requester"].requester_profile.other_cost_centres.add(centre)
    return centre


def test_a_requester_chooses_among_their_cost_centres_and_the_chosen_budget_is_checked(
    world, paper, second_centre, client_as, today
):
    user = world["requester"]
    client = client_as(user)
    services.cart_add(actor=user, price_line=paper, quantity="10")  # 250.00
    cart = client.get("/requisitions/cart/").content.decode()
    assert "CC-IT IT 部门" in cart and "CC-HR 人事部" in cart and "300.00 CNY left" in cart
    response = client.post(
        "/requisitions/cart/submit/",
        {
            "cost_centre": second_centre.pk,
            "needed_by": str(today + timedelta(days=7)),
            "delivery_address": "HR 办公室",
        },
    )
    assert response.status_code == 302
    requisition = Requisition.objects.get(requester=user)
    assert requisition.cost_centre == second_centre and requisition.budget.cost_centre == second_centre
    assert requisition.state == "submitted"


def test_a_refused_submit_keeps_what_was_typed_and_charges_nothing(
    world, paper, second_centre, client_as, today
):
    user = world["requester"]
    services.cart_add(actor=user, price_line=paper, quantity="20")  # 500.00 > 300 left on CC-HR
    needed = str(today + timedelta(days=9))
    response = client_as(user).post(
        "/requisitions/cart/submit/",
        {
            "cost_centre": second_centre.pk,
            "needed_by": needed,
            "delivery_address": "HR 办公室",
            "note": "请尽快",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400 and "CC-HR" in page and "over by 200.00" in page
    assert f'value="{needed}"' in page and 'value="HR 办公室"' in page and "请尽快</textarea>" in page
    assert f'<option value="{second_centre.pk}" selected>' in page
    cart = Requisition.objects.get(requester=user)
    assert cart.state == "draft" and cart.cost_centre == world["budget"].cost_centre


def test_a_cost_centre_that_is_not_the_requesters_is_refused(world, paper, entity, staff, client_as, today):
    foreign = services.cost_centre_create(legal_entity=entity, code="CC-X", name="别人的", actor=staff)
    user = world["requester"]
    services.cart_add(actor=user, price_line=paper, quantity="1")
    response = client_as(user).post(
        "/requisitions/cart/submit/",
        {"cost_centre": foreign.pk, "needed_by": str(today + timedelta(days=3)), "delivery_address": "x"},
    )
    assert response.status_code == 400 and "choose one of yours" in response.content.decode()
    assert Requisition.objects.get(requester=user).state == "draft"
