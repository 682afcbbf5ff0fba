"""Tolerance limits as data, and resolving the policy that applies."""

import random
from datetime import date
from decimal import Decimal as D

import pytest

from settlement.matching import Limit, PolicyNotFound, Tolerance, TolerancePolicy, resolve_policy
from settlement.matching.tolerance import Direction, check


def test_limit_accepts_a_difference_only_within_both_percent_and_amount():
    limit = Limit(percent="2", absolute="0.50")

    assert limit.allows(D("0.20"), D("10.00"))  # 2 % and 0.20
    assert not limit.allows(D("0.30"), D("10.00"))  # 3 %, within the amount
    assert not limit.allows(D("0.60"), D("100.00"))  # 0.6 %, beyond the amount


def test_limit_with_a_half_switched_off_checks_only_the_other_half():
    assert Limit(percent=None, absolute="0.50").allows(D("0.50"), D("1.00"))
    assert Limit(percent="2", absolute=None).allows(D("200"), D("10000"))
    assert Limit(percent=None, absolute=None).allows(D("1000000"), D("1"))


def test_default_limit_accepts_no_difference_at_all():
    assert Limit().allows(D("0"), D("10"))
    assert not Limit().allows(D("0.01"), D("10"))


def test_percentage_limit_is_broken_by_any_difference_from_zero():
    assert not Limit(percent="50", absolute=None).allows(D("0.01"), D("0"))


def test_negative_limits_are_refused():
    with pytest.raises(ValueError):
        Limit(percent="-1")


def test_floats_are_refused_for_limits():
    with pytest.raises(TypeError):
        Limit(percent=2.0)


def test_check_uses_the_lower_limit_for_differences_below_and_the_upper_one_above():
    tolerance = Tolerance(lower=Limit(percent="10", absolute=None), upper=Limit(percent="1", absolute=None))

    below = check(D("-0.50"), D("10.00"), tolerance)
    above = check(D("0.50"), D("10.00"), tolerance)

    assert (below.direction, below.within, below.percent) == (Direction.BELOW, True, D("5"))
    assert (above.direction, above.within) == (Direction.ABOVE, False)


# ------------------------------------------------------------------------------------- resolution

ON = date(2024, 6, 1)
GLOBAL = TolerancePolicy(version="global-1")
ENTITY = TolerancePolicy(version="entity-1", legal_entity_id="LE1")
SUPPLIER = TolerancePolicy(version="supplier-1", supplier_id="S1")
ENTITY_SUPPLIER = TolerancePolicy(version="entity-supplier-1", legal_entity_id="LE1", supplier_id="S1")
CATEGORY = TolerancePolicy(version="category-1", item_category="steel")
ALL = [GLOBAL, ENTITY, SUPPLIER, ENTITY_SUPPLIER, CATEGORY]


def resolve(policies, entity="LE1", supplier="S1", category=None, on=ON):
    return resolve_policy(
        policies, legal_entity_id=entity, supplier_id=supplier, item_category=category, on_date=on
    )


def test_most_specific_policy_wins():
    assert resolve(ALL, entity="LE2", supplier="S2") is GLOBAL
    assert resolve(ALL, entity="LE1", supplier="S2") is ENTITY
    assert resolve(ALL, entity="LE2", supplier="S1") is SUPPLIER
    assert resolve(ALL) is ENTITY_SUPPLIER


def test_item_category_outranks_supplier_and_legal_entity():
    assert resolve(ALL, category="steel") is CATEGORY
    assert resolve(ALL, category="paper") is ENTITY_SUPPLIER


def test_policy_for_another_scope_never_applies():
    with pytest.raises(PolicyNotFound):
        resolve([ENTITY, SUPPLIER], entity="LE9", supplier="S9")


def test_effective_dates_are_inclusive_and_expired_or_future_policies_do_not_apply():
    old = TolerancePolicy(version="2023", supplier_id="S1", effective_to=date(2023, 12, 31))
    current = TolerancePolicy(version="2024", supplier_id="S1", effective_from=date(2024, 1, 1))
    future = TolerancePolicy(version="2025", supplier_id="S1", effective_from=date(2025, 1, 1))
    policies = [GLOBAL, old, current, future]

    assert resolve(policies, on=date(2023, 12, 31)) is old
    assert resolve(policies, on=date(2024, 1, 1)) is current
    assert resolve(policies, on=date(2025, 1, 1)) is future
    assert resolve([old], entity=None, on=date(2023, 12, 31)) is old
    with pytest.raises(PolicyNotFound):
        resolve([old, future], on=ON)


def test_among_equally_specific_policies_the_latest_to_take_effect_wins_whatever_the_order():
    earlier = TolerancePolicy(version="7", supplier_id="S1", effective_from=date(2024, 1, 1))
    later = TolerancePolicy(version="3", supplier_id="S1", effective_from=date(2024, 5, 1))
    same_day = TolerancePolicy(version="10", supplier_id="S1", effective_from=date(2024, 5, 1))
    policies = [GLOBAL, earlier, later, same_day]

    for seed in range(10):
        random.Random(seed).shuffle(policies)
        assert resolve(policies) is same_day  # same date as "3": the higher version id wins


def test_effective_to_before_effective_from_is_refused():
    with pytest.raises(ValueError):
        TolerancePolicy(version="x", effective_from=date(2024, 2, 1), effective_to=date(2024, 1, 1))
