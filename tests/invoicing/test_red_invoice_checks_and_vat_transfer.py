"""A red 数电 invoice is checked against the red-letter request it fulfils (net, tax, total) and
against what is left of its original; deducted input VAT it reverses is transferred out
(进项税额转出), which finance can also do by hand with a reason. All through the pages."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from core.models import TransitionLog
from invoicing.models import InputVatTransfer, Invoice, InvoiceTax, RedLetterRequest
from invoicing.services import invoice_upload
from tests.factories import LegalEntityFactory
from tests.invoicing.cn_xml_builder import (
    BUYER_ID,
    BUYER_NAME,
    NUMBER,
    build_cn_xml,
    item,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def upload(seller, seller_user, django_capture_on_commit_callbacks):
    def run(data, name="invoice.xml") -> Invoice:
        with django_capture_on_commit_callbacks(execute=True):
            invoice, _ = invoice_upload(supplier=seller, data=data, filename=name, actor=seller_user)
        return Invoice.objects.get(pk=invoice.pk)

    return run


@pytest.fixture
def original(upload):
    LegalEntityFactory(name=BUYER_NAME, tax_id=BUYER_ID)
    return upload(build_cn_xml())  # 1000.00 + 60.00 = 1060.00, special VAT


def _ask_and_confirm(client_as, finance, seller_user, original, net, tax):
    client_as(finance).post(
        reverse("red-letter-request", args=[original.pk]),
        {"reason": "sales_allowance", "scope": "part", "net": net, "tax": tax},
    )
    request = RedLetterRequest.objects.filter(original=original).order_by("-id").first()
    client_as(seller_user).post(reverse("red-letter-confirm", args=[request.pk]))
    return request


def _red(number, net, rate="0.06", confirmation=None, totals=None):
    return build_cn_xml(
        number=number,
        blue=False,
        items=[item("*信息技术服务*软件维护费", "-1", net, rate, unit="项")],
        original_number=NUMBER,
        red_confirmation=confirmation,
        totals=totals,
    )


def _events(invoice, name):
    return TransitionLog.objects.filter(
        content_type__model="invoice", object_id=str(invoice.pk), transition=name
    )


def _page(client, invoice, lang="en"):
    return client.get(
        reverse("invoice-detail", args=[invoice.pk]), HTTP_ACCEPT_LANGUAGE=lang
    ).content.decode()


def test_a_red_invoice_whose_amounts_differ_from_its_request_is_refused_with_the_figures(
    original, finance, seller_user, client_as, upload
):
    request = _ask_and_confirm(client_as, finance, seller_user, original, "500.00", "30.00")
    red = upload(_red("26352000000012349001", "400", confirmation=request.number))

    assert red.state == "rejected"
    issue = red.issues.get(code="red_letter_amounts_differ")
    assert issue.text["code"] == "tax.red_letter.amounts_differ"
    assert issue.text["params"]["net"] == "400.00" and issue.text["params"]["request_gross"] == "530.00"
    request.refresh_from_db()
    assert (request.state, request.red_invoice) == ("confirmed", None)  # nothing linked
    assert not _events(original, "red_invoice_linked").exists()
    html = _page(client_as(finance), red)
    assert f"does not agree with red-letter request {request.number}" in html
    assert "net 400.00 + tax 24.00 = 424.00" in html and "net 500.00 + tax 30.00 = 530.00" in html
    with translation.override("zh-hans"):  # the reader's language renders the stored code
        from core.texts import render

        assert "530.00" in render(issue.text["code"], issue.text["params"])


def test_a_red_invoice_that_agrees_is_linked_and_the_check_is_in_the_history(
    original, finance, seller_user, client_as, upload
):
    request = _ask_and_confirm(client_as, finance, seller_user, original, "500.00", "30.00")
    red = upload(_red("26352000000012349002", "500", confirmation=request.number))

    assert red.state != "rejected", list(red.issues.values_list("code", "message"))
    request.refresh_from_db()
    assert (request.state, request.red_invoice) == ("fulfilled", red)
    log = _events(original, "red_invoice_linked").get()
    assert log.reason_code == "tax.red_letter.linked_checked"
    assert "agrees with red-letter request" in log.reason and "net 500.00 + tax 30.00 = 530.00" in log.reason


def test_red_invoices_together_may_not_reverse_more_than_the_original(
    original, finance, seller_user, client_as, upload
):
    first = upload(_red("26352000000012349003", "800"))  # no request: linked by the number it names
    assert first.state != "rejected" and first.corrects == original
    second = upload(_red("26352000000012349004", "300"))

    assert second.state == "rejected"
    issue = second.issues.get(code="red_letter_over_credit")
    params = issue.text["params"]
    assert (params["total"], params["earlier"], params["this"], params["excess"]) == (
        "1,000.00",
        "800.00",
        "300.00",
        "100.00",
    )
    html = _page(client_as(finance), second)
    assert "would reverse more than invoice" in html and "(100.00 too much)" in html


def test_a_red_invoice_of_a_deducted_original_transfers_its_tax_out_in_its_month(
    original, finance, seller_user, client_as, upload
):
    client = client_as(finance)
    client.post(reverse("input-vat"), {"invoice": [original.pk], "status": "deducted", "period": "2026-03"})
    request = _ask_and_confirm(client_as, finance, seller_user, original, "500.00", "30.00")
    red = upload(_red("26352000000012349005", "500", confirmation=request.number))

    transfer = InputVatTransfer.objects.get(invoice=original)
    assert (transfer.amount, transfer.period, transfer.reason, transfer.red_invoice) == (
        Decimal("30.00"),
        "2026-03",
        "red_invoice",
        red,
    )
    assert InvoiceTax.objects.get(invoice=original).deduction == "deducted"  # 30.00 of 60.00 still claimed
    assert _events(original, "vat_transferred_out").get().reason_code == "tax.vat.transferred_out_red"

    client = client_as(finance)  # the same test client was the supplier's a moment ago
    response = client.get(reverse("input-vat"), {"period": "2026-03"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content.decode()[-3000:]
    page = response.content.decode()
    assert 'id="vat-transfers"' in page and red.invoice_number in page
    export = client.get(reverse("input-vat"), {"period": "2026-03", "format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0][0] == "tax_period" and rows[1][1] == original.invoice_number  # the deducted invoice
    start = rows.index([]) + 1
    assert rows[start][0] == "tax_period" and "transferred_out" in rows[start]
    assert rows[start + 1][rows[start].index("transferred_out")] == "30.00"
    assert rows[start + 1][rows[start].index("red_invoice_number")] == red.invoice_number


def test_finance_transfers_deducted_input_vat_out_with_a_reason_and_illegal_steps_are_refused(
    original, finance, buyer, client_as
):
    client = client_as(finance)
    url = reverse("invoice-vat-transfer-out", args=[original.pk])
    form = {"reason": "non_taxable_use", "period": "2026-04", "note": "canteen"}

    refused = client.post(url, form, HTTP_ACCEPT_LANGUAGE="en", follow=True)  # still pending selection
    assert "Only input VAT selected for deduction" in refused.content.decode()
    assert not InputVatTransfer.objects.exists()

    client.post(reverse("input-vat"), {"invoice": [original.pk], "status": "deducted", "period": "2026-03"})
    assert 'id="vat-transfer-form"' in _page(client, original)
    assert client_as(buyer).post(url, form).status_code == 403
    client = client_as(finance)
    too_much = client.post(url, {**form, "amount": "60.01"}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "Only CN¥60.00 of the input VAT CN¥60.00" in too_much.content.decode()
    other = client.post(url, {**form, "reason": "other", "note": ""}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "Say why the input VAT is transferred out." in other.content.decode()
    assert not InputVatTransfer.objects.exists()

    done = client_as(finance).post(url, form, HTTP_ACCEPT_LANGUAGE="en", follow=True)  # the whole tax
    assert "Input VAT CN¥60.00 of invoice" in done.content.decode()
    transfer = InputVatTransfer.objects.get()
    assert (transfer.amount, transfer.period, transfer.created_by, transfer.note) == (
        Decimal("60.00"),
        "2026-04",
        finance,
        "canteen",
    )
    assert InvoiceTax.objects.get(invoice=original).deduction == "transferred_out"
    log = _events(original, "vat_transferred_out").get()
    assert log.actor == finance and "canteen" in log.reason and "2026-04" in log.reason

    again = client.post(url, form, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "Only input VAT selected for deduction" in again.content.decode()
    back = client.post(
        reverse("input-vat"),
        {"invoice": [original.pk], "status": "pending"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "was transferred out; its deduction status no longer changes" in back.content.decode()
    assert InvoiceTax.objects.get(invoice=original).deduction == "transferred_out"
    assert InputVatTransfer.objects.count() == 1
    page = client.get(reverse("input-vat"), {"period": "2026-04"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Used for non-taxable" in page and "canteen" in page
