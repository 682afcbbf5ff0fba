"""Settlement: deductions, payments, statements and tolerance policies refuse amounts, dates and
currencies out of bounds with a clear error (page message or 422 naming the field) and change
nothing."""

from decimal import Decimal

import pytest

from core.bounds import OutOfBounds
from core.services import api_token_create
from settlement.models import Payment, Statement, StatementLine, TolerancePolicy
from settlement.services import statements as svc
from settlement.services.match_policies import tolerance_policy_create
from tests.factories import LegalEntityFactory, make_approved_bank_account
from tests.settlement.statement_builders import PERIOD, make_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def entity(db):
    return LegalEntityFactory(name="上海采购有限公司")


@pytest.fixture
def draft(finance, supplier_a, entity):
    make_invoice(supplier_a, entity, lines=(("1000.00", "0.13"),))
    return svc.statement_create(
        kind="invoice_first",
        supplier=supplier_a,
        legal_entity=entity,
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        actor=finance,
    )


@pytest.fixture
def api(client):
    def call(user, method, url, body):
        raw = api_token_create(user=user, name="erp")[1]
        return getattr(client, method)(
            url, data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}"
        )

    return call


@pytest.mark.parametrize(
    "amount, shown",
    [
        ("99999999999999999999", "Amount is too large"),
        ("1e30", "Amount is too large"),
        ("12.345", "Amount may have at most 2 decimal places"),
    ],
)
def test_a_deduction_out_of_bounds_is_refused_on_the_page_and_in_the_api(
    draft, finance, client_as, api, amount, shown
):
    before = list(StatementLine.objects.values_list("pk", "gross"))
    page = client_as(finance).post(
        f"/settlement/statements/{draft.pk}/deductions/",
        {"amount": amount, "reason": "penalty"},
        HTTP_REFERER=f"/settlement/statements/{draft.pk}/",
        follow=True,
    )
    assert shown in page.content.decode()
    response = api(
        finance, "post", f"/api/statements/{draft.pk}/deductions", {"amount": amount, "reason": "penalty"}
    )
    assert response.status_code == 422 and response.json()["field"] == "amount"
    assert list(StatementLine.objects.values_list("pk", "gross")) == before
    assert Statement.objects.get(pk=draft.pk).gross_total == Decimal("1130.00")


def test_a_payment_of_a_huge_amount_is_refused_and_nothing_is_paid(
    draft, finance, supplier_user_a, supplier_a, api
):
    make_approved_bank_account(supplier_a)
    svc.statement_send(statement=draft, actor=finance)
    svc.statement_confirm(statement=draft, actor=supplier_user_a)
    svc.statement_approve(statement=draft, actor=other_finance())
    body = {"amount": "99999999999999999999", "bank_reference": "CNAPS-1"}
    response = api(finance, "post", f"/api/statements/{draft.pk}/payment", body)
    assert response.status_code == 422 and response.json()["field"] == "amount"
    response = api(
        finance,
        "post",
        f"/api/statements/{draft.pk}/payment",
        {**body, "amount": "1130.00", "paid_on": "2206-01-01"},
    )
    assert response.status_code == 422 and response.json()["field"] == "paid_on"
    assert not Payment.objects.exists() and Statement.objects.get(pk=draft.pk).state == "approved"


def test_a_statement_in_an_unknown_currency_is_refused(finance, supplier_a, entity, api):
    make_invoice(supplier_a, entity, lines=(("1000.00", "0.13"),))
    body = {
        "kind": "invoice_first",
        "supplier_id": supplier_a.pk,
        "legal_entity_id": entity.pk,
        "period_from": PERIOD[0].isoformat(),
        "period_to": PERIOD[1].isoformat(),
        "currency": "XYZ",
    }
    response = api(finance, "post", "/api/statements", body)
    assert response.status_code == 422 and response.json()["field"] == "currency"
    assert not Statement.objects.exists()


def test_a_tolerance_policy_beyond_the_limits_is_refused(finance):
    with pytest.raises(OutOfBounds) as exc:
        tolerance_policy_create(
            code="big", actor=finance, effective_from=PERIOD[0], unit_price_upper_percent=Decimal("1e30")
        )
    assert exc.value.details["field"] == "unit_price_upper_percent"
    with pytest.raises(OutOfBounds):
        tolerance_policy_create(
            code="big", actor=finance, effective_from=PERIOD[0], invoice_total_upper_absolute=Decimal("1.234")
        )
    assert not TolerancePolicy.objects.filter(code="big").exists()


def test_the_policy_admin_shows_a_limit_out_of_bounds_on_the_field_and_writes_no_version(client):
    from settlement.services.match_policies import tolerance_policy_ensure_default
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="root", role="staff", is_staff=True, is_superuser=True))
    default = tolerance_policy_ensure_default()
    url = f"/admin/settlement/tolerancepolicy/{default.pk}/change/"
    page = client.get(url)
    form = {
        name: ("" if value is None else value)
        for name, value in page.context["adminform"].form.initial.items()
        if name not in ("id", "version", "created_by", "created_at", "code")
    }
    form.update(unit_price_upper_percent="5000", change_reason="typo", legal_entity="", supplier="")
    response = client.post(url, form)
    assert response.status_code == 200
    assert "Unit price upper percent is too large" in response.content.decode()
    assert TolerancePolicy.objects.count() == 1


def other_finance():
    """A second finance user: who prepared a statement does not approve it (four eyes)."""
    from tests.factories import UserFactory

    return UserFactory(username="finance-approver", role="finance")
