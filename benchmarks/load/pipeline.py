"""The work of benchmarks/bench_pipeline.py, in its own process (``python -m benchmarks.load.pipeline
OUT.json``) with the bench settings, on the database and broker of bench_load (its seed re-used).

For 1 and then 2 worker processes, each round from the same state (what the round before added is
removed first):

1. **Upload.** gunicorn as in bench_load (2 gthread workers × 4 threads, config.settings.bench)
   receives ``BENCH_PIPELINE_INVOICES`` new 数电 XML files through the real upload API
   (``POST /api/invoices/``, bearer tokens of ``BENCH_PIPELINE_SUPPLIERS`` suppliers' users),
   ``BENCH_PIPELINE_CLIENTS`` at a time from client threads here; each upload is real intake
   (parse, store, insert, outbox row, enqueue after commit). No worker runs yet: the validation
   messages pile up on the broker, the backlog a month-end morning leaves.
2. **Drain.** ``celery -A config beat`` (the production schedule: outbox sweep, requeue sweepers)
   and 1 or 2 ``celery -A config worker -c 1`` processes start, as the Procfile and the systemd
   units start them; they validate every invoice (which enqueues its match and its authenticity
   check) and match it. The clock runs from starting the workers until no invoice of the batch
   is received, validating or validated any more; the rate is also taken from the moment every
   worker answers a ping (start-up excluded).

Every figure is written beside the load average of the machine (1 minute, from /proc/loadavg)
before and after the phase, since the two cores are shared with other jobs.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import socket
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from .driver import (
    WORK,
    _ensure_database,
    _env_int,
    _free_port,
    _invoice_template,
    _prepare,
    _purge,
    _redis,
    _say,
    _start,
    _start_gunicorn,
    _stop,
)

QUEUE = "bench-pipeline"  # the default queue of gunicorn, beat and the workers in this bench
PENDING = ("received", "validating", "validated")  # not yet through validation and matching


def _load() -> str:
    """The machine's 1-minute load average and its runnable / all tasks (from /proc/loadavg)."""
    try:
        fields = Path("/proc/loadavg").read_text().split()
    except OSError:
        return "load ?"
    return f"load {fields[0]} ({fields[3]} running)"


def _machine_ticks() -> tuple[int, int]:
    """(busy, all) CPU ticks of the whole machine since boot (/proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of the live processes of one process group (a worker and its
    prefork child)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid:  # fields after the name: state, ppid, pgrp, …, utime (11), stime (12)
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _waits() -> Counter:
    """What this database's other active backends wait on right now (pg_stat_activity)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN wait_event_type = 'Lock' THEN 'Lock:' || wait_event ELSE coalesce(wait_event_type, 'CPU') END, count(*) FROM pg_stat_activity WHERE datname = "
            "current_database() AND state = 'active' AND pid <> pg_backend_pid() GROUP BY 1"
        )
        return Counter(dict(cursor.fetchall()))


def _suppliers(count: int) -> list[tuple[str, str, str]]:
    """(bearer token, tax id, name) of ``count`` supplier users of the seed."""
    from core.models import User
    from core.services import api_token_create

    users = list(
        User.objects.filter(username__startswith="bench-s")
        .select_related("membership__supplier")
        .order_by("username")[:count]
    )
    out = []
    for user in users:
        _, raw = api_token_create(user=user, name="bench-pipeline")
        supplier = user.membership.supplier
        out.append((raw, supplier.tax_id, supplier.name))
    return out


def _multipart(data: bytes, filename: str, boundary: str) -> bytes:
    return (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/xml\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )


def _upload_all(port: int, n: int, clients: int, suppliers: list, number_base: int) -> dict:
    """POST n new files to the upload API from ``clients`` threads (keep-alive connections)."""
    from .invoice import render

    text = _invoice_template()
    counter = iter(range(n))
    lock = threading.Lock()
    answers: Counter = Counter()
    latencies: list[float] = []
    first_bad: list[str] = []

    def client(tid: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        boundary = f"----benchpipeline{tid}"
        while True:
            with lock:
                k = next(counter, None)
            if k is None:
                break
            token, tax_id, name = suppliers[k % len(suppliers)]
            number = f"29{number_base + k:018d}"
            body = _multipart(
                render(text, number=number, seller_id=tax_id, seller_name=name), f"{number}.xml", boundary
            )
            headers = {
                "Authorization": f"Bearer {token}",
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            }
            started = time.perf_counter()
            try:
                conn.request("POST", "/api/invoices/", body=body, headers=headers)
                response = conn.getresponse()
                content = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                status, content = 0, str(exc).encode()
            seconds = time.perf_counter() - started
            with lock:
                answers[status] += 1
                latencies.append(seconds)
                if status != 201 and not first_bad:
                    first_bad.append(f"{status} {content[:200]!r}")
        conn.close()

    threads = [threading.Thread(target=client, args=(t,)) for t in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "elapsed": elapsed,
        "answers": dict(answers),
        "p50": statistics.median(latencies),
        "p95": latencies[int(len(latencies) * 0.95) - 1],
        "first_bad": first_bad[0] if first_bad else "",
    }


def _celery_env() -> dict:
    return dict(os.environ)


def _start_beat() -> object:
    schedule = WORK / "pipeline-celerybeat-schedule"
    schedule.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "beat",
        "-l",
        "warning",
        "--schedule",
        str(schedule),
    ]
    return _start(command, WORK / "pipeline-beat.log", _celery_env())


