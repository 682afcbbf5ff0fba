"""A supplier uploads a Factur-X PDF through the API and the upload page: the embedded CII is
validated and matched like a CII file, the PDF is the stored original that finance downloads."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from lxml import etree

from core.services import api_token_create
from invoicing.models import Invoice, UploadRefusal
from tests.invoicing.facturx_builder import (
    RAM,
    embedded_stream,
    facturx_pdf,
    invoice_pdf,
    pdf_with_stream,
    readdressed_cii,
)


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


def test_a_header_only_factur_x_pdf_is_accepted_and_left_to_finance(
    client, auth, our_entity, django_capture_on_commit_callbacks
):
    root = etree.fromstring(readdressed_cii())
    for line in list(root.iter(f"{{{RAM}}}IncludedSupplyChainTradeLineItem")):
        line.getparent().remove(line)
    root.find(
        f".//{{{RAM}}}GuidelineSpecifiedDocumentContextParameter/{{{RAM}}}ID"
    ).text = "urn:factur-x.eu:1p0:minimum"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/invoices/",
            {"file": SimpleUploadedFile("min.pdf", facturx_pdf(etree.tostring(root)))},
            **auth,
        )
    invoice = Invoice.objects.get(pk=response.json()["id"])
    assert invoice.state == "exception"  # validated, then no lines to match: finance decides
    assert invoice.issues.get(code="no_lines").severity == "warning"
    assert not invoice.issues.filter(severity="error").exists()
