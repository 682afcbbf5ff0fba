"""Supplier scorecards: the chart on the reports page (every supplier with activity, best first)
and the scorecard panel on a supplier's own page, both from real receipts and acknowledgements
and the arithmetic of suppliers.scorecard."""

import re
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.charts import grouped_bar_chart
from core.models import TransitionLog
from invoicing.models import Invoice, StoredFile
from procurement import services
from reports import selectors
from reports.panels import supplier_scorecard_panel
from suppliers.scorecard import AcknowledgementEvent, DeliveryEvent, supplier_score
from tests.factories import (
    ItemFactory,
    LegalEntityFactory,
    SupplierFactory,
    UserFactory,
    make_purchase_order,
    make_supplier_user,
)

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def approver(db):
    return UserFactory(username="approver1", role="buyer")


def _history(buyer, approver, supplier, *, answered_after_hours=2, deliveries=((5, 0, True),)):
    """A PO sent 10 days ago and answered ``answered_after_hours`` later (None: never), then one
    receipt per (accepted, rejected, on time?) — on time on the promised date, late a day after
    it. Returns (sent_at, acknowledged_at or None, promised date)."""
    item = ItemFactory()
    po = services.purchase_order_create(
        legal_entity=LegalEntityFactory(),
        supplier=supplier,
        actor=buyer,
        lines=[{"item": item, "quantity": 100, "unit_price": "2"}],
    )
    services.purchase_order_submit(po=po, actor=buyer)
    services.purchase_order_approve(po=po, actor=approver)
    services.purchase_order_send(po=po, actor=buyer)
    send = TransitionLog.objects.filter(object_id=str(po.pk), transition="send").latest("at")
    sent_at = timezone.now() - timedelta(hours=10 * 24)
    TransitionLog.objects.filter(pk=send.pk).update(at=sent_at)
    promised = timezone.localdate() - timedelta(days=3)
    if answered_after_hours is None:
        return sent_at, None, promised
    line = po.lines.get()
    user = supplier.memberships.first().user if supplier.memberships.exists() else None
    user = user or make_supplier_user(supplier, f"user-of-{supplier.pk}")
    services.purchase_order_acknowledge(po=po, actor=user, promised_dates={line.pk: timezone.localdate()})
    po.lines.update(promised_date=promised)  # setup: promised for 3 days ago (refused as input today)
    acknowledged_at = sent_at + timedelta(hours=answered_after_hours)
    TransitionLog.objects.filter(object_id=str(po.pk), transition="acknowledge").update(at=acknowledged_at)
    for accepted, rejected, on_time in deliveries:
        services.goods_receipt_create(
            po=po,
            actor=buyer,
            receipt_date=promised if on_time else promised + timedelta(days=1),
            lines=[{"po_line_id": line.pk, "accepted_qty": str(accepted), "rejected_qty": str(rejected)}],
        )
    return sent_at, acknowledged_at, promised


def _log(obj, transition, at):
    TransitionLog.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        transition=transition,
        source="s",
        target="x",
        at=at,
    )


def _invoice(supplier, n):
    stored = StoredFile.objects.create(sha256=f"{n:064d}", size=1, path=f"x/{n}")
    return Invoice.objects.create(supplier=supplier, file=stored, invoice_number=str(n), state="matched")


