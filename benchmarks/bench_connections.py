"""PostgreSQL connections: per request (DB_CONN_MAX_AGE=0) vs persistent vs pooled (DB_POOL=1), side by side in one run, for pages, uploads and a Celery worker.

Same database, broker and seed as bench_load (see its environment variables); here
``BENCH_CONNECTIONS_RUNS`` [3] and ``BENCH_CONNECTIONS_SECONDS`` [10] per mode, interleaved, and
``BENCH_CONNECTIONS_INVOICES`` [500] validated per mode. The work runs in
``benchmarks/load/connections.py``.
"""

from __future__ import annotations

from .bench_load import run_driver

PAGE_NOTES: list[str] = []


def run() -> list[dict]:
    return run_driver("benchmarks.load.connections", PAGE_NOTES)
