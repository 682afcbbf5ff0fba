"""Closing early needs a reason (kept in the history); the comparison opened directly answers
without a redirect loop; the comparison CSV defuses formulas; RFQ quantities, need-by dates,
quote prices, lead times and validity are checked with a clear message (pages) or a 422 (API)
and change nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import TransitionLog
from core.services import api_token_create
from procurement import services
from procurement.models import RFQ, QuoteVersion, RFQLine
from tests.factories import ItemFactory, SupplierFactory, make_rfq, make_supplier_user

pytestmark = pytest.mark.django_db
VALID = timezone.localdate() + timedelta(days=30)


@pytest.fixture
def rfq(buyer, supplier_a, supplier_b):
    return make_rfq(buyer=buyer, suppliers=[supplier_a, supplier_b], lines=((10,),), title="螺栓 bolts")


def _bearer(client, user):
    raw = api_token_create(user=user, name="erp")[1]

    def call(method, url, body=None):
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        return getattr(client, method)(url, **kwargs)

    return call


def _post(client, url, data, back):
    return client.post(url, data, follow=True, HTTP_REFERER=back)


# ---- closing early ----------------------------------------------------------------------------


def test_closing_before_the_deadline_without_a_reason_is_refused_on_the_page_and_in_the_api(
    client, buyer, rfq
):
    client.force_login(buyer)
    page = f"/procurement/rfqs/{rfq.pk}/"
    assert 'name="reason"' in client.get(page).content.decode().split("do/close/")[1][:800]
    refused = _post(client, f"{page}do/close/", {"reason": "  "}, page)
    assert "say why you close it early" in refused.content.decode()
    api = _bearer(client, buyer)("post", f"/api/rfqs/{rfq.pk}/close", {"reason": ""})
    assert api.status_code == 422 and api.json()["code"] == "early_close_reason_required"
    assert RFQ.objects.get(pk=rfq.pk).state == "published"
    assert not TransitionLog.objects.filter(object_id=str(rfq.pk), transition="close").exists()


def test_closing_early_with_a_reason_keeps_the_reason_in_the_history(client, buyer, rfq):
    client.force_login(buyer)
    page = f"/procurement/rfqs/{rfq.pk}/"
    closed = _post(client, f"{page}do/close/", {"reason": "所有供应商已报价 all invitees quoted"}, page)
    assert RFQ.objects.get(pk=rfq.pk).state == "closed"
    log = TransitionLog.objects.get(object_id=str(rfq.pk), transition="close")
    assert log.reason == "所有供应商已报价 all invitees quoted" and log.actor == buyer
    assert "所有供应商已报价 all invitees quoted" in closed.content.decode()


def test_after_the_deadline_a_buyer_or_the_scheduler_closes_without_a_reason(buyer, rfq):
    RFQ.objects.filter(pk=rfq.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    services.rfq_close(rfq=rfq, actor=buyer)
    assert RFQ.objects.get(pk=rfq.pk).state == "closed"


# ---- the comparison opened directly ----------------------------------------------------------


def test_the_comparison_opened_directly_before_close_says_the_quotes_are_sealed_without_redirecting(
    client, buyer, rfq
):
    client.force_login(buyer)
    for url in (f"/procurement/rfqs/{rfq.pk}/comparison/", f"/procurement/rfqs/{rfq.pk}/comparison.csv"):
        response = client.get(url)  # no Referer: a typed or bookmarked URL
        assert response.status_code == 409, url
        assert "The quotes are sealed." in response.content.decode()
    services.rfq_close(rfq=rfq, actor=buyer, reason="test")
    assert client.get(f"/procurement/rfqs/{rfq.pk}/comparison/").status_code == 200


def test_a_supplier_opening_the_comparison_gets_a_refusal_not_a_redirect(client, rfq, supplier_user_a):
    client.force_login(supplier_user_a)
    assert client.get(f"/procurement/rfqs/{rfq.pk}/comparison/").status_code == 403


# ---- the comparison CSV ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x.example","x")', "＝HYPERLINK(1)", "+cmd", "＠SUM(1)"])
def test_a_supplier_named_like_a_formula_is_defused_in_the_comparison_csv(client, buyer, name):
    supplier = SupplierFactory(name=name, state="approved")
    user = make_supplier_user(supplier, "formula")
    rfq = make_rfq(buyer=buyer, suppliers=[supplier])
    services.quote_submit(
        rfq=rfq,
        actor=user,
        prices={rfq.lines.get().pk: "5"},
        lead_time_days=1,
        valid_until=VALID,
        note="-2+3 note",
    )
    services.rfq_close(rfq=rfq, actor=buyer, reason="test")
    client.force_login(buyer)
    text = client.get(f"/procurement/rfqs/{rfq.pk}/comparison.csv").content.decode("utf-8-sig")
    row = text.splitlines()[1]
    assert f"'{name}".replace('"', '""') in row
    assert "'-2+3 note" in row
    assert ",5.000000," in row  # numbers stay numbers


# ---- bounds ----------------------------------------------------------------------------------


@pytest.fixture
def draft(buyer, supplier_a):
    return make_rfq(buyer=buyer, suppliers=[supplier_a], publish=False)


@pytest.mark.parametrize(
    "quantity,message",
    [
        ("10000000000000", "must be at most 1,000,000,000"),
        ("1000000001", "must be at most 1,000,000,000"),
        ("1.1234567", "more than 6 decimal places"),
        ("-1", "more than zero"),
        ("abc", "must be a number"),
        ("NaN", "must be a number"),
    ],
)
def test_an_rfq_quantity_out_of_bounds_is_refused_on_the_page(client, buyer, draft, quantity, message):
    client.force_login(buyer)
    page = f"/procurement/rfqs/{draft.pk}/"
    item = ItemFactory()
    response = _post(client, f"{page}lines/", {"item": item.pk, "quantity": quantity}, page)
    assert response.status_code == 200 and message in response.content.decode()
    assert not RFQLine.objects.filter(item=item).exists()
    assert client.get(page).status_code == 200


def test_an_rfq_need_by_date_in_the_past_or_malformed_is_refused(client, buyer, draft):
    client.force_login(buyer)
    page = f"/procurement/rfqs/{draft.pk}/"
    item = ItemFactory()
    past = _post(
        client, f"{page}lines/", {"item": item.pk, "quantity": "5", "required_date": "2020-01-01"}, page
    )
    assert "2020-01-01 is in the past" in past.content.decode()
    bad = _post(
        client, f"{page}lines/", {"item": item.pk, "quantity": "5", "required_date": "2026-02-30"}, page
    )
    assert "must be a date" in bad.content.decode()
    assert not RFQLine.objects.filter(item=item).exists()
    ok = (timezone.localdate() + timedelta(days=7)).isoformat()
    _post(client, f"{page}lines/", {"item": item.pk, "quantity": "5", "required_date": ok}, page)
    assert RFQLine.objects.get(item=item).required_date.isoformat() == ok


def test_the_api_refuses_an_rfq_with_a_huge_quantity_or_a_past_need_by_date_with_422(
    client, buyer, entity, supplier_a
):
    call = _bearer(client, buyer)
    item = ItemFactory()
    for line, code in (
        ({"item_id": item.pk, "quantity": "1e20"}, "invalid_quantity"),
        ({"item_id": item.pk, "quantity": "5", "required_date": "2020-01-01"}, "required_date_in_past"),
    ):
        response = call("post", "/api/rfqs", {"legal_entity_id": entity.pk, "title": "T", "lines": [line]})
        assert response.status_code == 422 and response.json()["code"] == code, response.content
    assert not RFQ.objects.filter(title="T").exists()


def test_publishing_an_rfq_whose_need_by_date_has_passed_meanwhile_is_refused(buyer, draft):
    draft.lines.update(required_date=timezone.localdate() - timedelta(days=1))
    with pytest.raises(services.rfq.InvalidInput) as exc:
        services.rfq_publish(rfq=draft, actor=buyer, deadline=timezone.now() + timedelta(days=2))
    assert exc.value.code == "required_date_in_past"
    assert RFQ.objects.get(pk=draft.pk).state == "draft"


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("price", "1000000000000000", "must be at most 100,000,000"),
        ("price", "100000000.01", "must be at most 100,000,000"),
        ("price", "0.0000001", "more than 6 decimal places"),
        ("price", "Infinity", "must be a number"),
        ("lead_time_days", "99999999999", "from 0 to 3650"),
        ("valid_until", "2020-01-01", "valid until today or later"),
    ],
)
def test_a_quote_out_of_bounds_is_refused_on_the_page_and_nothing_is_stored(
    client, rfq, supplier_user_a, field, value, message
):
    line = rfq.lines.get()
    data = {f"price_{line.pk}": "9.5", "lead_time_days": "5", "valid_until": VALID.isoformat()}
    data[f"price_{line.pk}" if field == "price" else field] = value
    client.force_login(supplier_user_a)
    page = f"/procurement/rfqs/{rfq.pk}/"
    response = _post(client, f"{page}quote/", data, page)
    assert response.status_code == 200 and message in response.content.decode()
    assert not QuoteVersion.objects.exists()


def test_the_api_refuses_an_out_of_bounds_quote_with_422_and_the_pages_keep_working(
    client, buyer, rfq, supplier_user_a
):
    line = rfq.lines.get()
    call = _bearer(client, supplier_user_a)
    base = {"prices": {str(line.pk): "9.5"}, "lead_time_days": 5, "valid_until": VALID.isoformat()}
    for body, code in (
        ({**base, "prices": {str(line.pk): "1e30"}}, "invalid_price"),
        ({**base, "prices": {str(line.pk): 123456789012345}}, "invalid_price"),
        ({**base, "lead_time_days": 10**12}, "invalid_lead_time"),
        ({**base, "valid_until": "2020-01-01"}, "invalid_validity"),
        ({**base, "note": "长" * 4001}, "text_too_long"),
    ):
        response = call("post", f"/api/rfqs/{rfq.pk}/quote", body)
        assert response.status_code == 422 and response.json()["code"] == code, (body, response.content)
    assert not QuoteVersion.objects.exists()
    assert call("post", f"/api/rfqs/{rfq.pk}/quote", base).status_code == 201
    services.rfq_close(rfq=rfq, actor=buyer, reason="test")
    client.force_login(buyer)
    for url in (
        f"/procurement/rfqs/{rfq.pk}/",
        f"/procurement/rfqs/{rfq.pk}/comparison/",
        "/procurement/rfqs/",
    ):
        assert client.get(url).status_code == 200, url
