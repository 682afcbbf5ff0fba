"""Twenty concurrent API uploads of one file (real threads, each with its own PostgreSQL
connection): one invoice, one stored file row, one file on disk, validated once."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import Client

from core.services import api_token_create
from invoicing.models import Invoice, StoredFile
from tests.invoicing.cn_xml_builder import build_cn_xml
from tests.reliability.conftest import assert_validated_once

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

UPLOADS = 20


def test_twenty_concurrent_api_uploads_of_one_file_make_one_invoice_and_one_stored_file(
    postgres, seller_user, our_entity, media_root
):
    token = api_token_create(user=seller_user, name="erp")[1]
    data = build_cn_xml()
    barrier = threading.Barrier(UPLOADS)
    answers, errors = [], []

    def upload():
        client = Client(raise_request_exception=False)
        try:
            barrier.wait(timeout=30)
            response = client.post(
                "/api/invoices/",
                {"file": SimpleUploadedFile("same.xml", data)},
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )
            answers.append((response.status_code, response.json().get("id")))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=upload) for _ in range(UPLOADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)

    assert errors == []
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * (UPLOADS - 1) + [201], statuses
    invoice = Invoice.objects.get()
    assert {pk for _, pk in answers} == {invoice.pk}
    assert StoredFile.objects.count() == 1
    on_disk = [p for p in media_root.rglob("*") if p.is_file()]
    assert [p.name for p in on_disk] == [invoice.file.sha256]
    assert on_disk[0].read_bytes() == data
    assert_validated_once(invoice.pk)
