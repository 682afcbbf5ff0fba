"""The desk and the match status over HTTP: API codes, pages, and what a supplier may see."""

import pytest

from core.services import api_token_create
from invoicing.models import Invoice
from settlement.models import ExceptionCase
from settlement.services.matching import invoice_match
from tests.factories import LegalEntityFactory
from tests.settlement.match_flow_builders import line, make_invoice, make_po, po_lines, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client):
    def call(user, method, url, body=None):
        raw = api_token_create(user=user, name="erp")[1]
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        if method == "post":
            kwargs.update(data=body or {}, content_type="application/json")
        return getattr(client, method)(url, **kwargs)

    return call


@pytest.fixture
def entity():
    return LegalEntityFactory()


def _drifted(buyer, supplier, entity, price="2.20"):
    po = make_po(buyer, supplier, entity, [("螺栓 M8", 100, "2.00")])
    receive(buyer, po, {po_lines(po)[0]: 100})
    invoice = make_invoice(supplier, entity, [line("螺栓 M8", 100, price)])
    invoice_match(invoice_id=invoice.pk)
    return invoice


@pytest.fixture
def drifted(buyer, supplier_a, entity):
    return _drifted(buyer, supplier_a, entity)


def test_finance_lists_the_desk_and_reads_the_explanation(api, finance, drifted):
    rows = api(finance, "get", "/api/matching/exceptions").json()
    assert [r["invoice_id"] for r in rows] == [drifted.pk]
    assert rows[0]["aging_bucket"] == "0-2" and rows[0]["primary_reason"] == "price_above_tolerance"
    assert "2.20" in rows[0]["summary"] and rows[0]["policy_version"] == "global v1"

    body = api(finance, "get", f"/api/matching/invoices/{drifted.pk}").json()
    assert body["verdict"] == "exception" and body["case"]["state"] == "open"
    line_view = body["explanation"]["lines"][0]
    assert line_view["receipts"][0]["receipt"].startswith("GR-")
    assert line_view["variances"][0]["kind"] == "unit_price"
    assert any("allows at most +2.00%" in r["message"] for r in line_view["reasons"])
    assert body["explanation"]["policy_version"] == "global v1"


def test_the_api_actions_answer_with_codes_and_change_only_when_allowed(api, finance, buyer, drifted):
    url = f"/api/matching/invoices/{drifted.pk}"
    assert api(buyer, "post", f"{url}/accept", {"reason": "ok"}).json()["code"] == "permission_denied"
    missing = api(finance, "post", f"{url}/reject", {"reason": ""})
    assert (missing.status_code, missing.json()["code"]) == (400, "reason_required")
    unchanged = api(finance, "post", f"{url}/rematch", {})
    assert unchanged.status_code == 200 and unchanged.json()["changed"] is False

    asked = api(finance, "post", f"{url}/request-credit-note", {"reason": "credit 0.20 per piece"})
    assert asked.status_code == 200 and asked.json()["case"]["state"] == "awaiting_credit_note"
    accepted = api(finance, "post", f"{url}/accept", {"reason": "agreed after all"})
    assert accepted.status_code == 200 and accepted.json()["invoice_state"] == "approved"
    again = api(finance, "post", f"{url}/accept", {"reason": "twice"})
    assert (again.status_code, again.json()["code"]) == (409, "illegal_transition")


def test_a_supplier_reads_its_own_match_status_in_its_own_words(api, supplier_user_a, drifted):
    body = api(supplier_user_a, "get", f"/api/matching/invoices/{drifted.pk}").json()

    assert body["verdict"] == "exception"
    reasons = body["explanation"]["lines"][0]["reasons"]
    assert reasons and all(r["severity"] == "exception" for r in reasons)
    message = reasons[0]["message"]
    assert message.startswith("Unit price 2.20 is 0.20 CNY (10.00%) above the PO price 2.00")
    assert "policy" not in message and "allows" not in message  # the buyer's tolerances stay private
    assert body["explanation"]["policy_version"] == "" and body["explanation"]["variances"] == []
    listed = api(supplier_user_a, "get", "/api/matching/invoices").json()
    assert [row["invoice_id"] for row in listed] == [drifted.pk]


