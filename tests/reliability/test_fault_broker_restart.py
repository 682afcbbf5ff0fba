"""The broker (a private redis-server without persistence) restarted during intake: no upload is
lost. Uploads while it is down are accepted (never a 500); messages that died with the broker and
uploads that could not be enqueued are re-queued by the sweeper once it is back; a running worker
reconnects by itself."""

import time
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.services import api_token_create
from invoicing.models import Invoice
from invoicing.services import invoices_requeue_stuck
from tests.invoicing.cn_xml_builder import build_cn_xml
from tests.reliability.conftest import STILL_TO_VALIDATE, assert_validated_once, celery_on, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def upload_one(client, token, n):
    data = build_cn_xml(number=f"2635200000001234{n:04d}")
    started = time.monotonic()
    response = client.post(
        "/api/invoices/",
        {"file": SimpleUploadedFile(f"inv-{n}.xml", data)},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, (n, response.status_code, response.content[:500])
    return response.json()["id"], time.monotonic() - started


def all_done(ids):
    return not Invoice.objects.filter(pk__in=ids, state__in=STILL_TO_VALIDATE).exists()


def test_a_broker_restart_during_intake_loses_no_upload(
    client, private_redis, start_worker, seller_user, our_entity
):
    client.raise_request_exception = False  # a 500 must show as a 500, not as an exception
    token = api_token_create(user=seller_user, name="erp")[1]
    queue = f"restart-{uuid.uuid4().hex[:8]}"
    ids = []
    with celery_on(private_redis.url, queue):
        # No worker yet: the first uploads wait in the broker's queue ...
        ids += [upload_one(client, token, n)[0] for n in range(2)]
        assert private_redis.queue_length(queue) == 2
        # ... and die with it: a restart without persistence loses every queued message.
        private_redis.stop()
        # While the broker is down, uploads are still accepted, promptly.
        for n in range(2, 4):
            pk, seconds = upload_one(client, token, n)
            ids.append(pk)
            assert seconds < 5, f"an upload with the broker down took {seconds:.1f} s"
        private_redis.start()
        assert private_redis.queue_length(queue) == 0
        assert Invoice.objects.filter(pk__in=ids, state="received").count() == 4

        worker = start_worker(private_redis.url, queue)
        ids.append(upload_one(client, token, 4)[0])  # enqueued normally now
        wait_until(lambda: all_done(ids[-1:]), seconds=60, what="the worker to validate a fresh upload")

        # A second restart, with the worker running: it reconnects by itself.
        private_redis.stop()
        ids.append(upload_one(client, token, 5)[0])
        private_redis.start()
        ids.append(upload_one(client, token, 6)[0])

        # The sweeper re-queues what was lost or never enqueued (and, harmlessly, what is queued).
        assert invoices_requeue_stuck(older_than_minutes=0) >= 4
        wait_until(lambda: all_done(ids), seconds=90, what="every upload to be validated")
        assert worker.process.poll() is None

    assert len(ids) == 7
    for pk in ids:
        assert_validated_once(pk)
