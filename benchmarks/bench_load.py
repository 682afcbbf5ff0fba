"""Pages and the upload API under wrk against gunicorn on PostgreSQL (100k invoices, 10k POs by default), each beside two floor views measured in the same rounds (req/s ÷ floor (b)), p50 / p95 / p99; validate + match per invoice against its pure parse + validate + match; validation throughput with one and two Celery workers on Redis.

Endpoints: two floors (``benchmarks/load/urls.py``, bench settings only: ``HttpResponse("ok")``
and one indexed query for 25 POs in a two-line template, logged in behind the same middleware),
the buyer's PO list, a supplier's invoice list, finance's invoice list with a text search,
finance's exception desk, a draft statement's page, the reports page, and the
invoice upload API (every request a new 数电 XML file, so real intake, never the idempotent
replay). The work runs in a separate process (``benchmarks/load/driver.py``) with
``config.settings.bench``; see ``benchmarks/load/`` for the seed and the wrk script.

Environment (defaults in brackets):

- ``BENCH_DATABASE_URL`` [postgres://postgres@127.0.0.1:5432/portal_bench]: a database of its
  own; it is dropped and re-seeded when it does not hold the seed the sizes ask for, and re-used
  (after removing what earlier runs added) when it does
- ``BENCH_REDIS_URL`` [redis://127.0.0.1:6379/13]: the broker db; the bench deletes only its own
  queues there
- ``BENCH_INVOICES`` [100000], ``BENCH_POS`` [10000]: the seed
- ``BENCH_LOAD_RUNS`` [3], ``BENCH_LOAD_SECONDS`` [15]: timed wrk runs per endpoint (after a
  3 s warm-up), 8 connections on 2 wrk threads
- ``BENCH_LOAD_ONLY`` [all]: comma-separated parts of the endpoints' labels to run (``exception
  desk,reports,upload``); the floors always run
- ``BENCH_VALIDATION_INVOICES`` [2000]: invoices validated per worker count (0: no Celery rows)
- ``BENCH_WORKER_INVOICES`` [200]: invoices validated and matched in-process for the worker rows
  (per invoice, against the pure parse + validate + match of the same invoices; 0: none)

Every endpoint gets a warm-up run, then ``BENCH_LOAD_RUNS`` rounds in which each runs in turn
(floors first); a page's "÷ floor (b)" row is the median over the rounds of its req/s divided by
floor (b)'s in the same round.

Quick development run:

    BENCH_INVOICES=2000 BENCH_POS=200 BENCH_LOAD_SECONDS=3 BENCH_LOAD_RUNS=1 \\
        BENCH_VALIDATION_INVOICES=100 BENCH_WORKER_INVOICES=50 .venv/bin/python -m benchmarks bench_load
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/portal_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/13"

# Lines for the page header (benchmarks/__main__.py), filled by run(): versions and set-up.
PAGE_NOTES: list[str] = []


def _unreachable(database: str, broker: str) -> str:
    """Why PostgreSQL or Redis cannot be used ("" when both answer)."""
    import psycopg
    import redis

    parts = urlsplit(database)
    try:
        psycopg.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password or None,
            dbname="postgres",
            connect_timeout=5,
        ).close()
    except psycopg.Error as exc:
        return (
            f"PostgreSQL at {parts.hostname}:{parts.port or 5432} does not answer ({str(exc).strip()[:200]})"
        )
    try:
        redis.Redis.from_url(broker, socket_connect_timeout=5).ping()
    except redis.RedisError as exc:
        return f"Redis at {broker} does not answer ({exc})"
    return ""


def run() -> list[dict]:
    return run_driver("benchmarks.load.driver", PAGE_NOTES)


def run_driver(module: str, page_notes: list[str]) -> list[dict]:
    """Run ``python -m <module> <result.json>`` on the bench database and broker; its rows."""
    database = os.environ.get("BENCH_DATABASE_URL", "").strip() or DEFAULT_DATABASE
    broker = os.environ.get("BENCH_REDIS_URL", "").strip() or DEFAULT_REDIS
    reason = _unreachable(database, broker)
    if reason:
        page_notes[:] = [f"load rows ({module}) skipped: {reason}"]
        print(f"  [load] skipped: {reason}", flush=True)
        return []
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.bench",
        "DATABASE_URL": database,
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_DEFAULT_QUEUE": "bench-load-parked",
        "MEDIA_ROOT": str(ROOT / "var" / "bench-media"),
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("CELERY_RESULT_BACKEND", "CELERY_TASK_ALWAYS_EAGER"):
        env.pop(name, None)
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        out = Path(tmp) / "result.json"
        command = [sys.executable, "-m", module, str(out)]
        done = subprocess.run(command, cwd=ROOT, env=env, check=False)  # noqa: S603
        if done.returncode != 0 or not out.exists():
            raise RuntimeError(f"the load benchmark failed (exit {done.returncode}); see the output above")
        result = json.loads(out.read_text(encoding="utf-8"))
    page_notes[:] = result["notes"]
    return result["rows"]
