"""After the award: the buyer sees per line who won, at what price and why, with the PO; each
supplier sees only its own won/lost per line; POs link back to their RFQ. Quotes may decline
single lines (no-bid, with a reason), and the comparison shows each quote's note and validity."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from core.formatting import day
from notifications.models import Notification
from procurement import services
from procurement.models import AwardLine, PurchaseOrder, QuoteNoBid, QuoteVersion
from tests.factories import make_rfq

pytestmark = pytest.mark.django_db
VALID = timezone.localdate() + timedelta(days=30)
REASON = "供货更快 faster delivery"


@pytest.fixture
def rfq(buyer, supplier_a, supplier_b):
    return make_rfq(buyer=buyer, suppliers=[supplier_a, supplier_b], lines=((10,), (4,)), title="螺栓 bolts")


def _lines(rfq):
    return list(rfq.lines.order_by("line_no"))


def _page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _quote_on_page(client, user, rfq, data):
    client.force_login(user)
    page = f"/procurement/rfqs/{rfq.pk}/"
    return client.post(f"{page}quote/", data, follow=True, HTTP_REFERER=page)


@pytest.fixture
def quoted(client, rfq, supplier_user_a, supplier_user_b):
    """A quotes both lines (with a note); B quotes line 1 only and declines line 2 with a reason."""
    first, second = _lines(rfq)
    _quote_on_page(
        client,
        supplier_user_a,
        rfq,
        {
            f"price_{first.pk}": "12.50",
            f"price_{second.pk}": "7.00",
            "lead_time_days": "5",
            "valid_until": VALID.isoformat(),
            "note": "含税送货 VAT incl., delivered",
        },
    )
    page = _quote_on_page(
        client,
        supplier_user_b,
        rfq,
        {
            f"price_{first.pk}": "11.90",
            f"no_bid_{second.pk}": "1",
            f"no_bid_reason_{second.pk}": "停产 discontinued",
            f"price_{second.pk}": "",
            "lead_time_days": "9",
            "valid_until": (VALID + timedelta(days=10)).isoformat(),
        },
    )
    assert "Quote submitted" in page.content.decode()
    return rfq


def test_a_supplier_declines_one_line_and_the_no_bid_is_part_of_its_hashed_quote(quoted, supplier_user_b):
    version = QuoteVersion.objects.get(quote__supplier=supplier_user_b.membership.supplier)
    no_bid = QuoteNoBid.objects.get(version=version)
    assert (no_bid.rfq_line.line_no, no_bid.reason) == (2, "停产 discontinued")
    assert [ql.rfq_line.line_no for ql in version.lines.all()] == [1]
    assert services.rfq.quote_version_digest(version) == version.sha256
    QuoteNoBid.objects.filter(pk=no_bid.pk).update(reason="tampered")
    assert services.rfq.quote_version_digest(version) != version.sha256


def test_a_line_without_price_or_no_bid_and_a_line_with_both_are_refused(client, rfq, supplier_user_a):
    first, second = _lines(rfq)
    base = {"lead_time_days": "5", "valid_until": VALID.isoformat()}
    missing = _quote_on_page(client, supplier_user_a, rfq, {**base, f"price_{first.pk}": "3"})
    assert "missing: line 2" in missing.content.decode()
    both = services.rfq.InvalidInput
    with pytest.raises(both) as exc:
        services.quote_submit(
            rfq=rfq,
            actor=supplier_user_a,
            prices={first.pk: "3", second.pk: "4"},
            no_bids={second.pk: ""},
            lead_time_days=5,
            valid_until=VALID,
        )
    assert exc.value.code == "price_and_no_bid"
    assert not QuoteVersion.objects.exists()


def test_the_supplier_sees_its_own_no_bid_on_the_rfq_page(client, quoted, supplier_user_b):
    page = _page(client, supplier_user_b, f"/procurement/rfqs/{quoted.pk}/")
    assert 'name="no_bid_' in page and "checked" in page and "停产 discontinued" in page


def test_the_comparison_shows_each_quotes_note_validity_and_no_bids(client, buyer, quoted):
    services.rfq_close(rfq=quoted, actor=buyer, reason="both quoted")
    page = _page(client, buyer, f"/procurement/rfqs/{quoted.pk}/comparison/")
    assert "含税送货 VAT incl., delivered" in page
    with translation.override("en"):  # the test settings' language: dates as English writes them
        assert day(VALID) in page and day(VALID + timedelta(days=10)) in page
    assert "No bid" in page and "停产 discontinued" in page
    api = client.get(f"/api/rfqs/{quoted.pk}/comparison").json()
    assert api[0]["cells"][1]["note"] == "含税送货 VAT incl., delivered"
    assert [nb["reason"] for nb in api[1]["no_bids"]] == ["停产 discontinued"]


def test_after_the_award_the_buyer_sees_who_won_each_line_why_and_the_po_and_suppliers_see_only_won_or_lost(
    client, buyer, quoted, supplier_a, supplier_b, supplier_user_a, supplier_user_b
):
    services.rfq_close(rfq=quoted, actor=buyer, reason="both quoted")
    first, second = _lines(quoted)
    client.force_login(buyer)
    response = client.post(
        f"/procurement/rfqs/{quoted.pk}/award/",
        {
            f"award_{first.pk}": supplier_a.pk,  # not the lowest (B's 11.90): needs the reason
            f"reason_{first.pk}": REASON,
            f"award_{second.pk}": supplier_a.pk,
            f"reason_{second.pk}": "",
        },
        follow=True,
        HTTP_REFERER=f"/procurement/rfqs/{quoted.pk}/comparison/",
    )
    assert response.status_code == 200
    awards = {a.rfq_line.line_no: a for a in AwardLine.objects.select_related("rfq_line")}
    assert (awards[1].supplier, awards[1].reason, awards[1].was_lowest) == (supplier_a, REASON, False)
    assert (awards[2].supplier, awards[2].was_lowest) == (supplier_a, True)
    po = PurchaseOrder.objects.get()
    assert po.rfq == quoted and po.supplier == supplier_a

    page = _page(client, buyer, f"/procurement/rfqs/{quoted.pk}/")
    award_section = page[page.index('id="award"') : page.index('id="rfq-pos"')]
    assert REASON in award_section and "Lowest price" in award_section and "Supplier A 甲" in award_section
    assert f'href="/procurement/pos/{po.pk}/"' in award_section and po.number in page
    po_page = _page(client, buyer, f"/procurement/pos/{po.pk}/")
    assert f'href="/procurement/rfqs/{quoted.pk}/"' in po_page and quoted.number in po_page

    page_a = _page(client, supplier_user_a, f"/procurement/rfqs/{quoted.pk}/")
    results_a = page_a[page_a.index('id="results"') :]
    assert results_a.count("Won") == 2 and "12.5" in results_a
    page_b = _page(client, supplier_user_b, f"/procurement/rfqs/{quoted.pk}/")
    results_b = page_b[
        page_b.index('id="results"') : page_b.index("</section>", page_b.index('id="results"'))
    ]
    assert "Not awarded to you" in results_b and "no bid" in results_b
    for leak in ("Supplier A 甲", "12.5", "7.00", REASON):
        assert leak not in page_b, leak
    assert client.get(f"/api/rfqs/{quoted.pk}/award").status_code == 403
    assert [r["outcome"] for r in client.get(f"/api/rfqs/{quoted.pk}/results").json()] == ["lost", "no_bid"]
    client.force_login(buyer)
    api_award = client.get(f"/api/rfqs/{quoted.pk}/award").json()
    assert [(a["line_no"], a["reason"], a["po_number"]) for a in api_award] == [
        (1, REASON, po.number),
        (2, "", po.number),
    ]


def test_each_supplier_that_quoted_is_told_the_result(
    client, buyer, quoted, supplier_a, supplier_b, supplier_user_a, supplier_user_b
):
    services.rfq_close(rfq=quoted, actor=buyer, reason="both quoted")
    first, second = _lines(quoted)
    services.rfq_award(
        rfq=quoted,
        actor=buyer,
        decisions=[
            {"rfq_line_id": first.pk, "supplier_id": supplier_b.pk},
            {"rfq_line_id": second.pk, "supplier_id": supplier_a.pk},
        ],
    )
    note_a = Notification.objects.get(user=supplier_user_a, kind="rfq_result")
    note_b = Notification.objects.get(user=supplier_user_b, kind="rfq_result")
    assert (note_a.params["won"], note_a.params["quoted"]) == ("1", "2")
    assert (note_b.params["won"], note_b.params["quoted"]) == ("1", "1")
    assert "Supplier" not in note_a.body and "11.9" not in note_a.body
    assert PurchaseOrder.objects.filter(rfq=quoted).count() == 2
    page = _page(client, buyer, f"/procurement/rfqs/{quoted.pk}/")
    for po in PurchaseOrder.objects.filter(rfq=quoted):
        assert f'href="/procurement/pos/{po.pk}/"' in page


def test_an_award_of_a_declined_line_to_the_supplier_that_declined_it_is_refused(
    client, buyer, quoted, supplier_b
):
    services.rfq_close(rfq=quoted, actor=buyer, reason="both quoted")
    second = _lines(quoted)[1]
    with pytest.raises(services.rfq.DomainError) as exc:
        services.rfq_award(
            rfq=quoted, actor=buyer, decisions=[{"rfq_line_id": second.pk, "supplier_id": supplier_b.pk}]
        )
    assert exc.value.code == "no_quote_from_supplier"
    assert not AwardLine.objects.exists() and not PurchaseOrder.objects.exists()


def test_no_bids_through_the_api(client, rfq, supplier_user_a):
    from core.services import api_token_create

    first, second = _lines(rfq)
    raw = api_token_create(user=supplier_user_a, name="erp")[1]
    response = client.post(
        f"/api/rfqs/{rfq.pk}/quote",
        {
            "prices": {str(first.pk): "2.5"},
            "no_bids": {str(second.pk): "not our range"},
            "lead_time_days": 3,
            "valid_until": VALID.isoformat(),
            "note": "API note",
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 201, response.content
    assert response.json()["no_bids"] == {str(second.pk): "not our range"}
    assert response.json()["note"] == "API note"
    assert QuoteVersion.objects.get().lines.get().unit_price == Decimal("2.5")


def test_the_comparison_marks_a_quote_whose_validity_has_run_out(client, buyer, quoted, supplier_user_a):
    QuoteVersion.objects.filter(quote__supplier=supplier_user_a.membership.supplier).update(
        valid_until=timezone.localdate() - timedelta(days=1)
    )
    services.rfq_close(rfq=quoted, actor=buyer, reason="both quoted")
    page = _page(client, buyer, f"/procurement/rfqs/{quoted.pk}/comparison/")
    rows_a = [row for row in page.split("<tr") if "Supplier A 甲" in row and "unit" not in row]
    assert rows_a and all("expired" in row for row in rows_a)
    assert not any("expired" in row for row in page.split("<tr") if "Supplier B 乙" in row)
