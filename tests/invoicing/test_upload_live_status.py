"""The upload page's result rows refresh themselves until each invoice has its result, and an
invoice not checked yet says so on its page (never "None + None = None" nor "no findings")."""

from __future__ import annotations

import logging
import re
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.test import override_settings

from invoicing.formats.model import Refused
from invoicing.models import Invoice, InvoiceState, UploadRefusal
from invoicing.services import invoice_upload, invoice_validate, invoices_requeue_stuck
from tests.invoicing.cn_xml_builder import build_cn_xml

pytestmark = pytest.mark.django_db


def _post(client, name, data):
    return client.post("/invoices/upload/file/", {"file": SimpleUploadedFile(name, data)})


def _received_invoice(seller_user, *, number="26352000000012345678") -> Invoice:
    """An invoice stored but not validated (its in-process validation did not run)."""
    invoice, _ = invoice_upload(
        supplier=seller_user.membership.supplier,
        data=build_cn_xml(number=number),
        filename=f"{number}.xml",
        actor=seller_user,
    )
    assert invoice.state == InvoiceState.RECEIVED
    return invoice


def test_the_row_of_a_received_invoice_polls_its_status_until_the_invoice_has_a_result(
    client, seller_user, our_entity, django_capture_on_commit_callbacks
):
    client.force_login(seller_user)
    response = _post(client, "a.xml", build_cn_xml())  # on-commit validation is not run here
    invoice = Invoice.objects.get()
    body = response.content.decode()
    assert response.status_code == 201 and response["X-Upload-Result"] == "1"
    assert 'data-state="received"' in body and "Being checked" in body
    assert f'hx-get="/invoices/{invoice.pk}/status/?poll=1"' in body and 'hx-trigger="every 2s"' in body

    still = client.get(f"/invoices/{invoice.pk}/status/?poll=1").content.decode()
    assert 'data-state="received"' in still and "?poll=2" in still

    invoice_validate(invoice_id=invoice.pk)  # validated; its match is enqueued on commit
    checked = client.get(f"/invoices/{invoice.pk}/status/?poll=2").content.decode()
    assert 'data-state="validated"' in checked and "?poll=3" in checked and "being matched" in checked

    with django_capture_on_commit_callbacks(execute=True):
        invoice_validate(invoice_id=invoice.pk)  # nothing to validate again; the match runs now
        from settlement.services.matching import invoice_match

        invoice_match(invoice_id=invoice.pk)
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.EXCEPTION  # no purchase order for it in this test
    done = client.get(f"/invoices/{invoice.pk}/status/?poll=2").content.decode()
    assert 'data-state="exception"' in done and "hx-get" not in done and "hx-trigger" not in done
    assert "finance team reviews it" in done and "26352000000012345678" in done


def test_a_row_stops_polling_after_ten_minutes_and_says_where_the_invoice_will_appear(
    client, seller_user, our_entity
):
    invoice = _received_invoice(seller_user)
    client.force_login(seller_user)
    body = client.get(f"/invoices/{invoice.pk}/status/?poll=300").content.decode()
    assert "hx-get" not in body and "it will appear in your invoice list" in body


def test_a_refused_file_shows_its_reason_in_the_readers_words_and_the_detail_apart(client, seller_user):
    client.force_login(seller_user)
    hostile = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><EInvoice>&a;</EInvoice>'
    response = _post(client, "hostile.xml", hostile)
    body = response.content.decode()
    assert (
        response.status_code == 400 and 'data-state="refused"' in body and 'data-code="xml_doctype"' in body
    )
    assert "refused for safety" in body and "hx-get" not in body
    assert UploadRefusal.objects.get().code == "xml_doctype" and not Invoice.objects.exists()
    page = client.get("/invoices/upload/").content.decode()
    assert "hostile.xml" in page and "refused for safety" in page


def test_a_refused_file_shows_its_reason_in_chinese_for_a_chinese_reader(client, seller_user):
    client.force_login(seller_user)
    response = client.post(
        "/invoices/upload/file/",
        {"file": SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64)},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    body = response.content.decode()
    assert 'data-code="unsupported_format"' in body
    assert "已拒收" in body  # the reason itself reads in Chinese once the catalogue has it


def test_a_buyer_posting_to_the_upload_gets_a_refused_row_not_a_whole_error_page(client, buyer):
    client.force_login(buyer)
    response = _post(client, "a.xml", build_cn_xml())
    body = response.content.decode()
    assert response.status_code == 403 and 'data-code="permission_denied"' in body and "<html" not in body