def _start_worker(index: int) -> tuple[object, str]:
    """``celery -A config worker -c 1`` as the Procfile starts one (WORKER_CONCURRENCY=1)."""
    name = f"bench-pipeline-{index}@{socket.gethostname()}"
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "-l",
        "warning",
        "-c",
        "1",
        "-n",
        name,
    ]
    return _start(command, WORK / f"pipeline-worker-{index}.log", _celery_env()), name


def _drain(workers: int, batch_ids: list[int], n: int) -> dict:
    """Start beat and the workers; wait until the batch is through validation and matching."""
    from config.celery import app
    from invoicing.models import Invoice

    batch = Invoice.objects.filter(pk__in=batch_ids)
    load_before = _load()
    ticks_before = _machine_ticks()
    procs = [_start_beat()]
    started = time.perf_counter()
    waits: Counter = Counter()  # pg_stat_activity samples: active backends by wait type
    cpu: dict[int, float] = {}
    samples = []  # (seconds since start, invoices done)
    ready_at = ready_done = None
    try:
        names = []
        for index in range(workers):
            proc, name = _start_worker(index)
            procs.append(proc)
            names.append(name)
        deadline = time.monotonic() + max(1800, n)
        last_say = 0.0
        while True:
            for proc in procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"a celery process exited; see {WORK}/pipeline-*.log")
            if ready_at is None and len(app.control.ping(destination=names, timeout=0.5)) == len(names):
                ready_at = time.perf_counter() - started
                ready_done = n - batch.filter(state__in=PENDING).count()
            pending = batch.filter(state__in=PENDING).count()
            waits["samples"] += 1
            waits.update(_waits())
            for proc in procs[1:]:
                cpu[proc.pid] = max(cpu.get(proc.pid, 0.0), _group_cpu_seconds(proc.pid))
            now = time.perf_counter() - started
            samples.append((now, n - pending))
            if now - last_say > 30:
                _say(f"  {workers} worker(s): {n - pending:,} of {n:,} through after {now:.0f} s ({_load()})")
                last_say = now
            if not pending:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("the backlog did not drain in time")
            time.sleep(0.25)
        elapsed = time.perf_counter() - started
        load_after = _load()
        ticks_after = _machine_ticks()
    finally:
        for proc in procs:
            _stop(proc)
    states = Counter(batch.values_list("state", flat=True))
    return {
        "elapsed": elapsed,
        "ready_at": ready_at if ready_at is not None else elapsed,
        "ready_done": ready_done or 0,
        "states": states,
        "load": f"{load_before} before, {load_after} after",
        "samples": samples,
        "waits": waits,
        "worker_cpu": sum(cpu.values()),
        "machine_busy": (ticks_after[0] - ticks_before[0]) / max(1, ticks_after[1] - ticks_before[1]),
    }


def _tasks_of(batch_ids: list[int]) -> dict:
    """Outbox rows of the batch's tasks by name: (rows, rows sent more than once)."""
    from django.db.models import Count, Q

    from core.models import OutboxTask

    rows = (
        OutboxTask.objects.filter(args__0__in=batch_ids)
        .values("name")
        .annotate(n=Count("pk"), again=Count("pk", filter=Q(attempts__gt=1)))
    )
    return {row["name"]: (row["n"], row["again"]) for row in rows}


SEED_PARKED = "rejected"


