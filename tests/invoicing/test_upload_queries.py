"""The upload API costs the same queries whatever number of invoices the supplier already has
(the copies are written straight into the tables: test set-up only)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import ApiToken
from core.services import api_token_create
from invoicing.models import Invoice, StoredFile
from tests.invoicing.cn_xml_builder import build_cn_xml
from tests.invoicing.test_invoice_api import post_file

pytestmark = pytest.mark.django_db


def _copies(invoice: Invoice, n: int, start: int) -> None:
    files = StoredFile.objects.bulk_create(
        StoredFile(
            sha256=f"{start + k:064x}",
            size=invoice.file.size,
            path=invoice.file.path,
            original_name=f"copy-{start + k}.xml",
            uploaded_by=invoice.file.uploaded_by,
        )
        for k in range(n)
    )
    values = {
        f.attname: getattr(invoice, f.attname) for f in Invoice._meta.concrete_fields if not f.primary_key
    }
    copies = [
        Invoice(
            **{
                **values,
                "file_id": stored.pk,
                "duplicate_key": None,
                "invoice_number": f"COPY-{start + k:06d}",
            }
        )
        for k, stored in enumerate(files)
    ]
    Invoice.objects.bulk_create(copies, batch_size=1000)


def _upload_queries(client, auth, number: str) -> int:
    ApiToken.objects.update(last_used_at=timezone.now())  # its use is written once a minute: not now
    with CaptureQueriesContext(connection) as ctx:
        response = post_file(client, auth, build_cn_xml(number=number))
    assert response.status_code == 201, response.content
    return len(ctx)


def test_an_upload_costs_the_same_queries_with_10_and_2_000_invoices_on_file(client, seller_user, our_entity):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=seller_user, name='erp')[1]}"}
    first = post_file(client, auth, build_cn_xml(number="26352000000010000000")).json()
    _copies(Invoice.objects.select_related("file").get(pk=first["id"]), 9, start=1)
    few = _upload_queries(client, auth, "26352000000010000001")
    _copies(Invoice.objects.select_related("file").get(pk=first["id"]), 2_000, start=100)
    assert Invoice.objects.count() > 2_000
    assert _upload_queries(client, auth, "26352000000010000002") == few
