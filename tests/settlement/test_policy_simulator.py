"""The tolerance policy simulator, through its pages: finance drafts a change of a policy, sees which
recent invoices would change verdict (counts and the list, with old and new reasons in the reader's
language) computed by the pure engine on the stored inputs, writing nothing; then saves the draft as
the next version through the normal policy-change path."""

from decimal import Decimal as D

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from core.models import TransitionLog
from invoicing.models import Invoice
from settlement.models import ExceptionCase, MatchAllocation, MatchResult, TolerancePolicy
from settlement.selectors import policy_simulation
from settlement.services.match_policies import RULE_FIELDS, tolerance_policy_create
from tests.reports.ap_world import build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(buyer, supplier_a, supplier_b):
    return build(buyer, supplier_a, supplier_b)


def _global():
    return TolerancePolicy.objects.get(code="global", version=1)


def _form(policy, *, days=30, action="simulate", reason="", **changes) -> dict:
    data = {name: "" if getattr(policy, name) is None else str(getattr(policy, name)) for name in RULE_FIELDS}
    data.update(
        {
            "effective_from": policy.effective_from.isoformat(),
            "effective_to": "",
            "legal_entity": "",
            "supplier": "",
            "item_category": "",
            "description": policy.description,
            "days": str(days),
            "base_version": str(policy.version),
            "change_reason": reason,
            "action": action,
        }
    )
    data.update({k: str(v) for k, v in changes.items()})
    return data


def _post(client, policy, language="en", **kwargs):
    client.cookies["django_language"] = language
    return client.post(
        reverse("policy-simulate", args=[policy.pk]), _form(policy, **kwargs), HTTP_ACCEPT_LANGUAGE=language
    )


def _everything() -> list:
    """Every row a simulation could touch, to compare before and after."""
    return [
        list(model.objects.order_by("pk").values())
        for model in (Invoice, MatchResult, MatchAllocation, ExceptionCase, TolerancePolicy, TransitionLog)
    ]


def test_the_page_offers_the_newest_version_with_its_limits(client_as, finance, world):
    page = client_as(finance).get(reverse("policy-simulate", args=[_global().pk])).content.decode()
    assert "Simulate a change of global v1" in page
    assert 'name="unit_price_upper_percent" id="id_unit_price_upper_percent" value="2"' in page
    assert client_as(finance).get(reverse("policy-list")).status_code == 200


def test_a_tighter_price_limit_shows_the_invoice_it_would_stop_with_old_and_new_reasons_writing_nothing(
    client_as, finance, world
):
    before = _everything()
    response = _post(
        client_as(finance), _global(), unit_price_upper_percent="1", line_amount_upper_percent="1"
    )
    assert _everything() == before  # nothing written: invoices, results, allocations, cases, policies, log

    simulation = response.context["simulation"]
    assert (simulation.in_window, simulation.simulated, simulation.not_reached) == (3, 3, 0)
    assert simulation.transitions == [("Matched within tolerance", "Exception", 1)]
    (changed,) = simulation.changed
    assert changed.invoice_id == world.within.pk and (changed.old_policy, changed.new_policy) == (
        "global v1",
        "global v2",
    )
    assert any("so this is accepted within tolerance" in r.words for r in changed.old_reasons)
    assert any(
        "allows at most +1.00% and +50.00 CNY, so this line is an exception" in r.words
        for r in changed.new_reasons
    )
    assert all(r.line_no == "1" for r in changed.new_reasons if "line" in r.words.lower() and r.line_no)
    page = response.content.decode()
    assert world.within.invoice_number in page and "Matched within tolerance" in page


def test_a_wider_limit_shows_the_exception_it_would_let_through(client_as, finance, world):
    response = _post(
        client_as(finance),
        _global(),
        unit_price_upper_percent="3",
        line_amount_upper_percent="3",
        invoice_total_upper_percent="3",
    )
    simulation = response.context["simulation"]
    assert simulation.transitions == [("Exception", "Matched within tolerance", 1)]
    assert [c.invoice_id for c in simulation.changed] == [world.just_over.pk]
    # the no-PO invoice stays an exception whatever the limits: run, unchanged
    assert simulation.unchanged == 2


