"""Fast guards (any database) for two fixes found by the fault tests and schemathesis: an upload
succeeds while the broker is unreachable (the sweeper enqueues it later), and the invoice list
refuses out-of-range paging with a 422 instead of a server error."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from kombu.exceptions import OperationalError

from core.services import api_token_create
from invoicing import tasks
from invoicing.models import Invoice
from invoicing.services import invoices_requeue_stuck
from tests.invoicing.cn_xml_builder import build_cn_xml
from tests.reliability.conftest import assert_validated_once

pytestmark = pytest.mark.django_db


def test_an_upload_while_the_broker_is_unreachable_is_accepted_and_the_sweeper_validates_it_later(
    client, seller_user, our_entity, monkeypatch, django_capture_on_commit_callbacks
):
    token = api_token_create(user=seller_user, name="erp")[1]

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as m:
        m.setattr(tasks.validate_invoice, "apply_async", broker_down)  # how the outbox sends it
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/api/invoices/",
                {"file": SimpleUploadedFile("a.xml", build_cn_xml())},
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )
    assert response.status_code == 201
    invoice = Invoice.objects.get(pk=response.json()["id"])
    assert invoice.state == "received"

    assert invoices_requeue_stuck(older_than_minutes=0) == 1  # the broker is back (tasks run in-process here)
    assert_validated_once(invoice.pk)


@pytest.mark.parametrize("query", ["offset=-1", "limit=-1", f"offset={2**63}", "offset=1000000001"])
def test_the_invoice_list_refuses_out_of_range_paging_with_422(client, seller_user, query):
    token = api_token_create(user=seller_user, name="erp")[1]
    response = client.get(f"/api/invoices/?{query}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "validation_error"


def test_a_huge_limit_is_clamped_not_refused(client, seller_user):
    token = api_token_create(user=seller_user, name="erp")[1]
    response = client.get(f"/api/invoices/?limit={2**63}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200 and response.json() == []
