"""The production process set, started the documented way (`make serve`: migrate, collectstatic,
then honcho runs the Procfile's web, worker and beat) with the production settings against the
machine's PostgreSQL and Redis: readiness turns green (which needs the scheduler's heartbeat, sent
by beat and run by the worker), and a real 数电 invoice uploaded through the API is validated and
matched by the worker.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest

from tests.invoicing.cn_xml_builder import BUYER_ID, SELLER_ID, build_cn_xml

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return 0, b""


def _wait(what: str, check, seconds: float, log) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not within {seconds} s; log:\n{log()[-6000:]}")
        time.sleep(1)


@pytest.fixture
def production_set(tmp_path, settings):
    db = settings.DATABASES["default"]
    admin = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER'] or 'postgres'} dbname=postgres"
    name = f"portal_procset_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR", "USER")},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "procset-" + uuid.uuid4().hex + uuid.uuid4().hex,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "FIELD_ENCRYPTION_KEY": "dGhpcy1pcy1hLTMyLWJ5dGUta2V5LWZvci10ZXN0cyE=",
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/14",
        "CELERY_TASK_DEFAULT_QUEUE": f"procset-{uuid.uuid4().hex[:8]}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "SECURE_SSL_REDIRECT": "false",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "WORKER_CONCURRENCY": "1",
        "BEAT_SCHEDULE_FILE": str(tmp_path / "celerybeat-schedule"),
        "LOG_LEVEL": "INFO",
    }
    log_path = tmp_path / "serve.log"
    process = subprocess.Popen(  # noqa: S603
        ["make", "--no-print-directory", "serve"],  # noqa: S607
        cwd=ROOT,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    state = {
        "url": f"http://127.0.0.1:{port}",
        "env": env,
        "log": lambda: log_path.read_text(errors="replace"),
    }
    try:
        yield state
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_production_process_set_serves_validates_matches_and_schedules(production_set):
    url, log = production_set["url"], production_set["log"]
    _wait("liveness", lambda: _get(f"{url}/health/live/")[0] == 200, 120, log)
    ready = lambda: _get(f"{url}/health/ready/", {"Accept": "application/json"})  # noqa: E731
    _wait(
        "readiness (database, storage, migrations, broker, scheduler beat)",
        lambda: ready()[0] == 200,
        120,
        log,
    )
    assert set(json.loads(ready()[1]).values()) == {"OK"}

    # static files come from whitenoise with hashed names
    assert _get(f"{url}/login/")[0] == 200

    # a supplier user and an API token (as an admin would set them up)
    script = (
        "from procurement.models import LegalEntity; from suppliers.models import Supplier, SupplierMembership; "
        "from core.models import User; from core.services import api_token_create; "
        f"LegalEntity.objects.create(name='买方', tax_id='{BUYER_ID}'); "
        f"s = Supplier.objects.create(name='卖方', tax_id='{SELLER_ID}'); Supplier.objects.filter(pk=s.pk).update(state='approved'); "
        "u = User.objects.create_user('procset', password='x-procset-2026'); "
        "SupplierMembership.objects.create(user=u, supplier=s); "
        "print(api_token_create(user=u, name='procset')[1])"
    )
    shell = subprocess.run(  # noqa: S603
        [str(ROOT / ".venv/bin/python"), "manage.py", "shell", "-c", script],  # noqa: S607
        cwd=ROOT,
        env=production_set["env"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shell.returncode == 0, shell.stderr
    token = shell.stdout.strip().splitlines()[-1]

    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="invoice.xml"\r\n'
            "Content-Type: application/xml\r\n\r\n"
        ).encode()
        + build_cn_xml()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(  # noqa: S310
        f"{url}/api/invoices/",
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.status == 201
        invoice = json.loads(response.read())

    auth = {"Authorization": f"Bearer {token}"}

    def decided():
        status, raw = _get(f"{url}/api/invoices/{invoice['id']}", auth)
        return status == 200 and json.loads(raw)["state"] in {"exception", "matched", "approved"}

    _wait("validation and matching by the worker", decided, 90, log)
    steps = [
        h["transition"]
        for h in json.loads(_get(f"{url}/api/invoices/{invoice['id']}", auth)[1])["history"]
        if not h["transition"].startswith("tax_")  # the authenticity check is its own task: any order
    ]
    assert steps[:2] == ["start_validation", "pass_validation"] and steps[2] in {"raise_exception", "match"}
    # beat sent the heartbeat, a worker ran it
    assert "core.scheduler_heartbeat" in log()
