"""`celery worker` for the fault tests: python -m tests.reliability.worker -Q <queue> -n <name>.

The same worker as `celery -A config worker` (prefork, one child, acks late), plus two test-only
hooks (and a task) that exist only in this process, never in the application code:

- RELIABILITY_READY_FILE: touched when the worker is ready to consume;
- the task `reliability.backend_pid`: the PostgreSQL backend serving this task's connection
  (which connection a task got: tests/reliability/test_worker_connections.py);
- RELIABILITY_PAUSE_FILE: the first validation that reaches the file check (inside its
  transaction, row locked, state already `validating`) writes its pid to this file and sleeps,
  so the test can kill the worker at exactly that point. Later validations do not pause.
"""

import os
import sys
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django.setup()

from celery.signals import worker_ready  # noqa: E402

from config.celery import app  # noqa: E402
from invoicing import services  # noqa: E402

PAUSE_FILE = os.environ.get("RELIABILITY_PAUSE_FILE", "")
READY_FILE = os.environ.get("RELIABILITY_READY_FILE", "")

if PAUSE_FILE:
    _check_file = services.check_file

    def _check_file_pausing_once(*args, **kwargs):
        pause = Path(PAUSE_FILE)
        if not pause.exists():
            pause.write_text(str(os.getpid()))
            time.sleep(120)  # killed here by the test
        return _check_file(*args, **kwargs)

    services.check_file = _check_file_pausing_once


@app.task(name="reliability.backend_pid")
def backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@worker_ready.connect
def _ready(**kwargs):
    if READY_FILE:
        Path(READY_FILE).touch()


if __name__ == "__main__":
    app.worker_main(
        [
            "worker",
            "-c",
            "1",
            "--pool",
            "prefork",
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            *sys.argv[1:],
        ]
    )
