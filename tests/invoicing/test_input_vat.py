"""Input VAT (进项税抵扣): each special VAT invoice has a deduction status that finance sets (many
at once), listed and exported per tax period for the tax platform."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from core.models import TransitionLog
from invoicing.models import Invoice, InvoiceTax
from invoicing.services import invoice_upload
from tests.factories import LegalEntityFactory, SupplierFactory, make_supplier_user
from tests.invoicing.cn_xml_builder import BUYER_ID, BUYER_NAME, SELLER_ID, build_cn_xml

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller():
    # a name a spreadsheet would run as a formula: the export must not
    return SupplierFactory(name="=HYPERLINK(1)", tax_id=SELLER_ID, state="approved")


@pytest.fixture
def seller_user(seller):
    return make_supplier_user(seller, "seller-user")


@pytest.fixture
def invoices(seller, seller_user, django_capture_on_commit_callbacks):
    LegalEntityFactory(name=BUYER_NAME, tax_id=BUYER_ID)
    made = []
    for n, special in ((1, True), (2, True), (3, False)):
        data = build_cn_xml(
            number=f"2635200000001234000{n}", special_vat=special, seller=(SELLER_ID, "=HYPERLINK(1)")
        )
        with django_capture_on_commit_callbacks(execute=True):
            invoice, _ = invoice_upload(supplier=seller, data=data, filename=f"{n}.xml", actor=seller_user)
        made.append(Invoice.objects.get(pk=invoice.pk))
    return made


def _set(client, ids, **data):
    return client.post(
        reverse("input-vat"), {"invoice": [i.pk for i in ids], **data}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )


def test_special_vat_invoices_wait_for_selection_and_ordinary_ones_have_no_status(
    invoices, finance, client_as
):
    special, special2, ordinary = invoices
    assert InvoiceTax.objects.get(invoice=special).deduction == "pending"
    assert InvoiceTax.objects.get(invoice=ordinary).deduction == ""
    page = client_as(finance).get(reverse("input-vat"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert special.invoice_number in page and special2.invoice_number in page
    assert ordinary.invoice_number not in page


def test_finance_selects_several_for_a_period_and_each_change_is_in_its_history(invoices, finance, client_as):
    special, special2, _ = invoices
    response = _set(client_as(finance), [special, special2], status="deducted", period="2026-03")

    assert "2 invoices changed." in response.content.decode()
    rows = InvoiceTax.objects.filter(invoice__in=[special, special2])
    assert {(r.deduction, r.deduction_period, r.deduction_by_id) for r in rows} == {
        ("deducted", "2026-03", finance.pk)
    }
    log = TransitionLog.objects.get(object_id=str(special.pk), transition="vat_deduction_set")
    assert log.reason_code == "tax.vat.deducted" and log.reason_params["period"] == "2026-03"
    page = client_as(finance).get(reverse("invoice-detail", args=[special.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Input VAT deduction status set" in page.content.decode()
    assert 'data-state="deducted"' in page.content.decode()


def test_bad_input_changes_nothing(invoices, finance, client_as):
    special, _, ordinary = invoices
    client = client_as(finance)
    assert "YYYY-MM" in _set(client, [special], status="deducted", period="2026-13").content.decode()
    assert "Say why" in _set(client, [special], status="not_deductible", reason=" ").content.decode()
    assert (
        "Only special VAT invoices"
        in _set(client, [special, ordinary], status="deducted", period="2026-03").content.decode()
    )
    assert set(InvoiceTax.objects.values_list("deduction", flat=True)) == {"pending", ""}
    assert not TransitionLog.objects.filter(transition="vat_deduction_set").exists()


def test_not_deducted_with_a_reason_and_the_period_list_and_export(invoices, finance, client_as):
    special, special2, _ = invoices
    client = client_as(finance)
    _set(client, [special], status="deducted", period="2026-03")
    _set(client, [special2], status="not_deductible", reason="用于集体福利 (collective welfare)")
    assert InvoiceTax.objects.get(invoice=special2).deduction_reason.startswith("用于集体福利")

    listed = client.get(reverse("input-vat"), {"period": "2026-03"}).content.decode()
    assert special.invoice_number in listed and special2.invoice_number not in listed

    response = client.get(reverse("input-vat"), {"period": "2026-03", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert "input-vat-2026-03.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["tax_period", "invoice_number", "invoice_code"]
    assert len(rows) == 2
    assert rows[1][0] == "2026-03" and rows[1][1] == special.invoice_number
    assert rows[1][5] == "'=HYPERLINK(1)"  # formula-guarded
    assert rows[1][6:9] == [str(special.net_amount), str(special.tax_amount), str(special.gross_amount)]


def test_suppliers_see_no_input_vat_and_buyers_cannot_set_it(invoices, seller_user, buyer, client_as):
    assert client_as(seller_user).get(reverse("input-vat")).status_code == 403
    _set(client_as(buyer), [invoices[0]], status="deducted", period="2026-03")
    assert InvoiceTax.objects.get(invoice=invoices[0]).deduction == "pending"


def test_an_invoice_that_failed_its_authenticity_check_is_not_selected(invoices, finance, client_as):
    special = invoices[0]
    InvoiceTax.objects.filter(invoice=special).update(verification="failed", verification_code="cancelled")
    response = _set(client_as(finance), [special], status="deducted", period="2026-03")
    assert "failed its authenticity check" in response.content.decode()
    assert InvoiceTax.objects.get(invoice=special).deduction == "pending"


def test_the_list_sums_each_period_with_its_export(invoices, finance, client_as):
    client = client_as(finance)
    _set(client, invoices[:2], status="deducted", period="2026-03")
    page = client.get(reverse("input-vat"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="vat-periods"' in page and "?period=2026-03&amp;format=csv" in page
    assert "1 invoice changed." in _set(client, invoices[:1], status="pending").content.decode()
