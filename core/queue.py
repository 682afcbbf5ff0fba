"""Enqueue a Celery task once the current transaction commits, without letting a broker outage
undo or fail the user's action: the action is already committed, the failure is logged, and each
app's sweeper (beat task) picks up what was not enqueued.

Without a broker (``make run``, tests) tasks run in-process when "enqueued": a task that fails
there (e.g. the database was busy) is logged the same way and leaves its document where it was
(an invoice stays ``received``), for the sweeper to run again."""

from __future__ import annotations

import logging

from django.db import transaction

log = logging.getLogger(__name__)


def enqueue(task, *args, **kwargs) -> bool:
    """Send (or, without a broker, run) the task now. False, and logged, when that failed."""
    try:
        task.delay(*args, **kwargs)
    except Exception:  # the broker is down, or the in-process run failed: the sweeper re-enqueues
        log.exception("could not enqueue %s%r; a sweeper will pick it up", task.name, args)
        return False
    return True


def enqueue_on_commit(task, *args, **kwargs) -> None:
    transaction.on_commit(lambda: enqueue(task, *args, **kwargs))
