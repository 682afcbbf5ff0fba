"""A supplier uploads a Factur-X PDF through the API and the upload page: the embedded CII is
validated and matched like a CII file, the PDF is the stored original that finance downloads."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from lxml import etree

from core.services import api_token_create
from invoicing.models import Invoice, UploadRefusal
from tests.invoicing.cn_xml_builder import BUYER_ID, SELLER_ID
from tests.invoicing.facturx_builder import embedded_stream, facturx_pdf, pdf_with_stream
from tests.invoicing.samples import sample

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"


def _q(tag: str) -> str:
    return f"{{{RAM}}}{tag}"


def invoice_pdf() -> bytes:
    """CII example 1 re-addressed: seller = the test supplier, buyer = our legal entity (VAT ids
    written as EN 16931 wants them, the country code CN before the unified social credit code)."""
    root = etree.fromstring(sample("en16931/cii/CII_example1.xml").read_bytes())
    seller = root.find(f".//{_q('SellerTradeParty')}")
    seller.find(f"{_q('SpecifiedTaxRegistration')}/{_q('ID')}").text = f"CN{SELLER_ID}"
    buyer = root.find(f".//{_q('BuyerTradeParty')}")
    registration = etree.SubElement(buyer, _q("SpecifiedTaxRegistration"))
    etree.SubElement(registration, _q("ID"), schemeID="VA").text = f"CN{BUYER_ID}"
    return facturx_pdf(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


@pytest.fixture
def auth(seller_user):
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=seller_user, name='erp')[1]}"}


def test_api_upload_of_a_factur_x_pdf_is_validated_and_the_pdf_is_the_original(
    client, auth, our_entity, finance, django_capture_on_commit_callbacks
):
    data = invoice_pdf()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/invoices/", {"file": SimpleUploadedFile("inv.pdf", data)}, **auth)
    assert response.status_code == 201, response.content
    invoice = Invoice.objects.get(pk=response.json()["id"])
    detail = client.get(f"/api/invoices/{invoice.pk}", **auth).json()
    assert detail["state"] not in ("received", "validating", "rejected"), detail
    assert detail["invoice_number"] == "12115118" and len(detail["lines"]) == 20
    assert invoice.format == "factur-x"
    assert not invoice.issues.filter(severity="error").exists()
    assert client.get(f"/api/invoices/{invoice.pk}/file", **auth).content == data

    client.force_login(finance)
    download = client.get(f"/invoices/{invoice.pk}/file/")
    assert download.status_code == 200 and download.content == data
    assert ".pdf" in download["Content-Disposition"]
    page = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert "12115118" in page and "factur-x" in page


def test_upload_page_refuses_a_hostile_pdf_with_a_clear_reason(client, seller_user):
    client.force_login(seller_user)
    bomb = pdf_with_stream(embedded_stream(b"\0" * (30 * 1024 * 1024)))
    response = client.post("/invoices/upload/file/", {"file": SimpleUploadedFile("bomb.pdf", bomb)})
    assert response.status_code == 400
    assert "pdf_bomb" in response.content.decode()
    assert not Invoice.objects.exists()
    assert UploadRefusal.objects.get().code == "pdf_bomb"


def test_upload_page_accepts_a_factur_x_pdf(
    client, seller_user, our_entity, django_capture_on_commit_callbacks
):
    client.force_login(seller_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/invoices/upload/file/", {"file": SimpleUploadedFile("fx.pdf", invoice_pdf())}
        )
    assert response.status_code == 201
    invoice = Invoice.objects.get()
    assert invoice.format == "factur-x" and invoice.state != "rejected"
