"""EN 16931 VAT ids carry their country prefix (BR-CO-09): a UBL invoice whose seller VAT id is
``CN`` + the supplier's unified social credit code (and the buyer's likewise) is the supplier's
invoice to our legal entity; a mismatch says what was compared."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.services import api_token_create
from invoicing.models import Invoice
from tests.invoicing.cn_xml_builder import BUYER_ID, BUYER_NAME, SELLER_ID, SELLER_NAME


def party(vat_id: str, name: str) -> str:
    return f"""<cac:Party>
      <cac:PostalAddress><cbc:CityName>福州</cbc:CityName><cac:Country><cbc:IdentificationCode>CN</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
      <cac:PartyTaxScheme><cbc:CompanyID>{vat_id}</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
      <cac:PartyLegalEntity><cbc:RegistrationName>{name}</cbc:RegistrationName></cac:PartyLegalEntity>
    </cac:Party>"""


def build_ubl(seller_vat: str, buyer_vat: str, number: str = "UBL-2026-001") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>
  <cbc:ID>{number}</cbc:ID>
  <cbc:IssueDate>2026-03-02</cbc:IssueDate>
  <cbc:DueDate>2026-04-02</cbc:DueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:DocumentCurrencyCode>CNY</cbc:DocumentCurrencyCode>
  <cbc:BuyerReference>PO-2026-000001</cbc:BuyerReference>
  <cac:AccountingSupplierParty>{party(seller_vat, SELLER_NAME)}</cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty>{party(buyer_vat, BUYER_NAME)}</cac:AccountingCustomerParty>
  <cac:TaxTotal>
    <cbc:TaxAmount currencyID="CNY">130.00</cbc:TaxAmount>
    <cac:TaxSubtotal>
      <cbc:TaxableAmount currencyID="CNY">1000.00</cbc:TaxableAmount>
      <cbc:TaxAmount currencyID="CNY">130.00</cbc:TaxAmount>
      <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>13</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>
    </cac:TaxSubtotal>
  </cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="CNY">1000.00</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="CNY">1000.00</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="CNY">1130.00</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="CNY">1130.00</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
  <cac:InvoiceLine>
    <cbc:ID>1</cbc:ID>
    <cbc:InvoicedQuantity unitCode="H87">10</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="CNY">1000.00</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name>螺栓 M8</cbc:Name>
      <cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>13</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory>
    </cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="CNY">100.00</cbc:PriceAmount></cac:Price>
  </cac:InvoiceLine>
</Invoice>""".encode()


@pytest.fixture
def auth(seller_user):
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=seller_user, name='erp')[1]}"}


def upload(client, auth, data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/invoices/", {"file": SimpleUploadedFile("inv.xml", data)}, **auth)
    assert response.status_code == 201, response.content
    return Invoice.objects.get(pk=response.json()["id"])


def test_a_ubl_invoice_with_country_prefixed_vat_ids_passes_as_the_suppliers_invoice_to_us(
    client, auth, our_entity, django_capture_on_commit_callbacks
):
    invoice = upload(
        client, auth, build_ubl("CN" + SELLER_ID, "CN" + BUYER_ID), django_capture_on_commit_callbacks
    )

    codes = set(invoice.issues.values_list("code", flat=True))
    assert "seller_mismatch" not in codes and "buyer_not_ours" not in codes
    assert not any(code.startswith("BR-CO-09") for code in codes)
    assert invoice.state not in ("received", "validating", "rejected")
    assert invoice.legal_entity == our_entity


def test_a_prefixed_vat_id_of_another_company_is_a_seller_mismatch_that_says_what_was_compared(
    client, auth, our_entity, django_capture_on_commit_callbacks
):
    other = "CN91440300MA5F00002D"
    invoice = upload(client, auth, build_ubl(other, "CN" + BUYER_ID), django_capture_on_commit_callbacks)

    issue = invoice.issues.get(code="seller_mismatch")
    assert invoice.state == "rejected"
    assert "91440300MA5F00002D" in issue.message and "country prefix CN" in issue.message
    assert SELLER_ID in issue.message