class _Tables(HTMLParser):
    """Rows of the tables of a page as lists of cell texts, per table (in order)."""

    def __init__(self):
        super().__init__()
        self.tables, self._row, self._cell = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _tables(html: str) -> list[list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def _section(page: str, start: str, end: str) -> str:
    return page[page.index(start) : page.index(end, page.index(start))]


@pytest.fixture
def world(buyer, approver, supplier_a, supplier_b, supplier_user_a, supplier_user_b):
    """A: on time (4 accepted, 1 rejected) and late (5 accepted), answered in 2 h.
    B: on time (10 accepted), answered in 2 h. C: a PO sent 10 days ago, never answered.
    D: only a draft PO; E: nothing at all — neither is on the chart."""
    a = _history(buyer, approver, supplier_a, deliveries=((4, 1, True), (5, 0, False)))
    _history(buyer, approver, supplier_b, deliveries=((10, 0, True),))
    c = SupplierFactory(name="Supplier C 丙", state="approved")
    _history(buyer, approver, c, answered_after_hours=None)
    d = SupplierFactory(name="Supplier D 丁", state="approved")
    make_purchase_order(requester=buyer, supplier=d)
    SupplierFactory(name="Supplier E 戊", state="approved")
    return {"a": a, "c": c}


def test_the_dashboard_ranks_active_suppliers_with_the_scorecard_arithmetic(
    buyer, client, supplier_a, supplier_b, world
):
    sent_at, acknowledged_at, promised = world["a"]
    expected_a = supplier_score(
        supplier_a.pk,
        as_of=timezone.now(),
        deliveries=[
            DeliveryEvent(supplier_a.pk, promised, promised, Decimal("5"), Decimal("1")),
            DeliveryEvent(supplier_a.pk, promised + timedelta(days=1), promised, Decimal("5"), Decimal("0")),
        ],
        acknowledgements=[AcknowledgementEvent(supplier_a.pk, sent_at, acknowledged_at)],
    )
    assert expected_a.score == Decimal("76.0")  # 100 × (0.4 × 0.5 + 0.4 × 0.9 + 0.2 × 1)
    for n, transitions in enumerate((["match"], ["raise_exception", "match"])):
        invoice = _invoice(supplier_a, n)
        for hours, transition in enumerate(transitions):
            _log(invoice, transition, timezone.now() - timedelta(days=2) + timedelta(hours=hours))

    client.force_login(buyer)
    page = client.get("/reports/").content.decode()

    figure = _section(page, '<figure id="scorecards">', "</figure>")
    rows = _tables(figure)[0][1:]
    assert [r[0] for r in rows] == ["Supplier B 乙", "Supplier A 甲", "Supplier C 丙"]
    # score, on time %, deliveries, quality %, answer speed %, avg hours, POs sent, unanswered,
    # first-pass %, invoices decided
    assert rows[0][1:6] == ["100.0", "100.0", "1", "100.0", "100.0"]
    assert rows[1][1:] == [str(expected_a.score), "50.0", "2", "90.0", "100.0", "2.0", "1", "0", "50.0", "2"]
    assert rows[2][1:] == ["0.0", "—", "0", "—", "0.0", "—", "1", "1", "—", "0"]

    svg = ElementTree.fromstring(figure[figure.index("<svg") : figure.index("</svg>") + 6])
    assert svg.find(f"{SVG}desc").text.split("; ")[1] == (
        "Supplier A 甲: overall score 76.0, on time 50.0, quality 90.0, answer speed 100.0"
    )
    bars = {
        r.find(f"{SVG}title").text: float(r.get("width"))
        for r in svg.iter(f"{SVG}rect")
        if r.find(f"{SVG}title") is not None
    }
    assert bars["Supplier A 甲 · on time: 50.0"] * 2 == pytest.approx(bars["Supplier B 乙 · on time: 100.0"])
    assert not any(title.startswith("Supplier C 丙 · on time") for title in bars)  # no data: no bar


def test_every_chart_on_the_reports_page_has_its_own_title_and_description_ids(buyer, client, world):
    client.force_login(buyer)
    page = client.get("/reports/").content.decode()
    ids = re.findall(r'<(?:title|desc) id="([^"]+)"', page)
    assert len(ids) == 10 and len(set(ids)) == 10
    for labelled in re.findall(r'aria-labelledby="([^"]+)"', page):
        assert all(i in ids for i in labelled.split())


def test_the_scorecard_selector_is_for_internal_users_only(supplier_user_a, world):
    from core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        selectors.supplier_scorecards(supplier_user_a)


def test_a_supplier_page_shows_its_scorecard_with_the_counts_behind_it(buyer, client, supplier_a, world):
    client.force_login(buyer)
    page = client.get(f"/suppliers/{supplier_a.pk}/").content.decode()
    panel = _section(page, '<section class="panel"><h2>Scorecard</h2>', "</section>")
    table = {row[0]: row[1:] for row in _tables(panel)[0]}
    assert table["Score"] == ["76.0", "76.0", "76.0"]  # 30 days, 90 days, 12 months
    assert table["Deliveries"] == ["2", "2", "2"]
    assert table["Quality %"] == ["90.0", "90.0", "90.0"]
    assert table["POs sent"] == ["1", "1", "1"]
    assert table["Window"][0].startswith("last 30 days") and table["Window"][2].startswith("last 12 months")
    ElementTree.fromstring(panel[panel.index("<svg") : panel.index("</svg>") + 6])


def test_a_supplier_user_sees_its_own_scorecard_and_never_another_suppliers(
    client, supplier_a, supplier_b, supplier_user_a, world
):
    client.force_login(supplier_user_a)
    own = client.get(f"/suppliers/{supplier_a.pk}/")
    assert own.status_code == 200 and "<h2>Scorecard</h2>" in own.content.decode()
    assert client.get(f"/suppliers/{supplier_b.pk}/").status_code == 404
    assert supplier_scorecard_panel(supplier_user_a, supplier_b) is None
    assert supplier_scorecard_panel(supplier_user_a, supplier_a) is not None
    assert client.get("/reports/").status_code == 403


def test_a_supplier_without_activity_gets_a_plain_note_not_a_chart(buyer, client):
    quiet = SupplierFactory(name="Quiet 静", state="approved")
    client.force_login(buyer)
    page = client.get(f"/suppliers/{quiet.pk}/").content.decode()
    panel = _section(page, '<section class="panel"><h2>Scorecard</h2>', "</section>")
    assert "<svg" not in panel and "No deliveries or purchase orders in the last 12 months" in panel


def test_the_dashboard_and_the_supplier_page_cost_the_same_queries_for_2_and_20_suppliers(
    buyer, approver, client, supplier_a
):
    client.force_login(buyer)

    def queries(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    _history(buyer, approver, supplier_a, deliveries=((4, 1, True),))
    _history(buyer, approver, SupplierFactory(state="approved"), deliveries=((3, 0, False),))
    queries("/reports/"), queries(f"/suppliers/{supplier_a.pk}/")  # warm the content-type cache
    few = queries("/reports/"), queries(f"/suppliers/{supplier_a.pk}/")
    assert len(selectors.supplier_scorecards(buyer)["rows"]) == 2
    for _ in range(18):
        _history(buyer, approver, SupplierFactory(state="approved"), deliveries=((3, 0, False),))
    _history(buyer, approver, supplier_a, deliveries=((2, 0, False),))
    assert len(selectors.supplier_scorecards(buyer)["rows"]) == 20
    many = queries("/reports/"), queries(f"/suppliers/{supplier_a.pk}/")
    assert many == few


def test_the_grouped_chart_escapes_labels_skips_missing_values_and_keeps_ids_unique():
    svg = grouped_bar_chart(
        [("<b>甲</b>", [Decimal("80.0"), None]), ("乙", [Decimal("40.0"), Decimal("20.0")])],
        ["overall", "on time"],
        title="Scores",
        axis_max=100,
        id_prefix="x-",
    )
    assert "<b>" not in svg and "&lt;b&gt;甲&lt;/b&gt;" in svg
    root = ElementTree.fromstring(svg)
    assert root.get("aria-labelledby") == "x-t x-d"
    assert root.find(f"{SVG}title").get("id") == "x-t"
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert [b.find(f"{SVG}title").text for b in bars] == [
        "<b>甲</b> · overall: 80.00",
        "乙 · overall: 40.00",
        "乙 · on time: 20.00",
    ]
    assert float(bars[0].get("width")) == pytest.approx(2 * float(bars[1].get("width")))
    assert "<b>甲</b>: overall 80.00, on time —" in root.find(f"{SVG}desc").text
    ElementTree.fromstring(grouped_bar_chart([], ["a"], title="Nothing"))
