"""core.queue.enqueue_on_commit: sent after commit; a broker outage is logged, never raised."""

import logging

import pytest
from kombu.exceptions import OperationalError

from core.queue import enqueue_on_commit

pytestmark = pytest.mark.django_db


class FakeTask:
    name = "tests.fake"

    def __init__(self, fail=False):
        self.sent, self.fail = [], fail

    def delay(self, *args):
        if self.fail:
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        self.sent.append(args)


def test_the_task_is_sent_only_when_the_transaction_commits(django_capture_on_commit_callbacks):
    task = FakeTask()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enqueue_on_commit(task, 7)
        assert task.sent == []
    assert len(callbacks) == 1 and task.sent == [(7,)]


def test_a_broker_outage_is_logged_and_the_committed_action_stands(
    django_capture_on_commit_callbacks, caplog
):
    task = FakeTask(fail=True)
    with (
        caplog.at_level(logging.ERROR, logger="core.queue"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        enqueue_on_commit(task, 7)
    assert "could not enqueue tests.fake(7,)" in caplog.text
