"""Reports: spend, PO cycle time, first-pass match rate, exception aging (reports app)."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import PermissionDenied
from core.models import TransitionLog
from invoicing.models import Invoice, StoredFile
from procurement.models import PurchaseOrder
from reports import selectors
from tests.factories import SupplierFactory, make_purchase_order

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def _po(buyer, supplier, *, lines, state, created: date):
    po = make_purchase_order(requester=buyer, supplier=supplier, lines=lines, state=state)
    PurchaseOrder.objects.filter(pk=po.pk).update(created_at=_at(created))
    return po


def _log(obj, transition, at, target="x"):
    TransitionLog.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        transition=transition,
        source="s",
        target=target,
        at=at,
    )


def _invoice(supplier, n, state="validated"):
    stored = StoredFile.objects.create(sha256=f"{n:064d}", size=1, path=f"x/{n}")
    return Invoice.objects.create(supplier=supplier, file=stored, invoice_number=str(n), state=state)


def test_spend_sums_committed_orders_per_supplier_and_month_and_ignores_drafts(buyer):
    big, small = (
        SupplierFactory(name="甲 Big", state="approved"),
        SupplierFactory(name="乙 Small", state="approved"),
    )
    _po(buyer, big, lines=((10, "100.00"),), state="sent", created=date(2026, 10, 5))
    _po(buyer, big, lines=((1, "50.00"), (2, "25.00")), state="received", created=date(2026, 11, 2))
    _po(buyer, small, lines=((3, "10.00"),), state="acknowledged", created=date(2026, 11, 20))
    _po(buyer, small, lines=((999, "999.00"),), state="draft", created=date(2026, 11, 20))
    _po(buyer, small, lines=((999, "999.00"),), state="cancelled", created=date(2026, 11, 20))
    spend = selectors.spend_by_supplier_and_month(buyer, months=3, today=TODAY)
    assert spend["months"] == ["2026-09", "2026-10", "2026-11"]
    assert spend["series"] == [
        ("甲 Big", [Decimal("0.00"), Decimal("1000.00"), Decimal("100.00")]),
        ("乙 Small", [Decimal("0.00"), Decimal("0.00"), Decimal("30.00")]),
    ]


def test_spend_beyond_the_top_suppliers_is_summed_as_other(buyer):
    for i in range(4):
        _po(
            buyer,
            SupplierFactory(name=f"S{i}", state="approved"),
            lines=((1, f"{10 * (i + 1)}.00"),),
            state="sent",
            created=TODAY,
        )
    spend = selectors.spend_by_supplier_and_month(buyer, months=1, top=2, today=TODAY)
    assert [name for name, _ in spend["series"]] == ["S3", "S2", "other"]
    assert spend["series"][2][1] == [Decimal("30.00")]


def test_po_cycle_time_is_the_median_from_submit_to_acknowledgement(buyer, supplier_a):
    for days in (1, 2, 6):
        po = _po(buyer, supplier_a, lines=((1, "1.00"),), state="acknowledged", created=date(2026, 11, 1))
        _log(po, "submit", _at(date(2026, 11, 1)))
        _log(po, "acknowledge", _at(date(2026, 11, 1) + timedelta(days=days)))
    unacknowledged = _po(buyer, supplier_a, lines=((1, "1.00"),), state="sent", created=date(2026, 11, 1))
    _log(unacknowledged, "submit", _at(date(2026, 11, 1)))
    cycle = selectors.po_cycle_time(buyer, months=2, today=TODAY)
    assert cycle["months"] == ["2026-10", "2026-11"]
    assert cycle["median_days"] == [0.0, 2.0]
    assert cycle["counts"] == [0, 3]


def test_first_pass_rate_counts_only_the_first_match_decision_of_each_invoice(finance, supplier_a):
    auto = [_invoice(supplier_a, n) for n in range(3)]
    for inv in auto:
        _log(inv, "match", _at(date(2026, 11, 3)))
    handled = _invoice(supplier_a, 10)
    _log(handled, "raise_exception", _at(date(2026, 11, 4)))
    _log(handled, "match", _at(date(2026, 11, 9)))  # matched later, after a late receipt: not first pass
    rate = selectors.first_pass_match_rate(finance, months=1, today=TODAY)
    assert rate == {"months": ["2026-11"], "rate": [75.0], "auto": [3], "total": [4]}


def test_exception_aging_buckets_by_days_since_the_invoice_last_entered_the_exception_state(
    finance, supplier_a
):
    now = _at(TODAY)
    for n, days in enumerate((1, 5, 5, 40)):
        inv = _invoice(supplier_a, n, state="exception")
        _log(inv, "raise_exception", now - timedelta(days=days + 30), target="exception")
        _log(inv, "raise_exception", now - timedelta(days=days), target="exception")
    _invoice(supplier_a, 99, state="approved")
    aging = selectors.exception_aging(finance, now=now)
    assert aging == {"buckets": [("0–2", 1), ("3–7", 2), ("8–30", 0), (">30", 1)], "total": 4}


def test_supplier_users_may_not_see_reports_that_span_every_supplier(supplier_user_a, client):
    with pytest.raises(PermissionDenied):
        selectors.spend_by_supplier_and_month(supplier_user_a)
    client.force_login(supplier_user_a)
    assert client.get("/reports/").status_code == 403


def test_the_reports_page_draws_five_charts_with_their_figures(buyer, client):
    supplier = SupplierFactory(name="<b>Evil</b> 供应商", state="approved")
    _po(buyer, supplier, lines=((2, "10.00"),), state="sent", created=timezone.localdate())
    client.force_login(buyer)
    page = client.get("/reports/").content.decode()
    assert page.count("<svg") == 5  # spend, cycle time, first-pass rate, aging, supplier scorecards
    assert "&lt;b&gt;Evil&lt;/b&gt; 供应商" in page and "<b>Evil</b>" not in page
    assert "20.00" in page


def test_the_reports_page_costs_the_same_queries_for_few_and_many_orders(buyer, client):
    client.force_login(buyer)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/reports/").status_code == 200
        return len(ctx)

    for _ in range(2):
        po = _po(
            buyer,
            SupplierFactory(state="approved"),
            lines=((1, "5.00"),),
            state="acknowledged",
            created=timezone.localdate(),
        )
        _log(po, "submit", timezone.now() - timedelta(days=1))
        _log(po, "acknowledge", timezone.now())
    few = queries()
    for _ in range(20):
        po = _po(
            buyer,
            SupplierFactory(state="approved"),
            lines=((1, "5.00"),),
            state="acknowledged",
            created=timezone.localdate(),
        )
        _log(po, "submit", timezone.now() - timedelta(days=1))
        _log(po, "acknowledge", timezone.now())
    assert queries() == few


def test_the_reports_figures_are_kept_briefly_and_a_supplier_is_still_refused(
    buyer, finance, supplier_user_a, client, settings
):
    from django.core.cache import cache

    settings.REPORTS_CACHE_SECONDS = 60
    cache.clear()
    supplier = SupplierFactory(name="缓存供应商", state="approved")
    _po(buyer, supplier, lines=((2, "10.00"),), state="sent", created=timezone.localdate())
    client.force_login(buyer)
    with CaptureQueriesContext(connection) as first:
        assert "20.00" in client.get("/reports/").content.decode()
    _po(buyer, supplier, lines=((1, "7.00"),), state="sent", created=timezone.localdate())
    client.force_login(finance)  # the same figures for every internal user
    with CaptureQueriesContext(connection) as second:
        page = client.get("/reports/").content.decode()
    assert "20.00" in page and "27.00" not in page  # as computed a moment ago
    assert len(second) < len(first) - 5  # no aggregation this time
    cache.clear()
    assert "27.00" in client.get("/reports/").content.decode()
    client.force_login(supplier_user_a)
    assert client.get("/reports/").status_code == 403  # checked before the cache is read
    cache.clear()


def test_the_kept_reports_page_is_kept_per_language(finance, client, settings):
    """The body is rendered once per language and kept: a reader in English never gets the
    Chinese page another reader made a moment ago, and the other way round."""
    from django.core.cache import cache

    settings.REPORTS_CACHE_SECONDS = 60
    cache.clear()
    client.force_login(finance)
    chinese = client.get("/reports/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = client.get("/reports/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Median days" in english and "Median days" not in chinese
    with CaptureQueriesContext(connection) as kept:
        again = client.get("/reports/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    main = slice(chinese.index("<main"), chinese.index("</main>"))
    assert again[main] == chinese[main]
    assert not any("core_transitionlog" in q["sql"] for q in kept.captured_queries)  # nothing aggregated
    cache.clear()


def _decided_invoices(supplier, n: int, start: int) -> None:
    """``n`` invoices of ``supplier`` whose matching decided today (every third one an exception
    waiting on the desk), bulk-inserted with their transition-log rows: test set-up only."""
    files = StoredFile.objects.bulk_create(
        StoredFile(sha256=f"{start + k:064d}", size=1, path=f"x/{start + k}") for k in range(n)
    )
    invoices = Invoice.objects.bulk_create(
        Invoice(
            supplier=supplier,
            file=stored,
            invoice_number=f"R-{start + k}",
            state="exception" if k % 3 == 0 else "matched",
        )
        for k, stored in enumerate(files)
    )
    content_type = ContentType.objects.get_for_model(Invoice)
    now = timezone.now()
    TransitionLog.objects.bulk_create(
        TransitionLog(
            content_type=content_type,
            object_id=str(invoice.pk),
            transition="raise_exception" if invoice.state == "exception" else "match",
            source="validated",
            target=invoice.state,
            at=now - timedelta(hours=1),
        )
        for invoice in invoices
    )


def test_the_reports_page_costs_the_same_queries_for_10_and_200_decided_invoices(buyer, client):
    """First-pass rate, exception aging and the scorecards' first-pass column read transition
    logs: their queries do not grow with the rows (200 against 10, kept small for the suite)."""
    supplier = SupplierFactory(state="approved")
    po = _po(buyer, supplier, lines=((1, "5.00"),), state="acknowledged", created=timezone.localdate())
    _log(po, "submit", timezone.now() - timedelta(days=1))
    _log(po, "acknowledge", timezone.now())
    client.force_login(buyer)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            page = client.get("/reports/").content.decode()
        return len(ctx), page

    _decided_invoices(supplier, 10, start=1)
    few, _ = queries()
    _decided_invoices(supplier, 190, start=1000)
    many, page = queries()
    assert many == few
    assert Invoice.objects.filter(supplier=supplier).count() == 200
    # 132 of the 200 matched without a person (4 + 64 exceptions): this month's first-pass rate
    assert '<td class="num">66.0</td><td class="num">132</td><td class="num">200</td>' in page