@contextlib.contextmanager
def _seed_out_of_sweepers_reach(found: dict):
    """The seed has invoices that stay received / validating / validated for good (rows without
    files: 3 % of it, a year old), which beat's requeue sweepers would enqueue at every run (1,000
    of each a time) ahead of the batch's matches. They are set aside (rejected) for the rounds and
    put back afterwards, so the workers see only the batch. Beat's daily jobs may run during a
    long round too (the qualification check at 06:00 in CELERY_TIMEZONE suspends the seed's
    suppliers, whose documents it never seeded): the suppliers' states are put back as well."""
    from invoicing.models import Invoice
    from suppliers.models import Supplier

    supplier_states = dict(Supplier.objects.values_list("pk", "state"))

    seeded = Invoice.objects.filter(pk__lte=found["max_invoice_id"])
    parked = {state: list(seeded.filter(state=state).values_list("pk", flat=True)) for state in PENDING}
    for ids in parked.values():
        Invoice.objects.filter(pk__in=ids).update(state=SEED_PARKED)
    _say(f"set aside {sum(map(len, parked.values())):,} seeded invoices the sweepers would pick up")
    try:
        yield
    finally:
        for state, ids in parked.items():
            Invoice.objects.filter(pk__in=ids).update(state=state)
        for state in set(supplier_states.values()):
            ids = [pk for pk, s in supplier_states.items() if s == state]
            Supplier.objects.filter(pk__in=ids).exclude(state=state).update(state=state)


def _round(workers: int, port: int, n: int, clients: int, n_suppliers: int, found: dict) -> dict:
    from django.conf import settings

    from invoicing.models import Invoice

    from . import seed

    removed = seed.remove_run_leftovers(found)
    shutil.rmtree(Path(settings.MEDIA_ROOT) / "invoices", ignore_errors=True)
    if removed:
        _say(f"removed {removed:,} invoices an earlier round or run added")
    _purge(QUEUE)
    suppliers = _suppliers(n_suppliers)  # after the clean-up, which removes every API token
    before = Invoice.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    _say(
        f"{workers} worker(s): uploading {n:,} 数电 XML files through the API, {clients} clients ({_load()})"
    )
    load_before = _load()
    upload = _upload_all(port, n, clients, suppliers, (int(time.time()) % 10**6) * 10**8 + workers * 10**7)
    upload["load"] = f"{load_before} before, {_load()} after"
    batch_ids = list(Invoice.objects.filter(pk__gt=before).values_list("pk", flat=True))
    upload["created"] = len(batch_ids)
    upload["received"] = Invoice.objects.filter(pk__in=batch_ids, state="received").count()
    upload["queued"] = _redis().llen(QUEUE)
    _say(
        f"{workers} worker(s): {n / upload['elapsed']:.1f} uploads/s ({upload['elapsed']:.1f} s), answers "
        f"{upload['answers']}, {upload['created']:,} invoices, {upload['queued']:,} messages queued; {upload['load']}"
    )
    if upload["first_bad"]:
        _say(f"first answer not 201: {upload['first_bad']}")
    if not batch_ids:
        raise RuntimeError(f"no upload was accepted: {upload['first_bad']}")
    drain = _drain(workers, batch_ids, len(batch_ids))
    drain["tasks"] = _tasks_of(batch_ids)
    drain["left"] = _redis().llen(QUEUE)
    _purge(QUEUE)
    rate = len(batch_ids) / drain["elapsed"]
    _say(
        f"{workers} worker(s): drained in {drain['elapsed']:.1f} s ({rate:.1f} invoices/s), states "
        f"{dict(drain['states'])}, tasks {drain['tasks']}; {drain['load']}"
    )
    return {"workers": workers, "upload": upload, "drain": drain, "n": len(batch_ids)}


def _setup_note() -> str:
    from importlib.metadata import version

    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0].split()[0]
    db = settings.DATABASES["default"]
    return (
        f"pipeline rows (bench_pipeline) run against PostgreSQL {pg}, gunicorn {version('gunicorn')} (2 gthread "
        f"workers × 4 threads, config.settings.bench), Celery {version('celery')} on Redis "
        f"{_redis().info('server').get('redis_version', '?')} (CONN_MAX_AGE {db['CONN_MAX_AGE']}, "
        f"CELERY_DB_REUSE_MAX {settings.CELERY_DB_REUSE_MAX}, prefetch multiplier "
        f"{settings.CELERY_WORKER_PREFETCH_MULTIPLIER}, acks late); the upload clients, gunicorn, PostgreSQL, "
        f"Redis, beat and the workers share this machine's {os.cpu_count()} cores with other jobs"
    )