def test_a_supplier_never_sees_another_suppliers_match(
    api, buyer, supplier_b, supplier_user_a, supplier_user_b, entity, drifted
):
    theirs = _drifted(buyer, supplier_b, entity, price="2.50")

    assert api(supplier_user_a, "get", f"/api/matching/invoices/{theirs.pk}").status_code == 404
    assert (
        api(
            supplier_user_a, "post", f"/api/matching/invoices/{theirs.pk}/accept", {"reason": "x"}
        ).status_code
        == 404
    )
    assert [r["invoice_id"] for r in api(supplier_user_a, "get", "/api/matching/invoices").json()] == [
        drifted.pk
    ]
    assert [r["invoice_id"] for r in api(supplier_user_b, "get", "/api/matching/invoices").json()] == [
        theirs.pk
    ]
    assert api(supplier_user_a, "get", "/api/matching/exceptions").status_code == 403
    assert Invoice.objects.get(pk=theirs.pk).state == "exception"


def test_the_desk_page_and_the_match_page_work_for_finance(client, finance, drifted):
    client.force_login(finance)
    desk_page = client.get("/settlement/matching/exceptions/?bucket=0-2")
    assert desk_page.status_code == 200 and drifted.invoice_number in desk_page.content.decode()

    page = client.get(f"/settlement/matching/invoices/{drifted.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "price_above_tolerance" in html and "global v1" in html
    assert "Accept and approve" in html

    response = client.post(f"/settlement/matching/invoices/{drifted.pk}/accept/", {"reason": "agreed"})
    assert response.status_code == 302
    assert Invoice.objects.get(pk=drifted.pk).state == "approved"
    assert ExceptionCase.objects.get(invoice=drifted).resolution == "accepted"


def test_a_refused_page_action_shows_the_message_and_changes_nothing(client, finance, drifted):
    client.force_login(finance)
    response = client.post(
        f"/settlement/matching/invoices/{drifted.pk}/reject/",
        {"reason": ""},
        HTTP_REFERER=f"http://testserver/invoices/{drifted.pk}/",
    )
    assert response.status_code == 302 and response["Location"] == f"/invoices/{drifted.pk}/"
    assert Invoice.objects.get(pk=drifted.pk).state == "exception"


def test_the_invoice_page_shows_the_match_explanation(client, finance, supplier_user_a, drifted):
    client.force_login(finance)
    html = client.get(f"/invoices/{drifted.pk}/").content.decode()
    assert "Three-way match" in html and "price_above_tolerance" in html

    client.force_login(supplier_user_a)
    html = client.get(f"/invoices/{drifted.pk}/").content.decode()
    assert "Three-way match" in html and "Unit price 2.20" in html
    assert "allows at most" not in html and "Accept and approve" not in html


def test_supplier_match_status_page_and_home_panels(client, finance, supplier_user_a, drifted):
    from settlement.services.exceptions import exception_request_credit_note

    exception_request_credit_note(invoice_id=drifted.pk, actor=finance, message="请开红字发票 0.20/件")
    client.force_login(supplier_user_a)
    page = client.get("/settlement/matching/invoices/").content.decode()
    assert drifted.invoice_number in page and "请开红字发票" in page
    assert "Credit notes requested" in client.get("/").content.decode()

    client.force_login(finance)
    assert "Match exceptions" in client.get("/").content.decode()
    assert client.get("/settlement/matching/exceptions/").status_code == 200


def test_the_desk_page_is_finance_only(client, buyer, supplier_user_a):
    for user in (buyer, supplier_user_a):
        client.force_login(user)
        assert client.get("/settlement/matching/exceptions/").status_code == 403


def test_the_desk_names_each_reason_in_the_readers_language_and_filters_by_it(client, finance, drifted):
    """The reason reads as its short name (the code only in title/data-code), in Chinese and in
    English, and the reason filter offers those names and keeps the chosen one."""
    client.force_login(finance)
    for language, name in (("en", "Unit price above tolerance"), ("zh-hans", "单价超出容差上限")):
        html = client.get(
            "/settlement/matching/exceptions/?reason=price_above_tolerance", HTTP_ACCEPT_LANGUAGE=language
        ).content.decode()
        assert drifted.invoice_number in html
        assert (
            f'<strong title="price_above_tolerance" data-code="price_above_tolerance">{name}</strong>' in html
        )
        assert f'<option value="price_above_tolerance" selected>{name}</option>' in html
        assert "<code>price_above_tolerance</code>" not in html
    assert (
        drifted.invoice_number
        not in client.get("/settlement/matching/exceptions/?reason=no_po_line").content.decode()
    )