def test_the_reasons_read_in_chinese_for_a_chinese_reader(client_as, finance, world):
    response = _post(client_as(finance), _global(), language="zh-hans", unit_price_upper_percent="1")
    page = response.content.decode()
    (changed,) = response.context["simulation"].changed
    assert "因此在容差范围内予以接受" in page  # "so this is accepted within tolerance"
    assert "因此该行为异常" in page  # "so this line is an exception"
    assert "so this line is an exception" not in page
    assert "在容差内匹配" in page  # the old verdict, "Matched within tolerance"
    assert changed.new_verdict == "exception"


def test_invoices_another_policy_decides_are_not_reached(client_as, finance, buyer, supplier_a, supplier_b):
    tolerance_policy_create(
        code="supplier-a", actor=finance, supplier=supplier_a, effective_from=_global().effective_from
    )
    build(buyer, supplier_a, supplier_b)
    simulation = _post(client_as(finance), _global(), unit_price_upper_percent="1").context["simulation"]
    assert (simulation.not_reached, simulation.simulated, simulation.changed) == (2, 1, [])


def test_days_out_of_bounds_are_refused_and_nothing_is_simulated(client_as, finance, world):
    response = _post(client_as(finance), _global(), days=181)
    assert response.context["simulation"] is None
    assert "Ensure this value is less than or equal to 180." in response.content.decode()


def test_more_invoices_than_the_cap_simulates_the_newest_and_says_so(client_as, finance, world, monkeypatch):
    monkeypatch.setattr(policy_simulation, "MAX_INVOICES", 2)
    response = _post(client_as(finance), _global(), unit_price_upper_percent="1")
    simulation = response.context["simulation"]
    assert (simulation.capped, simulation.in_window, simulation.simulated) == (True, 3, 2)
    assert (
        "The period holds 3 matched invoices; only the newest 2 were simulated" in response.content.decode()
    )


def test_saving_needs_a_reason_and_writes_the_next_version_through_the_policy_path(client_as, finance, world):
    client = client_as(finance)
    refused = _post(client, _global(), action="save", unit_price_upper_percent="1")
    assert "Say why the policy changes" in refused.content.decode()
    assert TolerancePolicy.objects.filter(code="global").count() == 1

    saved = _post(client, _global(), action="save", reason="audit finding 12", unit_price_upper_percent="1")
    assert saved.status_code == 302 and saved.url == reverse("policy-list")
    v2 = TolerancePolicy.objects.get(code="global", version=2)
    assert (v2.unit_price_upper_percent, v2.change_reason, v2.created_by) == (
        D("1"),
        "audit finding 12",
        finance,
    )
    assert _global().unit_price_upper_percent == D("2")  # the old version is unchanged

    stale = _post(client, _global(), action="save", reason="again", unit_price_upper_percent="5")
    assert "The policy was changed after you opened it: it is now global v2" in stale.content.decode()
    assert TolerancePolicy.objects.filter(code="global").count() == 2


def test_a_negative_limit_is_a_field_error_and_saves_nothing(client_as, finance, world):
    response = _post(client_as(finance), _global(), action="save", reason="x", unit_price_upper_percent="-1")
    assert "Cannot be negative." in response.content.decode()
    assert TolerancePolicy.objects.filter(code="global").count() == 1


def test_only_finance_simulates_or_saves(client_as, buyer, supplier_user_a, world):
    for user in (buyer, supplier_user_a):
        client = client_as(user)
        assert client.get(reverse("policy-list")).status_code == 403
        assert (
            _post(client, _global(), action="save", reason="x", unit_price_upper_percent="9").status_code
            == 403
        )
    assert TolerancePolicy.objects.filter(code="global").count() == 1


def test_a_result_without_stored_inputs_is_counted_not_simulated(client_as, finance, world):
    MatchResult.objects.filter(invoice=world.no_po).update(inputs=None)
    simulation = _post(client_as(finance), _global(), unit_price_upper_percent="1").context["simulation"]
    assert (simulation.without_inputs, simulation.simulated) == (1, 2)
    assert ContentType.objects.exists()


def test_the_dates_of_the_draft_are_iso_in_chinese_too_so_the_date_field_keeps_them(
    client_as, finance, world
):
    client = client_as(finance)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("policy-simulate", args=[_global().pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert 'type="date" name="effective_from" value="2000-01-01"' in page.content.decode()


def test_an_error_in_the_scope_opens_its_section_and_says_nothing_was_simulated(client_as, finance, world):
    response = _post(client_as(finance), _global(), effective_from="")
    page = response.content.decode()
    assert response.context["simulation"] is None
    assert "<details open>" in page and "correct the marked fields" in page
