"""Tolerance policies as data: the default, versions that never rewrite history, effective dates,
scopes, who may change them, and the admin that writes a new version on every save."""

from datetime import date
from decimal import Decimal as D

import pytest

from core.errors import DomainError, PermissionDenied
from settlement.models import TolerancePolicy
from settlement.services.match_policies import (
    policy_for,
    tolerance_policy_create,
    tolerance_policy_ensure_default,
    tolerance_policy_revise,
)
from tests.factories import LegalEntityFactory, SupplierFactory, UserFactory

pytestmark = pytest.mark.django_db
MARCH = date(2026, 3, 2)


def _pick(**scope):
    scope = {"legal_entity_id": None, "supplier_id": None, "item_category": None, "on_date": MARCH, **scope}
    return policy_for(**scope)[0].label


def test_migrate_leaves_one_global_default_with_the_documented_limits():
    default = tolerance_policy_ensure_default()
    assert TolerancePolicy.objects.filter(code="global").count() == 1
    assert (default.label, default.scope_display, default.effective_to) == ("global v1", "global", None)
    assert (default.unit_price_upper_percent, default.unit_price_upper_absolute) == (D("2"), D("50"))
    assert (default.quantity_upper_percent, default.quantity_upper_absolute) == (D("0"), D("0"))
    assert (default.tax_rounding_per_line, default.tax_rounding_per_invoice) == (D("0.01"), D("0.06"))
    engine = policy_for(legal_entity_id=None, supplier_id=None, item_category=None, on_date=MARCH)[1]
    assert engine.version == "global v1"
    assert (engine.unit_price.upper.percent, engine.unit_price.upper.absolute) == (D("2"), D("50"))


def test_a_revision_is_a_new_row_and_takes_over_while_the_old_row_stays(finance):
    default = tolerance_policy_ensure_default()
    revised = tolerance_policy_revise(
        policy=default, actor=finance, reason="audit finding 7", unit_price_upper_percent=D("1")
    )

    assert (revised.version, revised.change_reason, revised.created_by) == (2, "audit finding 7", finance)
    default.refresh_from_db()
    assert default.unit_price_upper_percent == D("2")
    assert _pick() == "global v2"


def test_a_revision_effective_later_applies_only_from_its_date(finance):
    default = tolerance_policy_ensure_default()
    tolerance_policy_revise(
        policy=default, actor=finance, reason="from April", effective_from=date(2026, 4, 1)
    )

    assert _pick(on_date=MARCH) == "global v1"
    assert _pick(on_date=date(2026, 4, 1)) == "global v2"


def test_the_most_specific_policy_in_effect_wins(finance):
    tolerance_policy_ensure_default()
    entity = LegalEntityFactory()
    supplier = SupplierFactory(state="approved")
    tolerance_policy_create(
        code="entity", actor=finance, legal_entity=entity, effective_from=date(2026, 1, 1)
    )
    tolerance_policy_create(
        code="supplier", actor=finance, supplier=supplier, effective_from=date(2026, 1, 1)
    )
    tolerance_policy_create(
        code="cables",
        actor=finance,
        item_category="electronics",
        effective_from=date(2026, 1, 1),
        effective_to=date(2026, 2, 28),
    )

    assert _pick() == "global v1"
    assert _pick(legal_entity_id=entity.pk) == "entity v1"
    assert _pick(legal_entity_id=entity.pk, supplier_id=supplier.pk) == "supplier v1"
    assert _pick(item_category="electronics", on_date=date(2026, 2, 1)) == "cables v1"
    assert _pick(item_category="electronics", on_date=MARCH) == "global v1"  # ended in February


@pytest.mark.parametrize("who", ["buyer", "supplier_user_a"])
def test_only_finance_changes_policies(request, who):
    default = tolerance_policy_ensure_default()
    with pytest.raises(PermissionDenied):
        tolerance_policy_revise(policy=default, actor=request.getfixturevalue(who), reason="x")
    assert TolerancePolicy.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"unit_price_upper_percent": D("-1")}, "invalid_tolerance"),
        ({"effective_to": date(1999, 1, 1)}, "invalid_tolerance"),
        ({"no_such_field": 1}, "invalid_tolerance"),
    ],
)
def test_a_bad_revision_is_refused_and_nothing_is_written(finance, changes, code):
    default = tolerance_policy_ensure_default()
    with pytest.raises(DomainError) as refused:
        tolerance_policy_revise(policy=default, actor=finance, reason="bad", **changes)
    assert refused.value.code == code
    assert TolerancePolicy.objects.count() == 1


def test_a_revision_needs_a_reason(finance):
    default = tolerance_policy_ensure_default()
    with pytest.raises(DomainError) as refused:
        tolerance_policy_revise(policy=default, actor=finance, reason=" ")
    assert refused.value.code == "reason_required"


def test_saving_a_policy_in_the_admin_writes_the_next_version(client):
    admin_user = UserFactory(username="root", role="staff", is_staff=True, is_superuser=True)
    default = tolerance_policy_ensure_default()
    client.force_login(admin_user)
    page = client.get(f"/admin/settlement/tolerancepolicy/{default.pk}/change/")
    assert page.status_code == 200
    form = {
        name: ("" if value is None else value)
        for name, value in page.context["adminform"].form.initial.items()
        if name not in ("id", "version", "created_by", "created_at", "code")
    }
    form.update(
        unit_price_upper_percent="3", change_reason="supplier market moved", legal_entity="", supplier=""
    )

    response = client.post(f"/admin/settlement/tolerancepolicy/{default.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(
        TolerancePolicy.objects.order_by("version").values_list("version", "unit_price_upper_percent")
    ) == [
        (1, D("2")),
        (2, D("3")),
    ]
    assert TolerancePolicy.objects.get(version=2).created_by == admin_user
