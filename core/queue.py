"""Enqueue a Celery task once the current transaction commits, without letting a broker outage
undo or fail the user's action: the action is already committed, the failure is logged, and each
app's sweeper (beat task) picks up what was not enqueued."""

from __future__ import annotations

import logging

from django.db import transaction

log = logging.getLogger(__name__)


def enqueue_on_commit(task, *args, **kwargs) -> None:
    def send():
        try:
            task.delay(*args, **kwargs)
        except Exception:  # the broker is down: the sweeper re-enqueues
            log.exception("could not enqueue %s%r; a sweeper will pick it up", task.name, args)

    transaction.on_commit(send)
