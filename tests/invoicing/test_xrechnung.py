"""XRechnung (BR-DE-*) as a rule set a legal entity switches on: off, a plain EN 16931 invoice is
accepted; on, it is refused with the XRechnung rule ids, while valid XRechnung invoices pass."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.services import api_token_create
from invoicing.formats.detect import parse_invoice
from invoicing.models import Invoice
from tests.invoicing.facturx_builder import invoice_pdf, readdressed_cii
from tests.invoicing.samples import sample

VALID_XRECHNUNG = [
    "01.01a-INVOICE_ubl.xml",
    "01.01a-INVOICE_uncefact.xml",
    "01.05_minimal_test_ubl.xml",
    "01.05_minimal_test_uncefact.xml",
    "01.14a-INVOICE_ubl.xml",
    "01.14a-INVOICE_uncefact.xml",
    "04.02a-INVOICE_ubl.xml",
]


@pytest.mark.parametrize("name", VALID_XRECHNUNG)
def test_valid_xrechnung_invoices_break_no_xrechnung_rule(name):
    invoice = parse_invoice(sample(f"en16931/xrechnung/{name}").read_bytes())
    assert invoice.xrechnung_issues == []


def test_a_plain_en16931_invoice_breaks_the_xrechnung_rules_it_should():
    codes = {
        i.code for i in parse_invoice(sample("en16931/cii/CII_example1.xml").read_bytes()).xrechnung_issues
    }
    # no seller contact, no buyer reference (Leitweg-ID), not the XRechnung specification
    assert {"BR-DE-2", "BR-DE-5", "BR-DE-6", "BR-DE-7", "BR-DE-15", "BR-DE-21"} == codes


@pytest.fixture
def auth(seller_user):
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=seller_user, name='erp')[1]}"}


def _upload(client, auth, data, name, capture):
    with capture(execute=True):
        response = client.post("/api/invoices/", {"file": SimpleUploadedFile(name, data)}, **auth)
    assert response.status_code == 201, response.content
    return Invoice.objects.get(pk=response.json()["id"])


@pytest.mark.parametrize(("data", "name"), [(readdressed_cii, "inv.xml"), (invoice_pdf, "inv.pdf")])
def test_an_entity_requiring_xrechnung_refuses_an_invoice_that_breaks_it(
    client, auth, our_entity, django_capture_on_commit_callbacks, data, name
):
    our_entity.xrechnung_rules = True
    our_entity.save()
    invoice = _upload(client, auth, data(), name, django_capture_on_commit_callbacks)
    assert invoice.state == "rejected"
    errors = set(invoice.issues.filter(severity="error").values_list("code", flat=True))
    assert errors == {"BR-DE-2", "BR-DE-5", "BR-DE-6", "BR-DE-7", "BR-DE-15"}
    assert invoice.issues.get(code="BR-DE-21").severity == "warning"


def test_without_the_switch_the_same_invoice_is_accepted(
    client, auth, our_entity, django_capture_on_commit_callbacks
):
    invoice = _upload(client, auth, readdressed_cii(), "inv.xml", django_capture_on_commit_callbacks)
    assert invoice.state != "rejected"
    assert not invoice.issues.filter(code__startswith="BR-DE-").exists()
