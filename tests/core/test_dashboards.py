"""Each role's home page is a dashboard: a tile per queue with the right count and a link to the
queue, the figures of the role, the oldest items; a supplier user sees only their own company's."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from procurement.models import PurchaseOrder
from tests.factories import LegalEntityFactory, UserFactory, make_purchase_order
from tests.settlement.statement_builders import make_invoice

pytestmark = pytest.mark.django_db


def _tiles(html: str) -> dict[str, int]:
    """{tile label: count} of the home page's tiles."""
    found = re.findall(
        r'class="tile[^"]*"[^>]*>\s*<span class="count">(\d+)</span><span class="label">([^<]+)</span>', html
    )
    return {label: int(count) for count, label in found}


def _home(client, user, language="en"):
    client.force_login(user)
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def entity(db):
    return LegalEntityFactory()


def test_the_approver_sees_how_many_orders_wait_for_approval_and_the_oldest_first(
    client, buyer, buyer2, supplier_a, entity
):
    old = make_purchase_order(
        requester=buyer, supplier=supplier_a, legal_entity=entity, state="pending_approval"
    )
    PurchaseOrder.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=9))
    newer = make_purchase_order(
        requester=buyer, supplier=supplier_a, legal_entity=entity, state="pending_approval"
    )
    make_purchase_order(requester=buyer2, supplier=supplier_a, legal_entity=entity, state="pending_approval")
    make_purchase_order(requester=buyer, supplier=supplier_a, legal_entity=entity, state="draft")

    html = _home(client, buyer2)
    tiles = _tiles(html)
    # two wait for buyer2 (their own PO is never theirs to approve; a draft waits for nobody)
    assert tiles["Purchase orders to approve"] == 2
    assert f'href="{reverse("po-list")}?state=pending_approval"' in html
    earliest = (timezone.localdate() - timedelta(days=9)).isoformat()
    assert f"earliest: {earliest}" in html
    # the card lists the oldest first
    section = html[html.index("<h2>Purchase orders to approve") :]
    assert section.index(old.number) < section.index(newer.number)
    # the buyer who wrote two of them sees one to approve
    assert _tiles(_home(client, buyer))["Purchase orders to approve"] == 1


def test_finance_sees_the_money_waiting_for_settlement_and_payment(
    client, finance, supplier_a, supplier_b, entity
):
    make_invoice(supplier_a, entity, lines=(("1000.00", "0.13"),), state="approved")
    make_invoice(supplier_b, entity, lines=(("2000.00", "0.13"),), state="approved")
    make_invoice(supplier_b, entity, lines=(("500.00", "0.13"),), state="paid")

    html = _home(client, finance)
    figures = re.findall(r'<span class="label">([^<]+)</span>\s*<span class="value">([^<]+)', html)
    values = {label: value.strip() for label, value in figures}
    assert values["Approved invoices not yet in a statement"] == "CN¥3,390.00"  # 1130 + 2260
    assert values["Approved statements to pay"] == "CN¥0.00"
    assert _tiles(html)["Statements to approve"] == 0
    assert "Match exceptions" in _tiles(html)


def test_a_supplier_user_sees_only_their_own_companys_numbers(
    client, buyer, supplier_a, supplier_b, supplier_user_a, entity
):
    make_purchase_order(requester=buyer, supplier=supplier_a, legal_entity=entity, state="sent")
    for _ in range(3):
        make_purchase_order(requester=buyer, supplier=supplier_b, legal_entity=entity, state="sent")
    make_invoice(supplier_a, entity, lines=(("100.00", "0.13"),), state="matched")
    make_invoice(supplier_b, entity, lines=(("9000.00", "0.13"),), state="matched")

    html = _home(client, supplier_user_a)
    assert _tiles(html)["Purchase orders to acknowledge"] == 1
    values = dict(re.findall(r'<span class="label">([^<]+)</span>\s*<span class="value">([^<]+)', html))
    assert values["Invoiced, not yet paid"].strip() == "CN¥113.00"
    assert values["Open purchase orders"].strip() == "1"
    assert supplier_b.name not in html


def test_a_requester_sees_their_open_requisitions_and_nothing_of_the_buyers_queues(client, db):
    requester = UserFactory(username="ren", role="requester")
    html = _home(client, requester)
    tiles = _tiles(html)
    assert tiles == {"My open requisitions": 0}
    assert "nothing waiting" in html
    assert "Purchase orders to approve" not in html


def test_the_dashboard_reads_in_chinese(client, finance, supplier_a, entity):
    html = _home(client, finance, "zh-hans")
    assert 'lang="zh-hans"' in html
    # the queue titles in Chinese (the tiles' own new words are translated by `make messages`)
    assert _tiles(html)["匹配异常"] == 0 and "Match exceptions" not in html


def test_the_queries_of_the_home_page_do_not_grow_with_the_rows(
    client, buyer2, buyer, supplier_a, entity, django_assert_max_num_queries
):
    for _ in range(3):
        make_purchase_order(
            requester=buyer, supplier=supplier_a, legal_entity=entity, state="pending_approval"
        )
    client.force_login(buyer2)
    client.get(reverse("home"))  # warm the session and caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    for _ in range(12):
        make_purchase_order(
            requester=buyer, supplier=supplier_a, legal_entity=entity, state="pending_approval"
        )
    with django_assert_max_num_queries(len(few)):
        client.get(reverse("home"))


def test_the_language_switcher_names_each_language_in_itself(client, buyer):
    for language in ("zh-hans", "en"):
        html = _home(client, buyer, language)
        options = re.findall(r'<option value="([^"]+)" lang="[^"]+"[^>]*>([^<]+)</option>', html)
        assert options == [("zh-hans", "中文"), ("en", "English")]
        assert "英语" not in html


def test_amounts_figures_are_decimal_sums(client, finance, supplier_a, entity):
    make_invoice(supplier_a, entity, lines=(("0.10", "0.13"), ("0.20", "0.13")), state="approved")
    html = _home(client, finance)
    values = dict(re.findall(r'<span class="label">([^<]+)</span>\s*<span class="value">([^<]+)', html))
    assert values["Approved invoices not yet in a statement"].strip() == "CN¥0.34"
