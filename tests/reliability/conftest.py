"""The reliability suite: faults, concurrency, fuzzing, attack checks and data safety.

Tests that need real services ask for them through the fixtures below: ``postgres`` (DATABASE_URL
is PostgreSQL), ``private_redis`` (a redis-server of our own on a free port) and ``start_worker``
(a real `celery worker` process against the test database). Without the service the test skips
with the reason, unless REQUIRE_INTEGRATION=1 (as in .ci/run), where a missing service fails it.

Fault tests never touch the machine's shared Redis: each starts its own redis-server and stops
or restarts only that one.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from tests.factories import LegalEntityFactory, SupplierFactory, make_supplier_user
from tests.invoicing.cn_xml_builder import BUYER_ID, BUYER_NAME, SELLER_ID, SELLER_NAME

ROOT = Path(__file__).resolve().parents[2]


def missing_service(reason: str) -> None:
    """Skip the test, or fail it when the environment promises the services."""
    if os.environ.get("REQUIRE_INTEGRATION"):
        pytest.fail(f"REQUIRE_INTEGRATION is set but {reason}")
    pytest.skip(f"needs real services: {reason}")


def wait_until(predicate, *, seconds: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


# -- fixtures every reliability test may use ------------------------------------------------------


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        missing_service("DATABASE_URL is not PostgreSQL")


@pytest.fixture
def seller(db):
    """An approved supplier whose tax id is the seller of the built 数电 test invoices."""
    return SupplierFactory(name=SELLER_NAME, tax_id=SELLER_ID, state="approved")


@pytest.fixture
def seller_user(seller):
    return make_supplier_user(seller, "seller-user")


@pytest.fixture
def our_entity(db):
    return LegalEntityFactory(name=BUYER_NAME, tax_id=BUYER_ID)


@pytest.fixture
def media_root(settings, tmp_path):
    """A private MEDIA_ROOT, so stored files of one test are not seen by another."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


# -- a private redis-server ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A redis-server of our own (no persistence): stopping it loses every queued message."""

    def __init__(self, binary: str, port: int, workdir: Path):
        self.binary, self.port, self.workdir = binary, port, workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=0.5).ping())
        except redis.exceptions.RedisError:
            return False

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.ping, seconds=20, what=f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def queue_length(self, queue: str) -> int:
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port).llen(queue)


@pytest.fixture
def private_redis(tmp_path):
    binary = shutil.which("redis-server")
    if binary is None:
        missing_service("redis-server is not installed")
    server = RedisServer(binary, free_port(), tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


# -- real Celery workers ---------------------------------------------------------------------------


@contextmanager
def celery_on(broker_url: str, queue: str):
    """Point this process's Celery app at ``broker_url``: tasks are sent to ``queue``, not run here."""
    from config.celery import app

    keys = ("broker_url", "result_backend", "task_always_eager", "task_default_queue")
    saved = {k: app.conf[k] for k in keys}
    # Celery prefers these variables to its configuration (CI sets them to the shared Redis).
    saved_env = {k: os.environ.pop(k, None) for k in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")}

    def reset_connections():
        app._after_fork()  # drops the pooled broker connections of the previous URL
        app._backend_cache = None
        app._local.__dict__.pop("backend", None)

    app.conf.update(
        broker_url=broker_url, result_backend=broker_url, task_always_eager=False, task_default_queue=queue
    )
    reset_connections()
    try:
        yield app
    finally:
        os.environ.update({k: v for k, v in saved_env.items() if v is not None})
        app.conf.update(saved)
        reset_connections()


class Worker:
    """A `celery worker` process (prefork, one child) in its own process group."""

    def __init__(self, process: subprocess.Popen, ready_file: Path, log: Path):
        self.process, self.ready_file, self.log = process, ready_file, log

    def wait_ready(self, seconds: float = 60) -> None:
        def ready():
            if self.process.poll() is not None:
                raise AssertionError(f"celery worker exited early:\n{self.output()}")
            return self.ready_file.exists()

        wait_until(ready, seconds=seconds, what="the celery worker to be ready", interval=0.05)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL the worker and its pool children at once (no clean shutdown, nothing acked)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)


@pytest.fixture
def start_worker(postgres, transactional_db, tmp_path):
    """Start real workers on the test database: ``start_worker(broker_url, queue, pause_file=None)``.

    With ``pause_file`` the worker (see tests/reliability/worker.py) stops once in the middle of
    validating an invoice, after writing its pid to that file, so a test can kill it there.
    """
    db = django_settings.DATABASES["default"]
    url = (
        f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{connection.settings_dict['NAME']}"
    )
    workers: list[Worker] = []

    def start(broker_url: str, queue: str, *, pause_file: Path | None = None, wait: bool = True) -> Worker:
        name = f"w{len(workers)}-{uuid.uuid4().hex[:6]}"
        ready_file = tmp_path / f"{name}.ready"
        log = tmp_path / f"{name}.log"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
            "CELERY_BROKER_URL": broker_url,
            "CELERY_RESULT_BACKEND": broker_url,
            "RELIABILITY_READY_FILE": str(ready_file),
            "RELIABILITY_PAUSE_FILE": str(pause_file or ""),
        }
        with open(log, "wb") as out:
            process = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "tests.reliability.worker", "-Q", queue, "-n", f"{name}@%h"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = Worker(process, ready_file, log)
        workers.append(worker)
        if wait:
            worker.wait_ready()
        return worker

    try:
        yield start
    finally:
        for worker in workers:
            worker.kill()  # a warm shutdown takes seconds and proves nothing here


# -- invoices ----------------------------------------------------------------------------------------

STILL_TO_VALIDATE = ("received", "validating")


def invoice_transitions(pk) -> list[str]:
    from core.models import TransitionLog

    return list(
        TransitionLog.objects.filter(object_id=str(pk), content_type__model="invoice")
        .order_by("at", "id")
        .values_list("transition", flat=True)
    )


def validation_finished(pk) -> bool:
    from invoicing.models import Invoice

    return Invoice.objects.get(pk=pk).state not in STILL_TO_VALIDATE


def assert_validated_once(pk) -> None:
    """Validated exactly once: one start, one pass (settlement may have moved it on since,
    e.g. to `exception` when no purchase order matches)."""
    from invoicing.models import Invoice

    transitions = invoice_transitions(pk)
    assert transitions[:2] == ["start_validation", "pass_validation"], (pk, transitions)
    assert transitions.count("start_validation") == 1 and transitions.count("pass_validation") == 1
    assert Invoice.objects.get(pk=pk).state not in (*STILL_TO_VALIDATE, "rejected")
