"""PostgreSQL connections per request vs persistent vs pooled, in one run (bench_connections).

Three gunicorn servers run side by side on the seeded bench database, one per mode; wrk drives
them in turn (the order rotates every run, so the shared machine's noise falls on each alike).
Then one Celery worker per mode validates the same number of received invoices. Ratios are
against per-request connections (DB_CONN_MAX_AGE=0, what every request and task did before).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

from . import driver
from .driver import WORK, _say

MODES = [
    (
        "per request",
        {"DB_POOL": "0", "DB_CONN_MAX_AGE": "0"},
        "DB_CONN_MAX_AGE=0: a new connection each request / task",
    ),
    (
        "persistent",
        {"DB_POOL": "0", "DB_CONN_MAX_AGE": "60"},
        "DB_CONN_MAX_AGE=60 with health checks (the default)",
    ),
    ("pooled", {"DB_POOL": "1"}, "DB_POOL=1: psycopg pool, 2 to 8 connections per process"),
]


def _with_mode(environment: dict):
    """os.environ for the processes the driver starts (they copy it), set to one mode."""
    for name in ("DB_POOL", "DB_CONN_MAX_AGE"):
        os.environ.pop(name, None)
    os.environ.update(environment)


def _interleaved(ports: list[int], path: str, args_for, runs: int, seconds: int) -> list[list[dict]]:
    """A 3 s warm-up on each server, then ``runs`` rounds over the servers, the order rotating."""
    results: list[list[dict]] = [[] for _ in ports]
    for index, port in enumerate(ports):
        driver._wrk(port, path, args_for(index, 0), 3)
    for k in range(1, runs + 1):
        order = list(range(len(ports)))
        order = order[k % len(order) :] + order[: k % len(order)]
        for index in order:
            result = driver._wrk(ports[index], path, args_for(index, k), seconds)
            results[index].append(result)
            _say(
                f"{MODES[index][0]} {path} run {k}: {result['requests'] / (result['duration_us'] / 1e6):.1f} req/s, "
                f"p50 {result['p50_us'] / 1000:.1f} ms, wrong answers {result['bad']}"
            )
    return results


def _rows(label: str, results: list[list[dict]], runs: int, seconds: int, expect: str) -> list[dict]:
    def rate(r):
        return r["requests"] / (r["duration_us"] / 1e6)

    rates = [statistics.median(rate(r) for r in per_mode) for per_mode in results]
    p50s = [statistics.median(r["p50_us"] for r in per_mode) / 1000 for per_mode in results]
    bad = sum(r["bad"] + r["connect_errors"] + r["read_errors"] + r["timeouts"] for m in results for r in m)
    rows = []
    for index, (name, _, _) in enumerate(MODES):
        rows.append(
            {
                "name": f"connections: {label}, {name}, throughput",
                "unit": "req/s",
                "median": rates[index],
                "runs": runs,
                "note": f"p50 {p50s[index]:.0f} ms; {driver.WRK_CONNECTIONS} connections, {runs} × {seconds} s per mode, "
                f"modes interleaved; answers not {expect} or socket errors (all modes): {bad}"
                if index == 0
                else f"p50 {p50s[index]:.0f} ms",
            }
        )
    for index in (1, 2):
        rows.append(
            {
                "name": f"connections: {label}, {MODES[index][0]} ÷ per request",
                "unit": "× throughput",
                "median": rates[index] / rates[0],
                "runs": runs,
                "note": f"p50 {p50s[index] / p50s[0]:.2f} × per request's",
            }
        )
    return rows


def _web(runs: int, seconds: int) -> list[dict]:
    from core.services import api_token_create

    from .invoice import render

    buyer, _, suppliers = driver._users()
    text = driver._invoice_template()
    (WORK / "invoice-template.xml").write_text(text, encoding="utf-8")
    tokens = [
        (api_token_create(user=u, name="bench-connections")[1], u.membership.supplier) for u in suppliers
    ]
    (WORK / "suppliers.tsv").write_text(
        "".join(f"{raw}\t{s.tax_id}\t{s.name}\n" for raw, s in tokens), "utf-8"
    )
    render(text, number="29000000000000000001", seller_id=tokens[0][1].tax_id, seller_name=tokens[0][1].name)
    servers, ports = [], []
    try:
        for _, environment, _ in MODES:
            _with_mode(environment)
            port = driver._free_port()
            servers.append(driver._start_gunicorn(port))
            ports.append(port)
        # Sessions live in the database: one login serves every server.
        (WORK / "cookies-buyer.txt").write_text(driver._login(ports[0], buyer.username) + "\n", "utf-8")
        label, path, _ = driver._pages()[0]
        page = _interleaved(
            ports, path, lambda i, k: ["page", str(WORK / "cookies-buyer.txt")], runs, seconds
        )
        base = int(time.time()) % 10**5 * 1000
        upload = _interleaved(
            ports,
            "/api/invoices/",
            lambda i, k: [
                "upload",
                str(WORK / "invoice-template.xml"),
                str(WORK / "suppliers.tsv"),
                str(base + k * 10 + i),
            ],
            runs,
            seconds,
        )
        driver._purge(driver.PARKED)
    finally:
        for server in servers:
            driver._stop(server)
    return _rows(label, page, runs, seconds, "200") + _rows(
        "invoice upload API", upload, runs, seconds, "201"
    )


def _workers(n: int) -> list[dict]:
    rates = []
    for name, environment, _ in MODES:
        _with_mode(environment)
        result = driver._validation_rate(1, n)
        rates.append(result["rate"])
        _say(f"validation, {name}: {result['rate']:.1f} invoices/s")
    rows = [
        {
            "name": f"connections: validation, 1 worker process, {name}",
            "unit": "invoices/s",
            "median": rates[index],
            "runs": 1,
            "note": f"{n:,} received 数电 XML invoices per mode" if index == 0 else "",
        }
        for index, (name, _, _) in enumerate(MODES)
    ]
    rows += [
        {
            "name": f"connections: validation, {MODES[index][0]} ÷ per request",
            "unit": "× throughput",
            "median": rates[index] / rates[0],
            "runs": 1,
        }
        for index in (1, 2)
    ]
    return rows


def main(out_path: str) -> int:
    import django

    invoices = driver._env_int("BENCH_INVOICES", 100_000)
    pos = driver._env_int("BENCH_POS", 10_000)
    runs = driver._env_int("BENCH_CONNECTIONS_RUNS", 3)
    seconds = driver._env_int("BENCH_CONNECTIONS_SECONDS", 10)
    validation_n = driver._env_int("BENCH_CONNECTIONS_INVOICES", 500)
    WORK.mkdir(parents=True, exist_ok=True)
    driver._ensure_database(os.environ["DATABASE_URL"], recreate=False)
    django.setup()
    from django.conf import settings

    from . import seed

    found, _, _ = driver._prepare(invoices, pos)
    seed.remove_run_leftovers(found)
    rows = []
    try:
        if shutil.which("wrk") is None:
            _say("wrk is not installed: only the worker rows are measured")
        else:
            rows += _web(runs, seconds)
        rows += _workers(validation_n)
    finally:
        seed.remove_run_leftovers(found)
        shutil.rmtree(Path(settings.MEDIA_ROOT) / "invoices", ignore_errors=True)
        driver._purge(driver.PARKED, driver.VALIDATE, driver.FOLLOWUPS)
    notes = [
        "connection rows (bench_connections): "
        + "; ".join(f"{name} = {text}" for name, _, text in MODES)
        + f"; the same gunicorn set-up as the load rows, on the {invoices:,}-invoice seed"
    ]
    Path(out_path).write_text(json.dumps({"rows": rows, "notes": notes}, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
