"""The API's document lists page by cursor: every row exactly once while documents arrive."""

from __future__ import annotations

import pytest

from core.services import api_token_create
from tests.factories import LegalEntityFactory, SupplierFactory
from tests.settlement.statement_builders import make_invoice


@pytest.fixture
def erp(client, finance):
    raw = api_token_create(user=finance, name="erp")[1]

    def get(url, **params):
        return client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {raw}")

    return get


@pytest.fixture
def entity(db):
    return LegalEntityFactory()


def _walk(erp, url, *, order, limit, between=None):
    """Follow X-Next-Cursor until a page says there is no more; ``between`` runs between pages."""
    seen, cursor, pages = [], "", 0
    while True:
        response = erp(url, limit=limit, order=order, **({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.content
        seen += [row["id"] for row in response.json()]
        pages += 1
        if "Link" not in response:
            return seen, pages, response
        assert 'rel="next"' in response["Link"] and "cursor=" in response["Link"]
        cursor = response["X-Next-Cursor"]
        if between:
            between(pages)


def test_erp_sync_oldest_first_gets_every_invoice_once_while_new_ones_arrive(erp, supplier_a, entity):
    existing = [make_invoice(supplier_a, entity).pk for _ in range(23)]
    arrived = []

    def new_invoices(page):
        if page <= 3:  # two new documents after each of the first pages
            arrived.extend(make_invoice(supplier_a, entity).pk for _ in range(2))

    seen, pages, last = _walk(erp, "/api/invoices/", order="oldest", limit=5, between=new_invoices)

    assert sorted(seen) == sorted(existing + arrived)  # nothing skipped
    assert len(seen) == len(set(seen)) == 29  # nothing repeated
    assert seen == sorted(seen)  # oldest first
    assert pages == 6
    # the last page still names where to resume: later documents, and only those, come next
    later = make_invoice(supplier_a, entity).pk
    resumed = erp("/api/invoices/", order="oldest", cursor=last["X-Next-Cursor"])
    assert [row["id"] for row in resumed.json()] == [later]


def test_newest_first_walk_never_repeats_when_documents_arrive_in_front(erp, supplier_a):
    existing = [SupplierFactory(state="approved").pk for _ in range(11)] + [supplier_a.pk]
    seen, _pages, _last = _walk(
        erp,
        "/api/suppliers/",
        order="newest",
        limit=4,
        between=lambda page: SupplierFactory(state="approved"),
    )
    assert sorted(seen) == sorted(existing)
    assert len(seen) == len(set(seen))


def test_offset_still_works_but_answers_deprecated(erp, supplier_a, entity):
    ids = [make_invoice(supplier_a, entity).pk for _ in range(4)]
    response = erp("/api/invoices/", offset=1, limit=2)
    assert response.status_code == 200
    assert response["Deprecation"] == "true"
    assert [row["id"] for row in response.json()] == sorted(ids, reverse=True)[1:3]
    # its next page is already a cursor page
    following = erp("/api/invoices/", cursor=response["X-Next-Cursor"], limit=2)
    assert [row["id"] for row in following.json()] == sorted(ids, reverse=True)[3:]
    assert "Deprecation" not in following


@pytest.mark.parametrize(
    "url", ["/api/purchase-orders", "/api/statements", "/api/payments", "/api/contracts/", "/api/suppliers/"]
)
def test_every_document_list_takes_a_cursor_and_refuses_a_made_up_one(erp, url, supplier_a):
    assert erp(url, limit=1).status_code == 200
    response = erp(url, cursor="not-a-cursor")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_cursor"


def test_a_cursor_of_another_list_or_order_is_refused(erp, supplier_a, entity):
    make_invoice(supplier_a, entity)
    make_invoice(supplier_a, entity)
    cursor = erp("/api/invoices/", limit=1)["X-Next-Cursor"]
    assert erp("/api/suppliers/", cursor=cursor).json()["code"] == "invalid_cursor"
    assert erp("/api/invoices/", cursor=cursor, order="oldest").json()["code"] == "invalid_cursor"
    tampered = cursor[:-3] + ("aaa" if not cursor.endswith("aaa") else "bbb")
    assert erp("/api/invoices/", cursor=tampered).json()["code"] == "invalid_cursor"


def test_a_supplier_walks_only_its_own_invoices(client, supplier_user_a, supplier_a, supplier_b, entity):
    own = {make_invoice(supplier_a, entity).pk for _ in range(3)}
    make_invoice(supplier_b, entity)
    raw = api_token_create(user=supplier_user_a, name="erp")[1]
    response = client.get("/api/invoices/", {"limit": 2}, HTTP_AUTHORIZATION=f"Bearer {raw}")
    second = client.get(
        "/api/invoices/",
        {"limit": 2, "cursor": response["X-Next-Cursor"]},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert {row["id"] for row in response.json() + second.json()} == own
