"""core.queue.queue_backlog against the real Redis broker: the messages no worker has taken."""

import uuid

from core.queue import queue_backlog
from core.tasks import healthcheck


def test_the_backlog_counts_the_messages_waiting_in_a_queue():
    from config.celery import app

    queue = f"test-backlog-{uuid.uuid4().hex[:8]}"
    app.conf.task_always_eager = False
    try:
        assert queue_backlog(queue) == 0  # a queue nothing was ever sent to
        for _ in range(3):
            healthcheck.apply_async(queue=queue)
        assert queue_backlog(queue) == 3
    finally:
        app.conf.task_always_eager = True
        with app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
