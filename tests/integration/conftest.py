"""Integration tests: real PostgreSQL, real Redis broker, a real Celery worker process.

They run when DATABASE_URL points at PostgreSQL and CELERY_BROKER_URL is set (as .ci/run
does); otherwise they skip with the reason.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _real_services() -> str | None:
    if not os.environ.get("CELERY_BROKER_URL"):
        return "CELERY_BROKER_URL is not set"
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "DATABASE_URL is not PostgreSQL"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _real_services()
    if reason and os.environ.get("REQUIRE_INTEGRATION"):
        raise pytest.UsageError(f"REQUIRE_INTEGRATION is set but {reason}")
    for item in items:
        if "tests/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)
            if reason:
                item.add_marker(pytest.mark.skip(reason=f"integration test needs real services: {reason}"))


@pytest.fixture
def celery_worker(transactional_db, settings):
    """Start `celery worker` on a private queue against the test database; yield the queue."""
    from config.celery import app

    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{connection.settings_dict['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CELERY_TASK_DEFAULT_QUEUE": queue,  # what the worker itself enqueues stays on its queue
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    proc = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "-c",
            "1",
            "--pool",
            "prefork",
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    app.conf.task_always_eager = False
    default_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue  # every task the test enqueues goes to this worker
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"celery worker exited: {proc.stdout.read().decode(errors='replace')[-2000:]}"
                )
            replies = app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=0.5)
            if replies:
                break
        else:
            raise RuntimeError("celery worker did not answer within 60 s")
        yield {"queue": queue, "process": proc, "app": app}
    finally:
        app.conf.task_always_eager = True
        app.conf.task_default_queue = default_queue
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
