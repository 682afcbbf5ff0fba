"""Purchase order, RFQ and goods-receipt lists (core.listing): filters, sorting, CSV, scoping to
the user's supplier, and a page that costs the same queries for 10 and for 200 rows."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from procurement import services
from procurement.models import (
    RFQ,
    GoodsReceipt,
    GoodsReceiptLine,
    PurchaseOrder,
    PurchaseOrderLine,
    Quote,
    ReceiptKind,
    RFQInvitation,
    RFQLine,
)
from tests.factories import (
    ItemFactory,
    LegalEntityFactory,
    SupplierFactory,
    UserFactory,
    make_purchase_order,
    make_rfq,
)

pytestmark = pytest.mark.django_db

PO_URL = "/procurement/pos/"
RFQ_URL = "/procurement/rfqs/"
RECEIPT_URL = "/procurement/receipts/"


def _links(response, prefix):
    """The texts of the links to ``prefix<id>/`` in page order."""
    assert response.status_code == 200
    return re.findall(rf'<a href="{prefix}\d+/">([^<]*)</a>', response.content.decode())


def _csv(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return b"".join(response.streaming_content).decode("utf-8-sig")


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        assert response.status_code == 200
    return len(ctx)


# ---- bulk rows for the query-count tests (test setup only: straight into the tables) --------

_serial = iter(range(1, 10**6))


def _bulk_pos(n, *, supplier, requester, state="sent"):
    entity = LegalEntityFactory()
    item = ItemFactory()
    pos = PurchaseOrder.objects.bulk_create(
        [
            PurchaseOrder(
                number=f"PO-T-{next(_serial):06d}",
                legal_entity=entity,
                supplier=supplier,
                requester=requester,
                state=state,
            )
            for _ in range(n)
        ]
    )
    lines = PurchaseOrderLine.objects.bulk_create(
        [
            PurchaseOrderLine(
                po=po,
                line_no=no,
                item=item,
                quantity=Decimal("4"),
                unit=item.unit,
                unit_price=Decimal("2.50"),
                tax_rate=Decimal("0.13"),
                required_date=date(2026, 6, no),
                promised_date=date(2026, 7, no),
            )
            for po in pos
            for no in (1, 2)
        ]
    )
    return pos, lines


def _bulk_receipts(n, *, supplier, buyer):
    _, lines = _bulk_pos(n, supplier=supplier, requester=buyer, state="partially_received")
    receipts = GoodsReceipt.objects.bulk_create(
        [
            GoodsReceipt(
                number=f"GR-T-{next(_serial):06d}",
                po_id=line.po_id,
                kind=ReceiptKind.RECEIPT,
                receipt_date=date(2026, 3, 1),
                received_by=buyer,
            )
            for line in lines[::2]
        ]
    )
    GoodsReceiptLine.objects.bulk_create(
        [
            GoodsReceiptLine(receipt=receipt, po_line=line, accepted_qty=Decimal("1"))
            for receipt, first in zip(receipts, lines[::2], strict=True)
            for line in (first, lines[lines.index(first) + 1])
        ]
    )


def _bulk_rfqs(n, *, buyer, suppliers):
    entity = LegalEntityFactory()
    item = ItemFactory()
    rfqs = RFQ.objects.bulk_create(
        [
            RFQ(
                number=f"RFQ-T-{next(_serial):06d}",
                title="批量询价",
                legal_entity=entity,
                buyer=buyer,
                state="published",
                deadline=timezone.now() + timedelta(days=3),
            )
            for _ in range(n)
        ]
    )
    RFQLine.objects.bulk_create(
        [RFQLine(rfq=rfq, line_no=no, item=item, quantity=Decimal("5")) for rfq in rfqs for no in (1, 2)]
    )
    RFQInvitation.objects.bulk_create([RFQInvitation(rfq=rfq, supplier=s) for rfq in rfqs for s in suppliers])
    Quote.objects.bulk_create(
        [Quote(rfq=rfq, supplier=s, current_version=1) for rfq in rfqs for s in suppliers]
    )


def _who(request, who):
    return request.getfixturevalue(who)


# ---- a page costs the same queries whatever the rows --------------------------------------


@pytest.mark.parametrize("who", ["buyer", "supplier_user_a"])
def test_the_po_list_and_its_csv_cost_the_same_queries_for_10_and_200_orders(
    client, request, who, buyer, supplier_a
):
    client.force_login(_who(request, who))
    _bulk_pos(10, supplier=supplier_a, requester=buyer)
    few = _queries(client, PO_URL)
    few_csv = _queries(client, PO_URL + "?format=csv")
    _bulk_pos(190, supplier=supplier_a, requester=buyer)
    assert len(_links(client.get(PO_URL), PO_URL)) == 25
    assert _queries(client, PO_URL) == few
    assert _queries(client, PO_URL + "?sort=-total&page=3") == few
    assert _queries(client, PO_URL + "?format=csv") == few_csv


@pytest.mark.parametrize("who", ["buyer", "supplier_user_a"])
def test_the_rfq_list_costs_the_same_queries_for_10_and_200_rfqs(
    client, request, who, buyer, supplier_a, supplier_b
):
    client.force_login(_who(request, who))
    _bulk_rfqs(10, buyer=buyer, suppliers=[supplier_a, supplier_b])
    few = _queries(client, RFQ_URL)
    _bulk_rfqs(190, buyer=buyer, suppliers=[supplier_a, supplier_b])
    assert len(_links(client.get(RFQ_URL), RFQ_URL)) == 25
    assert _queries(client, RFQ_URL) == few
    assert _queries(client, RFQ_URL + "?sort=quotes&page=2") == few


@pytest.mark.parametrize("who", ["buyer", "supplier_user_a"])
def test_the_receipt_list_costs_the_same_queries_for_10_and_200_receipts(
    client, request, who, buyer, supplier_a
):
    client.force_login(_who(request, who))
    _bulk_receipts(10, supplier=supplier_a, buyer=buyer)
    few = _queries(client, RECEIPT_URL)
    _bulk_receipts(190, supplier=supplier_a, buyer=buyer)
    assert len(_links(client.get(RECEIPT_URL), PO_URL)) == 25
    assert _queries(client, RECEIPT_URL) == few
    assert _queries(client, RECEIPT_URL + "?sort=accepted&page=4") == few


# ---- purchase orders -------------------------------------------------------------------------


@pytest.fixture
def three_pos(buyer, supplier_a, supplier_b):
    entity = LegalEntityFactory(name="上海采购有限公司")
    cheap = make_purchase_order(
        requester=buyer, supplier=supplier_a, legal_entity=entity, lines=((3, "1.335"),), state="sent"
    )
    dear = make_purchase_order(
        requester=buyer, supplier=supplier_a, legal_entity=entity, lines=((10, "50"),), state="acknowledged"
    )
    foreign = make_purchase_order(
        requester=buyer, supplier=supplier_b, legal_entity=entity, lines=((1, "7"),), state="sent"
    )
    PurchaseOrder.objects.filter(pk=cheap.pk).update(created_at=timezone.now() - timedelta(days=10))
    return cheap, dear, foreign


def test_the_po_list_shows_the_po_pages_total_and_sorts_filters_and_exports(client, buyer, three_pos):
    cheap, dear, foreign = three_pos
    draft = make_purchase_order(requester=buyer, supplier=foreign.supplier, lines=((1, "1"),))
    client.force_login(buyer)
    # Newest first by default; every state for internal users.
    assert _links(client.get(PO_URL), PO_URL) == [draft.number, foreign.number, dear.number, cheap.number]
    page = client.get(PO_URL).content.decode()
    # 3 × 1.335 = 4.005 → 4.01 net, 0.52 tax (rounded per line as on the PO page): 4.53.
    assert cheap.gross_total == Decimal("4.53") and "4.53" in page
    assert _links(client.get(PO_URL + "?sort=total"), PO_URL) == [
        draft.number,
        cheap.number,
        foreign.number,
        dear.number,
    ]
    assert _links(client.get(PO_URL + "?sort=-total"), PO_URL)[0] == dear.number
    assert _links(client.get(PO_URL + "?state=acknowledged"), PO_URL) == [dear.number]
    tax_id = foreign.supplier.tax_id
    assert _links(client.get(PO_URL + f"?supplier={tax_id}"), PO_URL) == [draft.number, foreign.number]
    assert _links(client.get(PO_URL + f"?q={cheap.number[-4:]}"), PO_URL) == [cheap.number]
    old = (timezone.localdate() - timedelta(days=5)).isoformat()
    assert _links(client.get(PO_URL + f"?ordered_to={old}"), PO_URL) == [cheap.number]
    assert cheap.number not in _links(client.get(PO_URL + f"?ordered_from={old}"), PO_URL)
    text = _csv(client.get(PO_URL + "?format=csv&state=sent&sort=total"))
    rows = text.strip().splitlines()
    assert len(rows) == 3 and rows[0].startswith("Number,Supplier")
    assert rows[1].startswith(cheap.number) and ",4.53," in rows[1] and rows[2].startswith(foreign.number)
    assert draft.number not in text and dear.number not in text


def test_the_po_list_shows_the_earliest_required_and_promised_dates(client, buyer, supplier_a):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, lines=((1, "1"), (2, "1")))
    first, second = po.lines.order_by("line_no")
    PurchaseOrderLine.objects.filter(pk=first.pk).update(required_date=date(2026, 9, 30))
    PurchaseOrderLine.objects.filter(pk=second.pk).update(
        required_date=date(2026, 9, 1), promised_date=date(2026, 9, 20)
    )
    client.force_login(buyer)
    row = _csv(client.get(PO_URL + "?format=csv")).strip().splitlines()[1]
    assert ",2026-09-01,2026-09-20," in row


def test_a_supplier_user_lists_and_exports_only_its_own_sent_orders(
    client, buyer, supplier_user_a, supplier_a, three_pos
):
    cheap, dear, foreign = three_pos
    draft = make_purchase_order(requester=buyer, supplier=supplier_a, lines=((1, "1"),))
    client.force_login(supplier_user_a)
    assert _links(client.get(PO_URL), PO_URL) == [dear.number, cheap.number]
    # No supplier filter for supplier users: another supplier's name or tax id finds nothing more.
    assert _links(client.get(PO_URL + f"?supplier={foreign.supplier.tax_id}"), PO_URL) == [
        dear.number,
        cheap.number,
    ]
    assert _links(client.get(PO_URL + f"?q={foreign.number}"), PO_URL) == []
    assert _links(client.get(PO_URL + "?state=draft"), PO_URL) == [dear.number, cheap.number]
    page = client.get(PO_URL).content.decode()
    assert foreign.supplier.name not in page and 'id="filter-supplier"' not in page
    text = _csv(client.get(PO_URL + "?format=csv"))
    assert cheap.number in text and dear.number in text
    assert foreign.number not in text and draft.number not in text and foreign.supplier.name not in text


def test_unknown_sort_and_filter_values_are_ignored(client, buyer, three_pos):
    client.force_login(buyer)
    default = _links(client.get(PO_URL), PO_URL)
    assert len(default) == 3
    for query in (
        "sort=notes",
        "sort=-supplier__tax_id",
        "state=nonsense",
        "ordered_from=yesterday&ordered_to=2026-13-45",
        "page=abc",
    ):
        assert _links(client.get(f"{PO_URL}?{query}"), PO_URL) == default, query
    assert _links(client.get(RFQ_URL + "?sort=password&state=evil"), RFQ_URL) == []
    assert _links(client.get(RECEIPT_URL + "?sort=po__supplier__bank_accounts&kind=x"), PO_URL) == []


# ---- RFQs --------------------------------------------------------------------------------------


@pytest.fixture
def rfqs(buyer, supplier_a, supplier_b, supplier_user_a):
    shared = make_rfq(buyer=buyer, suppliers=[supplier_a, supplier_b], lines=((10,), (5,)), title="钢材 2026")
    services.quote_submit(
        rfq=shared,
        actor=supplier_user_a,
        prices={line.pk: "9.99" for line in shared.lines.all()},
        lead_time_days=5,
        valid_until=timezone.localdate() + timedelta(days=30),
    )
    foreign = make_rfq(buyer=buyer, suppliers=[supplier_b], title="Foreign only 乙")
    draft = make_rfq(buyer=buyer, suppliers=[supplier_a], title="Draft 草稿", publish=False)
    return shared, foreign, draft


def test_the_rfq_list_counts_lines_invitations_and_quotes_and_filters(client, buyer, rfqs):
    shared, foreign, draft = rfqs
    client.force_login(buyer)
    assert _links(client.get(RFQ_URL), RFQ_URL) == [draft.number, foreign.number, shared.number]
    assert _links(client.get(RFQ_URL + "?state=draft"), RFQ_URL) == [draft.number]
    assert _links(client.get(RFQ_URL + "?q=钢材"), RFQ_URL) == [shared.number]
    assert _links(client.get(RFQ_URL + "?sort=-quotes"), RFQ_URL)[0] == shared.number
    assert _links(client.get(RFQ_URL + "?sort=-invited"), RFQ_URL)[0] == shared.number
    day = timezone.localtime(shared.deadline).date().isoformat()
    assert draft.number not in _links(client.get(RFQ_URL + f"?deadline_from={day}"), RFQ_URL)
    rows = {
        row.split(",")[0]: row.split(",")
        for row in _csv(client.get(RFQ_URL + "?format=csv")).strip().splitlines()[1:]
    }
    # number, title, entity, state, deadline, lines, invited, quotes, created
    assert rows[shared.number][5:8] == ["2", "2", "1"]
    assert rows[foreign.number][5:8] == ["1", "1", "0"]
    assert rows[draft.number][5:8] == ["1", "1", "0"]
    assert "9.99" not in client.get(RFQ_URL).content.decode()  # sealed: counts only, never prices


def test_a_supplier_user_lists_only_published_rfqs_it_is_invited_to_without_competitor_counts(
    client, supplier_user_a, rfqs
):
    shared, foreign, draft = rfqs
    client.force_login(supplier_user_a)
    page = client.get(RFQ_URL)
    assert _links(page, RFQ_URL) == [shared.number]
    assert 'id="filter-state"' in page.content.decode()
    assert _links(client.get(RFQ_URL + f"?q={foreign.number}"), RFQ_URL) == []
    assert _links(client.get(RFQ_URL + "?state=draft"), RFQ_URL) == [shared.number]
    text = _csv(client.get(RFQ_URL + "?format=csv"))
    header, row = text.strip().splitlines()
    assert "Invited" not in header and "Quotes" not in header
    # number, title, entity, state, deadline, lines, own quote version, created
    assert row.split(",")[5:7] == ["2", "1"]
    assert foreign.number not in text and draft.number not in text


# ---- goods receipts ------------------------------------------------------------------------------


@pytest.fixture
def receipts(buyer, supplier_a, supplier_b):
    own = make_purchase_order(requester=buyer, supplier=supplier_a, lines=((10, "2"),), state="acknowledged")
    line = own.lines.get()
    receipt = services.goods_receipt_create(
        po=own,
        actor=buyer,
        lines=[{"po_line_id": line.pk, "accepted_qty": "6", "rejected_qty": "1"}],
        receipt_date=date(2026, 3, 2),
    )
    back = services.goods_return_create(
        po=own, actor=buyer, lines=[{"po_line_id": line.pk, "quantity": "2", "reason": "破损"}]
    )
    GoodsReceipt.objects.filter(pk=back.pk).update(receipt_date=date(2026, 3, 9))
    other = make_purchase_order(requester=buyer, supplier=supplier_b, lines=((4, "2"),), state="acknowledged")
    foreign = services.goods_receipt_create(
        po=other,
        actor=buyer,
        lines=[{"po_line_id": other.lines.get().pk, "accepted_qty": "4"}],
        receipt_date=date(2026, 3, 5),
    )
    return own, receipt, back, other, foreign


def _receipt_rows(client, query=""):
    text = _csv(client.get(f"{RECEIPT_URL}?format=csv{query}"))
    return [row.split(",") for row in text.strip().splitlines()]


def test_the_receipt_list_totals_filters_sorts_and_exports(client, buyer, receipts):
    own, receipt, back, other, foreign = receipts
    client.force_login(buyer)
    page = client.get(RECEIPT_URL)
    assert _links(page, PO_URL) == [own.number, other.number, own.number]  # newest first
    assert back.number in page.content.decode() and "Receipt or PO number" in page.content.decode()
    header, *rows = _receipt_rows(client, "&sort=date")
    assert header[:4] == ["Number", "Purchase order", "Supplier", "Legal entity"]
    assert [r[0] for r in rows] == [receipt.number, foreign.number, back.number]
    # number, po, supplier, entity, date, kind, lines, accepted, rejected, returned
    assert rows[0][4:] == ["2026-03-02", "Goods receipt", "1", "6", "1", "0"]
    assert rows[2][4:] == ["2026-03-09", "Return to supplier", "1", "0", "0", "2"]
    assert [r[0] for r in _receipt_rows(client, "&kind=return")[1:]] == [back.number]
    assert [r[0] for r in _receipt_rows(client, f"&supplier={other.supplier.tax_id}")[1:]] == [foreign.number]
    assert [r[0] for r in _receipt_rows(client, f"&q={own.number}&sort=number")[1:]] == sorted(
        [receipt.number, back.number]
    )
    window = "&date_from=2026-03-03&date_to=2026-03-08"
    assert [r[0] for r in _receipt_rows(client, window)[1:]] == [foreign.number]
    assert [r[0] for r in _receipt_rows(client, "&sort=-accepted")[1:]][0] == receipt.number


def test_a_supplier_user_sees_and_exports_only_the_receipts_of_its_own_orders(
    client, supplier_user_a, receipts
):
    own, receipt, back, other, foreign = receipts
    client.force_login(supplier_user_a)
    page = client.get(RECEIPT_URL)
    assert _links(page, PO_URL) == [own.number, own.number]
    assert foreign.number not in page.content.decode() and other.supplier.name not in page.content.decode()
    assert _links(client.get(RECEIPT_URL + f"?q={foreign.number}"), PO_URL) == []
    text = _csv(client.get(RECEIPT_URL + "?format=csv"))
    assert receipt.number in text and back.number in text
    assert foreign.number not in text and other.number not in text and other.supplier.name not in text


def test_a_requester_lists_no_orders_rfqs_or_receipts_whatever_the_sort(client, buyer, receipts, rfqs):
    client.force_login(UserFactory(username="req1", role="requester"))
    for url, prefix, sort in (
        (PO_URL, PO_URL, "-total"),
        (RFQ_URL, RFQ_URL, "own_quote"),
        (RECEIPT_URL, PO_URL, "-accepted"),
    ):
        assert _links(client.get(f"{url}?sort={sort}"), prefix) == [], url
        assert len(_csv(client.get(f"{url}?format=csv&sort={sort}")).strip().splitlines()) == 1, url


@pytest.mark.parametrize("role", ["buyer", "finance", "requester"])
def test_buyers_finance_and_supplier_users_find_receipts_in_the_navigation(client, role, supplier_user_a):
    client.force_login(UserFactory(username=f"nav-{role}", role=role))
    assert (f'href="{RECEIPT_URL}"' in client.get("/").content.decode()) is (role != "requester")
    client.force_login(supplier_user_a)
    assert f'href="{RECEIPT_URL}"' in client.get("/").content.decode()


def test_another_suppliers_bulk_rows_never_reach_a_supplier_users_lists(client, buyer, supplier_user_a):
    other = SupplierFactory(name="Other 丙", state="approved")
    _bulk_pos(3, supplier=other, requester=buyer)
    _bulk_receipts(3, supplier=other, buyer=buyer)
    _bulk_rfqs(3, buyer=buyer, suppliers=[other])
    client.force_login(supplier_user_a)
    for url in (PO_URL, RFQ_URL, RECEIPT_URL):
        assert "-T-" not in client.get(url).content.decode(), url
        assert "-T-" not in _csv(client.get(url + "?format=csv")), url
