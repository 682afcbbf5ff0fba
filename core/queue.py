"""Follow-up tasks that nothing can lose: the transactional outbox.

``enqueue_on_commit(task, *args)`` records the task (``core.OutboxTask``) in the transaction of
the action that needs it, and dispatches it once that transaction commits. A broker outage never
fails or undoes the user's action: the failure is logged and kept on the row, and the sweeper
(``core.outbox_sweep``, in ``CELERY_BEAT_SCHEDULE``, so also run by ``make run``'s in-process
scheduler) dispatches every row again that was not sent, failed, or was sent long ago and never
finished (a lost message, a dead worker), with a growing pause, up to ``OUTBOX_MAX_ATTEMPTS``.
Delivery is at least once: every follow-up task checks the state of its document before acting.
A worker marks the row finished (or records the error) through Celery's task signals.

Operators see what failed or is stuck at ``/ops/tasks/`` (staff) or with ``manage.py outbox``,
and can dispatch it again from there.

Without a broker (``make run``, tests) tasks run in-process when dispatched: one that fails there
(e.g. the database was busy) is recorded the same way and run again by the sweeper.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from celery.signals import task_failure, task_retry, task_success
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

log = logging.getLogger(__name__)

# Errors worth trying again after a pause: the database or a network peer (broker, SMTP server)
# was busy or unreachable. smtplib's errors are OSErrors.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, OSError)
# The options of every follow-up task: acknowledged after it ran, retried with backoff on
# transient errors (the outbox sweeper takes over when the retries are used up). Their results
# are not stored: nobody reads them, and sending one then never waits for the result store (a
# Redis outage would otherwise hold the user's request for the store's reconnect attempts).
FOLLOW_UP = {
    "acks_late": True,
    "ignore_result": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


def enqueue(task, *args, **kwargs) -> bool:
    """Send (or, without a broker, run) the task now, without a record. For the sweepers, which
    find their work again themselves. False, and logged, when that failed."""
    try:
        task.delay(*args, **kwargs)
    except Exception:  # the broker is down, or the in-process run failed: the sweeper re-enqueues
        log.exception("could not enqueue %s%r; a sweeper will pick it up", task.name, args)
        return False
    return True


def enqueue_on_commit(task, *args, dedupe: bool = False, **kwargs):
    """Record ``task(*args, **kwargs)`` in the current transaction; dispatch it after commit.

    With ``dedupe`` the same task with the same arguments is recorded once per transaction."""
    from .models import OutboxTask

    key = (task.name, repr(args), repr(sorted(kwargs.items())))
    row = None
    if dedupe:  # a row of this transaction still waiting for its commit (Django drops the
        # callbacks of a rolled-back savepoint with its rows, so a pending one names a live row)
        pending = transaction.get_connection().run_on_commit
        ids = [cb.outbox_id for _sids, cb, _robust in pending if isinstance(cb, _Dispatch) and cb.key == key]
        row = OutboxTask.objects.filter(pk__in=ids, attempts=0).first() if ids else None
    if row is None:
        row = OutboxTask.objects.create(name=task.name, args=list(args), kwargs=kwargs)
    transaction.on_commit(_Dispatch(row, key))  # the first to run sends it; the others find it sent
    return row


class _Dispatch:
    """The after-commit callback of one recorded task: sends it unless already sent. It keeps what
    the row says (as the database gives it back), so the send does not read the row again."""

    def __init__(self, row, key: tuple):
        self.outbox_id, self.key = row.pk, key
        self.message = (
            row.name,
            json.loads(json.dumps(row.args)),
            json.loads(json.dumps(row.kwargs)),
            row.task_id,
        )

    def __call__(self) -> None:
        dispatch(self.outbox_id, first=True, message=self.message)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def dispatch(outbox_id: int, *, first: bool = False, message: tuple | None = None) -> bool:
    """Send (or, without a broker, run) one recorded task. False when that failed (recorded on
    the row for the sweeper), the task has finished already, or (``first``: the after-commit
    send) it was sent already. ``message``: (name, args, kwargs, task id) of the row, when the
    caller has it (the after-commit send): the row is then claimed without being read."""
    from config.celery import app

    from .models import OutboxTask

    claim = OutboxTask.objects.filter(pk=outbox_id, finished_at__isnull=True)
    if first:
        claim = claim.filter(attempts=0)
    if message is None:
        row = claim.first()
        if row is None:
            return False
        message = (row.name, row.args, row.kwargs, row.task_id)
    name, args, kwargs, task_id = message
    now = timezone.now()
    if not claim.update(attempts=F("attempts") + 1, last_attempt_at=now, dispatched_at=now):
        return False
    try:
        app.tasks[name].apply_async(args=args, kwargs=kwargs, task_id=task_id)
    except Exception as exc:  # the broker is down, or the in-process run failed
        log.exception("could not enqueue %s%r; the outbox sweeper will send it again", name, tuple(args))
        OutboxTask.objects.filter(pk=outbox_id, finished_at__isnull=True).update(
            dispatched_at=None, last_error=_describe(exc)
        )
        return False
    return True


def queue_backlog(queue: str | None = None) -> int:
    """Messages waiting in a task queue (the default one) that no worker has taken yet: 0 without
    a broker (tasks run in-process) and when the broker cannot say (it is down, the queue does not
    exist yet). The sweepers ask it first: while workers are behind, a message sent long ago is
    most likely still waiting its turn, and sending it again only lengthens the queue."""
    from config.celery import app

    if app.conf.task_always_eager:
        return 0
    try:
        with app.connection_for_read() as conn:
            name = queue or app.conf.task_default_queue
            return conn.default_channel.queue_declare(queue=name, passive=True).message_count
    except Exception:  # noqa: BLE001 - no answer: the sweepers do as without a backlog
        log.debug("could not read the length of the task queue", exc_info=True)
        return 0


def backlog_covers(count: int) -> bool:
    """True when at least ``count`` messages wait in the task queue: the ``count`` documents that
    look stuck may all be waiting their turn there (a month-end backlog drained for longer than the
    sweepers' patience), so the sweepers send nothing again. With fewer messages waiting, some of
    them were lost (a broker restarted without persistence, a worker died): the sweepers send all
    of them again, a duplicate being harmless (every follow-up task checks its document's state)."""
    return count > 0 and queue_backlog() >= count


def _backoff(attempts: int) -> timedelta:
    """The pause before the sweeper sends a failed task again: doubles with every attempt."""
    grace = settings.OUTBOX_GRACE_SECONDS
    return timedelta(seconds=min(grace * 2 ** max(attempts - 1, 0), 3600))


def outbox_due(*, now=None, grace_seconds: float | None = None):
    """The recorded tasks the sweeper should send now. Those sent long ago and never finished count
    as lost unless the queue holds at least as many waiting messages (``backlog_covers``): during a
    backlog (a month-end upload burst drained for longer than OUTBOX_STUCK_MINUTES) they are still
    queued, and sending them again would put a second copy of every waiting task at the end of it."""
    from .models import OutboxTask

    now = now or timezone.now()
    grace = timedelta(seconds=settings.OUTBOX_GRACE_SECONDS if grace_seconds is None else grace_seconds)
    stuck = timedelta(minutes=settings.OUTBOX_STUCK_MINUTES)
    open_rows = OutboxTask.objects.filter(
        finished_at__isnull=True, attempts__lt=settings.OUTBOX_MAX_ATTEMPTS, created_at__lte=now - grace
    )
    lost = Q(dispatched_at__lte=now - stuck)
    if backlog_covers(open_rows.filter(lost).count()):
        lost = Q(pk__in=[])  # sent long ago, but as many messages are still queued: waiting, not lost
    candidates = open_rows.filter(
        Q(attempts=0)  # committed, never sent (the process died between commit and dispatch)
        | Q(dispatched_at__isnull=True)  # the broker refused it, or it failed
        | lost  # sent long ago and never finished, and not covered by the backlog: lost
    )
    due = []
    for row in candidates.order_by("created_at", "pk"):
        waiting = row.attempts and row.dispatched_at is None and row.last_attempt_at
        if waiting and grace_seconds is None and row.last_attempt_at > now - _backoff(row.attempts):
            continue
        due.append(row)
    return due


def outbox_sweep(*, grace_seconds: float | None = None) -> dict:
    """Dispatch every due recorded task again; forget finished ones after OUTBOX_KEEP_DAYS."""
    from .models import OutboxTask

    sent = failed = 0
    for row in outbox_due(grace_seconds=grace_seconds):
        if dispatch(row.pk):
            sent += 1
        else:
            failed += 1
    cutoff = timezone.now() - timedelta(days=settings.OUTBOX_KEEP_DAYS)
    forgotten, _ = OutboxTask.objects.filter(finished_at__lte=cutoff).delete()
    return {"sent": sent, "failed": failed, "forgotten": forgotten}


def outbox_retry(*, outbox_id: int, actor=None) -> bool:
    """An operator sends a failed or stuck task again (whatever its attempts)."""
    log.warning("outbox task %s dispatched again by %s", outbox_id, getattr(actor, "username", "a command"))
    return dispatch(outbox_id)


def already_finished(task) -> bool:
    """Inside a task: its recorded copy finished already (a copy sent twice, e.g. by the sweeper
    while the first was still queued). For tasks whose effect the database cannot show (e-mail)."""
    from .models import OutboxTask

    task_id = _task_id(task)
    return bool(task_id) and OutboxTask.objects.filter(task_id=task_id, finished_at__isnull=False).exists()


# --- the worker's side: Celery's task signals mark the row ------------------------------------


def _task_id(sender) -> str:
    request = getattr(sender, "request", None)
    return getattr(request, "id", None) or ""


@task_success.connect(dispatch_uid="core.outbox_finished")
def _finished(sender=None, **kwargs):
    from .models import OutboxTask

    task_id = _task_id(sender)
    if task_id:
        OutboxTask.objects.filter(task_id=task_id, finished_at__isnull=True).update(
            finished_at=timezone.now(), last_error=""
        )


@task_failure.connect(dispatch_uid="core.outbox_failed")
def _failed(sender=None, task_id=None, exception=None, **kwargs):
    from .models import OutboxTask

    if task_id:
        OutboxTask.objects.filter(task_id=task_id, finished_at__isnull=True).update(
            dispatched_at=None, last_error=_describe(exception)
        )


@task_retry.connect(dispatch_uid="core.outbox_retrying")
def _retrying(sender=None, request=None, reason=None, **kwargs):
    from .models import OutboxTask

    task_id = getattr(request, "id", None)
    if task_id:
        OutboxTask.objects.filter(task_id=task_id, finished_at__isnull=True).update(
            last_error=_describe(reason) if isinstance(reason, BaseException) else str(reason)[:2000]
        )
