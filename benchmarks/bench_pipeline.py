"""The full pipeline on PostgreSQL and Redis: N new 数电 XML files through the upload API (gunicorn), then real `celery -A config worker` processes (1, then 2) and beat validate and match them; upload rate, backlog drain time, validated + matched rate and the ratio of 2 workers to 1, each beside the machine's load.

Runs ``benchmarks/load/pipeline.py`` in its own process with ``config.settings.bench``, on the
database and broker of bench_load (``BENCH_DATABASE_URL``, ``BENCH_REDIS_URL``; the seed of
``BENCH_INVOICES`` / ``BENCH_POS`` is re-used or made as there). Environment (defaults in brackets):

- ``BENCH_PIPELINE_INVOICES`` [10000]: files uploaded, validated and matched per round
- ``BENCH_PIPELINE_WORKERS`` [1,2]: the worker process counts, one round each, in this order
- ``BENCH_PIPELINE_CLIENTS`` [8]: concurrent upload clients
- ``BENCH_PIPELINE_SUPPLIERS`` [8]: suppliers (their users' API tokens) the files come from

Quick development run:

    BENCH_INVOICES=2000 BENCH_POS=200 BENCH_PIPELINE_INVOICES=200 .venv/bin/python -m benchmarks bench_pipeline
"""

from __future__ import annotations

from .bench_load import run_driver

# Lines for the page header (benchmarks/__main__.py), filled by run(): versions and set-up.
PAGE_NOTES: list[str] = []


def run() -> list[dict]:
    return run_driver("benchmarks.load.pipeline", PAGE_NOTES)
