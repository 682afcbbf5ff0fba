"""core.queue: the transactional outbox. A follow-up is recorded with the action, sent after
commit, kept when the broker is down, sent again by the sweeper and marked finished once."""

import logging
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from kombu.exceptions import OperationalError

from core.models import OutboxTask
from core.queue import enqueue_on_commit, outbox_sweep
from core.tasks import send_email

pytestmark = pytest.mark.django_db

BROKER_DOWN = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def _broker_down():
    return mock.patch.object(send_email, "apply_async", side_effect=BROKER_DOWN)


def test_the_task_is_recorded_with_the_action_and_sent_only_when_the_transaction_commits(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(send_email, "Hello", "Body", ["a@example.com"])
        assert OutboxTask.objects.get().attempts == 0 and mail.outbox == []
    row = OutboxTask.objects.get()
    assert [m.subject for m in mail.outbox] == ["Hello"]
    assert row.name == "core.send_email" and row.attempts == 1
    assert row.finished_at is not None and row.last_error == ""


def test_a_rolled_back_action_leaves_no_task():
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(send_email, "Hello", "Body", ["a@example.com"])
        raise RuntimeError("the action failed")
    assert not OutboxTask.objects.exists()


def test_a_broker_outage_is_logged_kept_and_the_sweeper_sends_the_task_once(
    django_capture_on_commit_callbacks, caplog
):
    with (
        _broker_down(),
        caplog.at_level(logging.ERROR, logger="core.queue"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        enqueue_on_commit(send_email, "Hello", "Body", ["a@example.com"])
    assert "could not enqueue core.send_email" in caplog.text
    row = OutboxTask.objects.get()
    assert row.finished_at is None and row.dispatched_at is None and "Connection refused" in row.last_error
    assert mail.outbox == []

    assert outbox_sweep()["sent"] == 0  # within the grace period: the pause before a retry
    assert outbox_sweep(grace_seconds=0) == {"sent": 1, "failed": 0, "forgotten": 0}
    assert outbox_sweep(grace_seconds=0)["sent"] == 0  # finished: never again
    assert [m.subject for m in mail.outbox] == ["Hello"]
    row.refresh_from_db()
    assert row.attempts == 2 and row.finished_at is not None and row.last_error == ""


@override_settings(OUTBOX_GRACE_SECONDS=10)
def test_the_sweeper_waits_longer_after_each_failed_attempt():
    row = OutboxTask.objects.create(name="core.send_email", args=["S", "B", ["a@example.com"]])
    OutboxTask.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(hours=1))
    with _broker_down():
        assert outbox_sweep() == {"sent": 0, "failed": 1, "forgotten": 0}  # never sent: due at once
        assert outbox_sweep()["failed"] == 0  # tried just now: waits 10 s
        OutboxTask.objects.filter(pk=row.pk).update(last_attempt_at=timezone.now() - timedelta(seconds=11))
        assert outbox_sweep()["failed"] == 1
        OutboxTask.objects.filter(pk=row.pk).update(last_attempt_at=timezone.now() - timedelta(seconds=11))
        assert outbox_sweep()["failed"] == 0  # the third attempt waits 20 s
    assert outbox_sweep()["sent"] == 0
    OutboxTask.objects.filter(pk=row.pk).update(last_attempt_at=timezone.now() - timedelta(seconds=21))
    assert outbox_sweep()["sent"] == 1 and len(mail.outbox) == 1


def test_a_task_sent_long_ago_and_never_finished_is_sent_again(settings):
    row = OutboxTask.objects.create(name="core.send_email", args=["S", "B", ["a@example.com"]])
    long_ago = timezone.now() - timedelta(minutes=settings.OUTBOX_STUCK_MINUTES + 1)
    OutboxTask.objects.filter(pk=row.pk).update(
        created_at=long_ago, attempts=1, last_attempt_at=long_ago, dispatched_at=long_ago
    )
    assert outbox_sweep()["sent"] == 1
    row.refresh_from_db()
    assert row.finished_at is not None and row.attempts == 2


@override_settings(OUTBOX_MAX_ATTEMPTS=2)
def test_after_the_last_attempt_the_task_waits_for_an_operator(
    admin_client, django_capture_on_commit_callbacks
):
    with _broker_down():
        with django_capture_on_commit_callbacks(execute=True):
            enqueue_on_commit(send_email, "Subject <b>", "Body", ["a@example.com"])
        assert outbox_sweep(grace_seconds=0)["failed"] == 1
        assert outbox_sweep(grace_seconds=0) == {"sent": 0, "failed": 0, "forgotten": 0}
    row = OutboxTask.objects.get()

    page = admin_client.get("/ops/tasks/")
    body = page.content.decode()
    assert page.status_code == 200 and "core.send_email" in body and "Connection refused" in body
    assert "Subject &lt;b&gt;" in body and "Subject <b>" not in body  # arguments are inert

    response = admin_client.post(f"/ops/tasks/{row.pk}/retry/")
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.finished_at is not None and [m.subject for m in mail.outbox] == ["Subject <b>"]
    assert "core.send_email" not in admin_client.get("/ops/tasks/").content.decode()


def test_only_staff_see_and_retry_tasks(client, buyer):
    row = OutboxTask.objects.create(name="core.send_email", args=["S", "B", ["a@example.com"]])
    client.force_login(buyer)
    assert client.get("/ops/tasks/").status_code == 403
    assert client.post(f"/ops/tasks/{row.pk}/retry/").status_code == 403
    assert OutboxTask.objects.get().attempts == 0


def test_the_command_lists_failed_tasks_and_retries_them(capsys):
    row = OutboxTask.objects.create(
        name="core.send_email",
        args=["S", "B", ["a@example.com"]],
        created_at=timezone.now() - timedelta(hours=1),
        attempts=8,
        last_error="SMTPServerDisconnected: gone",
    )
    call_command("outbox")
    out = capsys.readouterr().out
    assert f"{row.pk}" in out and "core.send_email" in out and "SMTPServerDisconnected" in out
    call_command("outbox", "--retry", str(row.pk))
    row.refresh_from_db()
    assert row.finished_at is not None and len(mail.outbox) == 1
    call_command("outbox")
    assert "core.send_email" not in capsys.readouterr().out


def test_finished_tasks_are_forgotten_after_the_configured_days(settings):
    old = timezone.now() - timedelta(days=settings.OUTBOX_KEEP_DAYS + 1)
    OutboxTask.objects.create(name="core.send_email", created_at=old, finished_at=old, attempts=1)
    assert outbox_sweep()["forgotten"] == 1 and not OutboxTask.objects.exists()


def test_the_sweeper_is_scheduled(settings):
    assert settings.CELERY_BEAT_SCHEDULE["core-outbox-sweep"]["task"] == "core.outbox_sweep"


def test_a_deduplicated_task_is_recorded_and_sent_once_per_transaction(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        enqueue_on_commit(send_email, "S", "B", ["a@example.com"], dedupe=True)
        enqueue_on_commit(send_email, "S", "B", ["a@example.com"], dedupe=True)
        enqueue_on_commit(send_email, "S", "B", ["b@example.com"], dedupe=True)
    assert len(callbacks) == 3 and OutboxTask.objects.count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.com", "b@example.com"]


def test_a_deduplicated_task_of_a_rolled_back_savepoint_is_recorded_again(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            enqueue_on_commit(send_email, "S", "B", ["a@example.com"], dedupe=True)
            raise RuntimeError("this part failed")
        enqueue_on_commit(send_email, "S", "B", ["a@example.com"], dedupe=True)
    assert OutboxTask.objects.get().finished_at is not None and len(mail.outbox) == 1


def test_while_messages_wait_in_the_queue_a_task_sent_long_ago_is_not_sent_again(settings):
    """A backlog drained for longer than OUTBOX_STUCK_MINUTES: its messages are queued, not lost."""
    from core import queue

    stuck = OutboxTask.objects.create(name="core.send_email", args=["S", "B", ["a@example.com"]])
    never_sent = OutboxTask.objects.create(name="core.send_email", args=["T", "B", ["b@example.com"]])
    long_ago = timezone.now() - timedelta(minutes=settings.OUTBOX_STUCK_MINUTES + 1)
    OutboxTask.objects.filter(pk=stuck.pk).update(
        created_at=long_ago, attempts=1, last_attempt_at=long_ago, dispatched_at=long_ago
    )
    OutboxTask.objects.filter(pk=never_sent.pk).update(created_at=long_ago)
    with mock.patch.object(queue, "queue_backlog", return_value=250):
        assert outbox_sweep()["sent"] == 1  # the one that was never sent goes all the same
    stuck.refresh_from_db()
    assert (stuck.attempts, stuck.finished_at) == (1, None)
    assert len(mail.outbox) == 1
    with mock.patch.object(queue, "queue_backlog", return_value=0):  # drained: now it counts as lost
        assert outbox_sweep()["sent"] == 1
    stuck.refresh_from_db()
    assert stuck.attempts == 2 and stuck.finished_at is not None


def test_the_queue_backlog_is_zero_without_a_broker_or_without_an_answer():
    from config.celery import app
    from core.queue import queue_backlog

    assert queue_backlog() == 0  # tasks run in-process
    app.conf.task_always_eager = False
    try:
        with mock.patch.object(app, "connection_for_read", side_effect=BROKER_DOWN):
            assert queue_backlog() == 0
    finally:
        app.conf.task_always_eager = True
