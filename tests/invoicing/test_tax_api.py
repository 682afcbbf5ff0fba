"""The China tax steps through the API: the same rules and scoping as the pages."""

from __future__ import annotations

import pytest

from core.services import api_token_create
from invoicing.models import Invoice, InvoiceTax, RedLetterRequest
from invoicing.services import invoice_upload
from tests.factories import LegalEntityFactory, SupplierFactory, make_supplier_user
from tests.invoicing.cn_xml_builder import BUYER_ID, BUYER_NAME, SELLER_ID, SELLER_NAME, build_cn_xml

pytestmark = pytest.mark.django_db


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user, name='t')[1]}"}


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    LegalEntityFactory(name=BUYER_NAME, tax_id=BUYER_ID)
    supplier = SupplierFactory(name=SELLER_NAME, tax_id=SELLER_ID, state="approved")
    seller = make_supplier_user(supplier, "seller-user")
    with django_capture_on_commit_callbacks(execute=True):
        invoice, _ = invoice_upload(supplier=supplier, data=build_cn_xml(), filename="a.xml", actor=seller)
    return {"invoice": Invoice.objects.get(pk=invoice.pk), "seller": seller}


def test_finance_reads_checks_asks_and_selects_and_the_supplier_confirms(world, finance, client):
    invoice, seller = world["invoice"], world["seller"]
    fin = bearer(finance)

    tax = client.get(f"/api/invoices/{invoice.pk}/tax", **fin).json()
    assert (tax["verification"], tax["verification_checker"], tax["deduction"]) == (
        "verified",
        "offline",
        "pending",
    )
    assert tax["remaining_net"] == "1000.00"
    assert client.post(f"/api/invoices/{invoice.pk}/tax/verify", **fin).status_code == 200

    response = client.post(
        f"/api/invoices/{invoice.pk}/red-letter",
        {"reason": "goods_returned", "net": "100.00", "tax": "6.00"},
        content_type="application/json",
        **fin,
    )
    assert response.status_code == 201, response.content
    request_id = response.json()["id"]
    too_much = client.post(
        f"/api/invoices/{invoice.pk}/red-letter",
        {"reason": "goods_returned", "net": "901.00", "tax": "0"},
        content_type="application/json",
        **fin,
    )
    assert too_much.status_code == 400 and too_much.json()["code"] == "red_letter_exceeds_remaining"

    mine = client.get("/api/red-letter-requests", **bearer(seller)).json()
    assert [r["id"] for r in mine] == [request_id]
    assert (
        client.post(f"/api/red-letter-requests/{request_id}/confirm", **bearer(seller)).json()["state"]
        == "confirmed"
    )
    supplier_view = client.get(f"/api/invoices/{invoice.pk}/tax", **bearer(seller)).json()
    assert supplier_view["deduction"] is None  # the buyer's tax affairs

    bad = client.post(
        "/api/input-vat", {"invoice_ids": [invoice.pk], "status": "deducted", "period": "26-3"},
        content_type="application/json", **fin,
    )  # fmt: skip
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_period"
    ok = client.post(
        "/api/input-vat", {"invoice_ids": [invoice.pk], "status": "deducted", "period": "2026-03"},
        content_type="application/json", **fin,
    )  # fmt: skip
    assert ok.json() == {"changed": 1}
    listed = client.get("/api/input-vat?period=2026-03", **fin).json()
    assert [r["invoice_id"] for r in listed] == [invoice.pk]
    assert InvoiceTax.objects.get(invoice=invoice).deduction_period == "2026-03"


def test_another_supplier_gets_404_and_sees_no_requests(world, finance, supplier_user_b, client):
    invoice = world["invoice"]
    client.post(
        f"/api/invoices/{invoice.pk}/red-letter", {"reason": "goods_returned", "whole": True},
        content_type="application/json", **bearer(finance),
    )  # fmt: skip
    request = RedLetterRequest.objects.get()
    other = bearer(supplier_user_b)
    assert client.get(f"/api/invoices/{invoice.pk}/tax", **other).status_code == 404
    assert client.post(f"/api/red-letter-requests/{request.pk}/confirm", **other).status_code == 404
    assert client.get("/api/red-letter-requests", **other).json() == []
    assert client.get("/api/input-vat", **other).status_code == 403
    request.refresh_from_db()
    assert request.state == "requested"