def _rows(rounds: list[dict], clients: int, n_suppliers: int) -> list[dict]:
    rows = []
    rates = {}
    for r in rounds:
        workers, upload, drain, n = r["workers"], r["upload"], r["drain"], r["n"]
        label = f"{workers} worker process{'es' if workers > 1 else ''}"
        states = ", ".join(f"{c:,} {s}" for s, c in sorted(drain["states"].items()))
        tasks = "; ".join(
            f"{name.split('.')[-1]} {count:,} ({again:,} sent again)"
            for name, (count, again) in sorted(drain["tasks"].items())
        )
        window = drain["elapsed"] - drain["ready_at"]
        waits = drain["waits"]
        samples = waits.pop("samples", 0) or 1
        waiting = ", ".join(f"{kind} {count / samples:.2f}" for kind, count in sorted(waits.items()))
        steady = (n - drain["ready_done"]) / window if window > 0 else 0.0
        rates[workers] = steady
        rows += [
            {
                "name": f"pipeline ({label} round): upload API, {n:,} new 数电 XML files",
                "unit": "uploads/s",
                "median": r["n"] / upload["elapsed"],
                "runs": 1,
                "note": f"{upload['elapsed']:.1f} s; {clients} client threads on keep-alive connections, "
                f"{n_suppliers} suppliers' tokens; p50 {upload['p50'] * 1000:.0f} ms, p95 {upload['p95'] * 1000:.0f} ms; "
                f"answers {upload['answers']}; {upload['created']:,} invoices received, {upload['queued']:,} "
                f"messages on the broker; {upload['load']}",
            },
            {
                "name": f"pipeline ({label}): backlog drain time, {n:,} invoices to validated and matched",
                "unit": "s",
                "median": drain["elapsed"],
                "runs": 1,
                "note": f"from starting `celery -A config worker -c 1` ×{workers} (and beat) until none of the batch "
                f"is received/validating/validated; workers answered after {drain['ready_at']:.1f} s; end states: "
                f"{states}; outbox tasks: {tasks}; {drain['left']:,} messages left on the broker; {drain['load']}; "
                f"machine CPU busy {drain['machine_busy']:.0%} of its {os.cpu_count()} cores over the drain; worker "
                f"processes' CPU {drain['worker_cpu']:.1f} s ({drain['worker_cpu'] / n * 1000:.0f} ms per invoice); "
                f"the bench database's active backends, mean per sample by what they wait on: {waiting or 'none'}",
            },
            {
                "name": f"pipeline ({label}): validated + matched rate, workers up",
                "unit": "invoices/s",
                "median": steady,
                "runs": 1,
                "note": f"{n - drain['ready_done']:,} invoices in the {window:.1f} s after every worker answered "
                f"(start-up excluded); {n / drain['elapsed']:.1f}/s with start-up; {drain['load']}",
            },
            {
                "name": f"pipeline ({label}): end to end, upload then drain",
                "unit": "invoices/s",
                "median": n / (upload["elapsed"] + drain["elapsed"]),
                "runs": 1,
                "note": f"{upload['elapsed'] + drain['elapsed']:.1f} s from the first upload to the last "
                "invoice matched (the upload phase ran before the workers started)",
            },
        ]
    if 1 in rates and 2 in rates and rates[1]:
        rows.append(
            {
                "name": "pipeline: 2 worker processes ÷ 1, validated + matched rate",
                "unit": "×",
                "median": rates[2] / rates[1],
                "runs": 1,
                "note": "the issue asks for ≥ 1.8 (the second process adding ≥ 80 %); the rounds ran one "
                "after the other on a shared 2-core machine (see each round's load)",
            }
        )
    return rows


def main(out_path: str) -> int:
    import django

    n = _env_int("BENCH_PIPELINE_INVOICES", 10_000)
    clients = _env_int("BENCH_PIPELINE_CLIENTS", 8)
    n_suppliers = _env_int("BENCH_PIPELINE_SUPPLIERS", 8)
    counts = [int(x) for x in (os.environ.get("BENCH_PIPELINE_WORKERS", "") or "1,2").split(",")]
    invoices = _env_int("BENCH_INVOICES", 100_000)
    pos = _env_int("BENCH_POS", 10_000)
    os.environ["CELERY_TASK_DEFAULT_QUEUE"] = QUEUE  # gunicorn's uploads, beat and the workers alike
    WORK.mkdir(parents=True, exist_ok=True)
    _ensure_database(os.environ["DATABASE_URL"], recreate=False)
    django.setup()
    from django.conf import settings

    from . import seed

    started = time.perf_counter()
    found, _, _ = _prepare(invoices, pos)
    notes = [_setup_note()]
    port = _free_port()
    gunicorn = _start_gunicorn(port)
    rounds = []
    try:
        with _seed_out_of_sweepers_reach(found):
            for workers in counts:
                rounds.append(_round(workers, port, n, clients, n_suppliers, found))
    finally:
        _stop(gunicorn)
        removed = seed.remove_run_leftovers(found)
        shutil.rmtree(Path(settings.MEDIA_ROOT) / "invoices", ignore_errors=True)
        _purge(QUEUE)
        _say(f"cleaned up: {removed:,} invoices removed ({time.perf_counter() - started:.0f} s in all)")
    rows = _rows(rounds, clients, n_suppliers)
    Path(out_path).write_text(json.dumps({"rows": rows, "notes": notes}, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