def test_the_page_of_a_received_invoice_says_it_is_being_checked(client, seller_user, our_entity):
    invoice = _received_invoice(seller_user)
    client.force_login(seller_user)
    body = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert "This invoice is being checked." in body
    assert "None" not in body and "No findings." not in body
    assert invoice.file.original_name in body  # named by its file while it has no number yet
    assert 'hx-trigger="every 3s"' in body


def test_the_page_of_a_received_invoice_in_chinese_shows_no_none_and_no_no_issues(
    client, seller_user, our_entity
):
    invoice = _received_invoice(seller_user)
    client.force_login(seller_user)
    body = client.get(f"/invoices/{invoice.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert not re.search(r"None\s*\+\s*None", body) and "未发现问题" not in body
    assert "None" not in body


def test_a_rejected_file_that_could_not_be_read_shows_dashes_not_none(client, seller_user, our_entity):
    invoice = _received_invoice(seller_user)
    with mock.patch("invoicing.services.check_file", side_effect=Refused("xml_malformed", "broken")):
        invoice_validate(invoice_id=invoice.pk)
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.REJECTED
    client.force_login(seller_user)
    body = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert "None" not in body and "xml_malformed" in body


@override_settings(INVOICE_REQUEUE_AFTER_MINUTES=0)
def test_an_upload_whose_in_process_validation_fails_stays_received_and_the_sweeper_validates_it(
    client, seller_user, our_entity, django_capture_on_commit_callbacks, caplog
):
    client.force_login(seller_user)
    real = invoice_validate
    with (
        mock.patch("invoicing.services.invoice_validate", side_effect=OperationalError("database is locked")),
        caplog.at_level(logging.ERROR, logger="core.queue"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = _post(client, "a.xml", build_cn_xml())
    assert response.status_code == 201 and "could not enqueue invoicing.validate_invoice" in caplog.text
    invoice = Invoice.objects.get()
    assert invoice.state == InvoiceState.RECEIVED
    assert "being checked" in client.get(f"/invoices/{invoice.pk}/").content.decode()

    with (
        mock.patch("invoicing.services.invoice_validate", side_effect=real),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert invoices_requeue_stuck() == 1  # the demo runs it every 20 s (local settings)
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.EXCEPTION  # validated, then matched: no PO for it here
    assert invoices_requeue_stuck() == 0


def test_the_sweeper_waits_for_the_configured_age_before_taking_an_invoice(seller_user, our_entity):
    _received_invoice(seller_user)
    with override_settings(INVOICE_REQUEUE_AFTER_MINUTES=10):
        assert invoices_requeue_stuck() == 0
    with override_settings(INVOICE_REQUEUE_AFTER_MINUTES=0):
        assert invoices_requeue_stuck() == 1
    assert Invoice.objects.get().state == InvoiceState.VALIDATED  # its match waits for the commit


def test_the_sweeper_goes_on_when_one_invoice_fails_again(seller_user, our_entity, caplog):
    first = _received_invoice(seller_user, number="26352000000010000001")
    second = _received_invoice(seller_user, number="26352000000010000002")
    real = invoice_validate

    def flaky(*, invoice_id):
        if invoice_id == first.pk:
            raise OperationalError("database is locked")
        return real(invoice_id=invoice_id)

    with (
        override_settings(INVOICE_REQUEUE_AFTER_MINUTES=0),
        mock.patch("invoicing.services.invoice_validate", side_effect=flaky),
        caplog.at_level(logging.ERROR, logger="core.queue"),
    ):
        assert invoices_requeue_stuck() == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == InvoiceState.RECEIVED and second.state == InvoiceState.VALIDATED


def test_the_invoice_list_names_a_received_invoice_by_its_file_and_shows_no_none(
    client, seller_user, our_entity
):
    invoice = _received_invoice(seller_user)
    client.force_login(seller_user)
    body = client.get("/invoices/").content.decode()
    assert invoice.file.original_name in body and "None" not in body


def test_another_suppliers_user_cannot_poll_an_invoices_status(client, seller_user, our_entity):
    from tests.factories import SupplierFactory, make_supplier_user

    invoice = _received_invoice(seller_user)
    other = make_supplier_user(SupplierFactory(state="approved"), "other-seller")
    client.force_login(other)
    assert client.get(f"/invoices/{invoice.pk}/status/?poll=1").status_code == 404
