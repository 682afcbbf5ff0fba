"""A Celery worker killed (SIGKILL) in the middle of validating an invoice: nothing is half done,
and the invoice still ends validated exactly once.

The worker (tests/reliability/worker.py) pauses inside the validation transaction — row locked,
state already `validating`, old lines deleted — and the test kills it right there.
"""

import os
import signal
import uuid

import pytest
from django.db import DatabaseError, transaction

from invoicing.models import Invoice
from invoicing.services import invoice_upload, invoices_requeue_stuck
from tests.invoicing.cn_xml_builder import build_cn_xml
from tests.reliability.conftest import (
    assert_validated_once,
    celery_on,
    invoice_transitions,
    validation_finished,
    wait_until,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def paused_pid(pause_file) -> int:
    text = wait_until(
        lambda: pause_file.exists() and pause_file.read_text(), seconds=60, what="validation to start"
    )
    return int(text)


def row_is_unlocked(pk) -> bool:
    try:
        with transaction.atomic():
            Invoice.objects.select_for_update(nowait=True).get(pk=pk)
    except DatabaseError:  # could not obtain lock: the dead worker's transaction is still there
        return False
    return True


def upload(user):
    invoice, created = invoice_upload(
        supplier=user.membership.supplier, data=build_cn_xml(), filename="a.xml", actor=user
    )
    assert created
    return invoice


def test_a_killed_worker_leaves_the_invoice_received_and_a_new_worker_with_the_sweeper_validates_it_once(
    private_redis, start_worker, seller_user, our_entity, tmp_path
):
    queue = f"kill-{uuid.uuid4().hex[:8]}"
    pause = tmp_path / "paused.pid"
    with celery_on(private_redis.url, queue):
        first = start_worker(private_redis.url, queue, pause_file=pause)
        invoice = upload(seller_user)
        paused_pid(pause)  # the worker is inside the validation transaction now
        first.kill()

        # Nothing half done: the dead worker's transaction was rolled back and its lock released.
        wait_until(lambda: row_is_unlocked(invoice.pk), seconds=30, what="the dead worker's row lock to go")
        invoice.refresh_from_db()
        assert invoice.state == "received"
        assert invoice.lines.count() == 0 and invoice.issues.count() == 0
        assert invoice_transitions(invoice.pk) == []

        start_worker(private_redis.url, queue)
        assert invoices_requeue_stuck(older_than_minutes=0) == 1
        wait_until(
            lambda: validation_finished(invoice.pk), seconds=60, what="the new worker to validate the invoice"
        )

    assert_validated_once(invoice.pk)
    assert invoice.lines.count() == 1


def test_a_killed_pool_process_is_replaced_and_the_task_redelivered_so_the_invoice_is_validated_once(
    private_redis, start_worker, seller_user, our_entity, tmp_path
):
    queue = f"kill-{uuid.uuid4().hex[:8]}"
    pause = tmp_path / "paused.pid"
    with celery_on(private_redis.url, queue):
        worker = start_worker(private_redis.url, queue, pause_file=pause)
        invoice = upload(seller_user)
        child = paused_pid(pause)
        assert child != worker.process.pid  # the pool process, not the main worker process
        os.kill(child, signal.SIGKILL)
        # acks_late + reject_on_worker_lost: the message goes back to the queue; no sweeper needed
        wait_until(lambda: validation_finished(invoice.pk), seconds=60, what="the task to be redelivered")

    assert_validated_once(invoice.pk)
    assert invoice.lines.count() == 1
