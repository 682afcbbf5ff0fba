"""The demo's scheduler: runs ``CELERY_BEAT_SCHEDULE`` in-process when there is no broker.

With a broker, ``celery beat`` is the one scheduler (see the README). Without one (``make run`` on a
laptop: SQLite, tasks in-process) beat has nowhere to send its messages, so ``manage.py rundemo``
starts this loop in a thread of the serving process. It reads the same schedule as beat, uses
Celery's own schedule objects to decide what is due, runs each due task with ``Task.apply()`` (the
same code a worker runs) and keeps the last run of every job in a small JSON file, so a daily job
missed while the laptop was off runs at the next start, as beat's persistent schedule does.
A job that has never run is due at once.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from datetime import datetime
from pathlib import Path

from celery.schedules import maybe_schedule
from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger("portal.scheduler")


class InProcessScheduler:
    def __init__(self, app, beat_schedule: dict, state_file: Path, *, out=None):
        self.app = app
        app.loader.import_default_modules()  # the apps' tasks modules, as a worker imports them
        self.entries = {
            name: (entry["task"], maybe_schedule(entry["schedule"], app=app), entry.get("args", ()))
            for name, entry in beat_schedule.items()
        }
        self.state_file = state_file
        self.out = out or sys.stdout
        self.last_run: dict[str, datetime] = self._load()
        self._stop = threading.Event()

    def _load(self) -> dict[str, datetime]:
        try:
            raw = json.loads(self.state_file.read_text())
            return {name: datetime.fromisoformat(value) for name, value in raw.items()}
        except (OSError, ValueError, TypeError, AttributeError):
            return {}

    def _save(self) -> None:
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        data = {name: value.isoformat() for name, value in self.last_run.items()}
        self.state_file.write_text(json.dumps(data, indent=1, sort_keys=True))

    def due(self) -> list[str]:
        """Names of the jobs due now, in schedule order."""
        names = []
        for name, (_task, schedule, _args) in self.entries.items():
            last = self.last_run.get(name)
            if last is None or schedule.is_due(last).is_due:
                names.append(name)
        return names

    def seconds_to_next(self) -> float:
        waits = [
            schedule.is_due(self.last_run[name]).next
            for name, (_task, schedule, _args) in self.entries.items()
            if name in self.last_run
        ]
        return max(1.0, min(waits, default=60.0))

    def run_due(self) -> list[str]:
        ran = []
        for name in self.due():
            task_name, _schedule, args = self.entries[name]
            self.last_run[name] = timezone.now()
            self._save()
            try:
                result = self.app.tasks[task_name].apply(args=args)
                outcome = "failed: " + repr(result.result) if result.failed() else f"ok {result.result!r}"
            except Exception as exc:  # one failing job must not stop the others
                logger.exception("scheduled job %s failed", name)
                outcome = f"failed: {exc!r}"
            self.out.write(f"[scheduler] {timezone.localtime():%Y-%m-%d %H:%M:%S} {task_name} {outcome}\n")
            self.out.flush()
            ran.append(name)
        return ran

    def loop(self) -> None:
        while not self._stop.is_set():
            close_old_connections()  # this thread's own connection, as a request would
            self.run_due()
            close_old_connections()
            self._stop.wait(min(self.seconds_to_next(), 30.0))

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.loop, name="portal-scheduler", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()
