"""The work of benchmarks/bench_load.py, run in its own process (``python -m benchmarks.load.driver
OUT.json``) with the bench settings, so that it never shares Django settings with the other benches.

1. Make sure the PostgreSQL database exists and holds the seed (``seed.py``); re-use it when the
   marker says it does, otherwise drop, recreate, migrate and seed it.
2. Count the queries of each page once, in-process (Django's test client; not timed load).
3. Start gunicorn on a free port, log the users in through the login form, drive each endpoint
   with wrk (``wrk.lua``): a warm-up run, then ``BENCH_LOAD_RUNS`` runs of ``BENCH_LOAD_SECONDS``.
4. Validation throughput: N received invoices (files stored, rows bulk-inserted: the state an
   upload leaves), then 1 and then 2 real ``celery worker -c 1`` processes; the clock runs from
   the first enqueue until no invoice of the batch is received/validating any more.
5. Remove what the run added, stop every process it started, purge its Redis queues.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from urllib.request import HTTPCookieProcessor, Request, build_opener

ROOT = Path(__file__).resolve().parents[2]
LUA = Path(__file__).with_name("wrk.lua")
WORK = ROOT / "var" / "bench-load"  # cookies, tokens, the invoice template, process logs
PARKED = "bench-load-parked"  # where uploads' validation messages go (nobody consumes it)
VALIDATE = "bench-load-validate"  # what the bench's Celery workers consume
FOLLOWUPS = "bench-load-followups"  # what those workers enqueue (matching): parked, then purged
WORKERS_HTTP = 2
THREADS_HTTP = 4
WRK_THREADS = 2
WRK_CONNECTIONS = 8
SUPPLIER_SESSIONS = 8  # supplier users whose sessions / tokens the load rotates over


def _say(text: str) -> None:
    print(f"  [load] {text}", flush=True)


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, "") or default)


# ------------------------------------------------------------------------------------ database


def _server_dsn(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    user = parts.username or "postgres"
    password = f" password={parts.password}" if parts.password else ""
    return f"host={parts.hostname or '127.0.0.1'} port={parts.port or 5432} user={user}{password} dbname={dbname}"


def _ensure_database(url: str, *, recreate: bool) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise SystemExit(f"bench database name {name!r} is not a plain identifier")
    with psycopg.connect(_server_dsn(url, "postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and recreate:
            _say(f"dropping database {name}")
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            _say(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def _prepare(invoices: int, pos: int) -> tuple[dict, bool, float]:
    """The seeded database: (marker, re-used?, migrate seconds)."""
    from django.core.management import call_command
    from django.db import connection

    from . import seed

    found = seed.marker()
    if seed.marker_matches(found, invoices=invoices, pos=pos):
        _say(
            f"re-using the seeded database ({invoices:,} invoices, {pos:,} POs; seeded in {found['seconds']} s)"
        )
        started = time.perf_counter()
        call_command("migrate", verbosity=0)  # the code may have new migrations (indexes) since the seed
        migrate_seconds = time.perf_counter() - started
        _say(f"migrations brought up to date in {migrate_seconds:.1f} s")
        return found, True, migrate_seconds
    _say(f"seeding {invoices:,} invoices and {pos:,} purchase orders (no matching seed found)")
    connection.close()
    _ensure_database(os.environ["DATABASE_URL"], recreate=True)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_seconds = time.perf_counter() - started
    _say(f"migrated in {migrate_seconds:.1f} s")
    return seed.seed(invoices=invoices, pos=pos), False, migrate_seconds


# -------------------------------------------------------------------------------------- redis


def _redis():
    import redis

    return redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])


def _purge(*queues: str) -> dict[str, int]:
    """Delete the bench's queues (and kombu's bookkeeping keys) from its Redis db; returns lengths."""
    client = _redis()
    lengths = {}
    for queue in queues:
        lengths[queue] = client.llen(queue)
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    client.delete("unacked", "unacked_index", "unacked_mutex")
    return lengths


# ------------------------------------------------------------------------------------ processes


def _start(command: list[str], log: Path, env: dict) -> subprocess.Popen:
    handle = log.open("ab")
    return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )


def _stop(proc: subprocess.Popen, seconds: float = 20) -> None:
    """Stop a process we started and its children (its own process group), by its id."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=seconds)
    with contextlib.suppress(ProcessLookupError):  # the group may outlive its leader (a prefork child)
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str, cookie: str = "") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _start_gunicorn(port: int) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS_HTTP),
        "--worker-class",
        "gthread",
        "--threads",
        str(THREADS_HTTP),
        "--timeout",
        "120",
        "--log-level",
        "warning",
    ]
    proc = _start(command, WORK / "gunicorn.log", dict(os.environ))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}; see {WORK / 'gunicorn.log'}")
        try:
            if _get(port, "/login/")[0] == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.3)
    _stop(proc)
    raise RuntimeError("gunicorn did not answer within 60 s")


def _mfa_device(username: str):
    """The bench's confirmed authenticator of a user who must use one (core.mfa), made once; None
    for a user who needs none (suppliers)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from core.mfa import mfa_required
    from core.models import User

    user = User.objects.get(username=username)
    if not mfa_required(user):
        return None
    device = TOTPDevice.objects.filter(user=user, name="bench", confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="bench", confirmed=True)


def _login(port: int, username: str) -> str:
    """Log in through the login form (CSRF and all); returns the Cookie header value."""
    from .seed import PASSWORD

    base = f"http://127.0.0.1:{port}"
    jar = CookieJar()
    opener = build_opener(HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login/", timeout=60).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    data = urlencode({"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD}).encode()
    login = Request(f"{base}/login/", data=data, headers={"Referer": f"{base}/login/"})  # noqa: S310 - http://127.0.0.1
    answer = opener.open(login, timeout=60)
    device = _mfa_device(username)
    if device is not None:  # buyers and finance prove a second factor (core.mfa), as in production
        from django_otp.oath import totp

        page = answer.read().decode()
        form = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if "/mfa/" not in answer.geturl() or form is None:
            raise RuntimeError(
                f"logging in as {username} did not ask for the second factor ({answer.geturl()})"
            )
        code = (
            f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"
        )
        data = urlencode({"csrfmiddlewaretoken": form[1], "code": code}).encode()
        verify = Request(answer.geturl(), data=data, headers={"Referer": answer.geturl()})  # noqa: S310 - http://127.0.0.1
        if "/mfa/" in opener.open(verify, timeout=60).geturl():
            raise RuntimeError(f"the second factor of {username} was refused")
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise RuntimeError(f"logging in as {username} through the form gave no session")
    return f"sessionid={cookies['sessionid']}"


# ------------------------------------------------------------------------------------------ wrk


def _wrk(port: int, path: str, args: list[str], seconds: int) -> dict:
    command = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{WRK_CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "60s",
        "-s",
        str(LUA),
        f"http://127.0.0.1:{port}{path}",
        "--",
        *args,
    ]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 180, check=False)  # noqa: S603
    match = re.search(r"^WRKJSON (.*)$", out.stdout, re.M)
    if not match:
        raise RuntimeError(f"wrk gave no result: {out.stdout[-2000:]} {out.stderr[-2000:]}")
    result = json.loads(match[1])
    result["bad_samples"] = re.findall(r"^WRKBAD (.*)$", out.stdout, re.M)
    return result


WARM_UP_SECONDS = 3
_COUNTED = ("requests", "ok", "replay", "bad", "connect_errors", "read_errors", "write_errors", "timeouts")


def _rate(result: dict) -> float:
    return result["requests"] / (result["duration_us"] / 1e6)


def _interleaved(port: int, endpoints: list[tuple], runs: int, seconds: int) -> dict[str, dict]:
    """Every endpoint ``(label, path, args_for_run)`` gets a warm-up run, then ``runs`` rounds: in
    each round every endpoint in turn, the floors first, so that what the shared machine does
    during a round falls on the floors and the pages alike. Per label: timed results (one per
    round), totals over every run (warm-up included) and the first wrong answers."""
    out = {label: {"results": [], "totals": Counter(), "samples": []} for label, _, _ in endpoints}
    for k in range(runs + 1):
        for label, path, args_for_run in endpoints:
            result = _wrk(port, path, args_for_run(k), WARM_UP_SECONDS if k == 0 else seconds)
            entry = out[label]
            for key in _COUNTED:
                entry["totals"][key] += result[key]
            entry["samples"] += result["bad_samples"]
            if k:
                entry["results"].append(result)
            _say(
                f"{label}{' (warm-up)' if k == 0 else f' round {k}'}: {result['requests']} requests, "
                f"p50 {result['p50_us'] / 1000:.1f} ms, p99 {result['p99_us'] / 1000:.1f} ms, "
                f"{_rate(result):.1f} req/s, wrong answers {result['bad']}"
            )
    return out


def _load_rows(label: str, entry: dict, floor: list[dict] | None, runs: int, seconds: int) -> list[dict]:
    """p50 / p95 / p99 / throughput of one endpoint and, for a page, its throughput divided by
    floor (b)'s in the same round (the median of the rounds' ratios)."""
    results, totals, samples = entry["results"], entry["totals"], entry["samples"]
    timed = sum(r["requests"] for r in results)
    errors = totals["connect_errors"] + totals["read_errors"] + totals["write_errors"] + totals["timeouts"]
    note = (
        f"{WRK_CONNECTIONS} connections, {WRK_THREADS} wrk threads, {runs} rounds × {seconds} s after a "
        f"{WARM_UP_SECONDS} s warm-up, interleaved with the floors; {timed:,} timed requests; answers not "
        f"{'201' if label.endswith('API') else '200'}: {totals['bad']}"
        f"{f' (first: {samples[0][:120]})' if samples else ''}; socket errors/timeouts: {errors}"
    )
    rows = []
    if floor is not None:
        ratios = [_rate(r) / _rate(f) for r, f in zip(results, floor, strict=True)]
        rows.append(
            {
                "name": f"load: {label} ÷ floor (b)",
                "unit": "× floor (b) req/s",
                "median": statistics.median(ratios),
                "runs": runs,
                "note": "per round: " + ", ".join(f"{x:.2f}" for x in ratios),
            }
        )
    for pct in ("p50", "p95", "p99"):
        rows.append(
            {
                "name": f"load: {label}, {pct}",
                "unit": "ms",
                "median": statistics.median(r[f"{pct}_us"] for r in results) / 1000,
                "runs": runs,
                "note": note if pct == "p50" else "",
            }
        )
    rows.append(
        {
            "name": f"load: {label}, throughput",
            "unit": "req/s",
            "median": statistics.median(_rate(r) for r in results),
            "runs": runs,
            "note": "",
        }
    )
    return rows


# ----------------------------------------------------------------------------------- the pages


def _users():
    from core.models import User

    buyer = User.objects.get(username="bench-buyer")
    finance = User.objects.get(username="bench-finance")
    suppliers = list(
        User.objects.filter(username__startswith="bench-s")
        .select_related("membership__supplier")
        .order_by("username")[:SUPPLIER_SESSIONS]
    )
    return buyer, finance, suppliers


SEARCH = "0000042"  # the internal invoice list's text search: part of ~1 in 1,000 invoice numbers
FLOOR_B = "floor (b): 25 POs, one indexed query, two-line template"


def _floors() -> list[tuple[str, str, str]]:
    """(label, path, who) of the floor views (benchmarks/load/urls.py, bench settings only)."""
    return [
        ('floor (a): HttpResponse("ok")', "/bench-floor/ok/", "buyer"),
        (FLOOR_B, "/bench-floor/pos/", "buyer"),
    ]


def _pages(statement_id: int | None = None) -> list[tuple[str, str, str]]:
    """(label, path, who) of the pages under load (the statement page once one is made)."""
    from django.urls import reverse

    pages = [
        ("buyer PO list", reverse("po-list"), "buyer"),
        ("supplier invoice list", reverse("invoice-list"), "supplier"),
        (
            f"finance invoice list, text search ?q={SEARCH}",
            f"{reverse('invoice-list')}?q={SEARCH}",
            "finance",
        ),
        ("finance exception desk", reverse("match-desk"), "finance"),
    ]
    if statement_id is not None:
        pages.append(("finance statement page", reverse("statement-detail", args=[statement_id]), "finance"))
    pages.append(("reports page", reverse("reports"), "finance"))
    return pages


STATEMENT_LINES = 50


def _only(endpoints: list[tuple]) -> list[tuple]:
    """The endpoints ``BENCH_LOAD_ONLY`` names (comma-separated parts of their labels, any case;
    unset: all of them). The floors always run."""
    wanted = [
        part.strip().lower() for part in os.environ.get("BENCH_LOAD_ONLY", "").split(",") if part.strip()
    ]
    if not wanted:
        return endpoints
    return [e for e in endpoints if any(part in e[0].lower() for part in wanted)]


def _statement(finance) -> tuple[int, str]:
    """A draft invoice-first statement gathered by the service (seed.remove_run_leftovers removes
    it): the supplier with the most approved invoices, over the period of its newest
    ``STATEMENT_LINES`` approved ones. (id, what it holds)."""
    from django.db.models import Count

    from invoicing.models import Invoice
    from procurement.models import LegalEntity
    from settlement.services.statements import statement_create
    from suppliers.models import Supplier

    approved = Invoice.objects.filter(state="approved", currency="CNY", issue_date__isnull=False)
    supplier_id = (
        approved.values("supplier_id").annotate(n=Count("pk")).order_by("-n", "supplier_id")[0]["supplier_id"]
    )
    days = list(
        approved.filter(supplier_id=supplier_id)
        .order_by("-issue_date")
        .values_list("issue_date", flat=True)[:STATEMENT_LINES]
    )
    statement = statement_create(
        kind="invoice_first",
        supplier=Supplier.objects.get(pk=supplier_id),
        legal_entity=LegalEntity.objects.get(),
        period_from=days[-1],
        period_to=days[0],
        actor=finance,
    )
    return statement.pk, f"a draft statement of {statement.lines.count()} invoices"


def _query_counts(pages, buyer, finance, suppliers, upload_file: bytes, token: str) -> list[dict]:
    """Queries, size and single-request time of each page, in-process (no concurrency)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    who = {"buyer": buyer, "finance": finance, "supplier": suppliers[0]}
    rows = []
    for label, path, role in pages:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(who[role], backend="django.contrib.auth.backends.ModelBackend")
        device = _mfa_device(who[role].username)
        if device is not None:  # the session has proved the second factor (django_otp.login)
            session = client.session
            session["otp_device_id"] = device.persistent_id
            session.save()
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(path)
            seconds = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"{path} as {role} answered {response.status_code}")
        rows.append(
            {
                "name": f"page: {label}, SQL queries per request",
                "unit": "queries",
                "median": len(queries),
                "runs": 1,
                "note": f"{len(response.content) / 1024:,.0f} KiB of HTML; one request alone, in-process: "
                f"{seconds * 1000:,.0f} ms",
            }
        )
    client = Client(HTTP_HOST="127.0.0.1")
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.post(
            "/api/invoices/",
            {"file": SimpleUploadedFile("q.xml", upload_file, content_type="application/xml")},
            headers={"Authorization": f"Bearer {token}"},
        )
        seconds = time.perf_counter() - started
    if response.status_code != 201:
        raise RuntimeError(f"upload API answered {response.status_code}: {response.content[:300]!r}")
    rows.append(
        {
            "name": "page: invoice upload API, SQL queries per request",
            "unit": "queries",
            "median": len(queries),
            "runs": 1,
            "note": f"one request alone, in-process: {seconds * 1000:,.0f} ms",
        }
    )
    return rows


def _invoice_template() -> str:
    from procurement.models import LegalEntity

    from .invoice import template

    entity = LegalEntity.objects.get()
    return template(buyer_id=entity.tax_id, buyer_name=entity.name, day=date.today())


def _load(runs: int, seconds: int) -> tuple[list[dict], list[str]]:
    from core.services import api_token_create
    from invoicing.models import Invoice

    from .invoice import render

    rows, notes = [], []
    buyer, finance, suppliers = _users()
    text = _invoice_template()
    (WORK / "invoice-template.xml").write_text(text, encoding="utf-8")
    tokens = []
    for user in suppliers:
        _, raw = api_token_create(user=user, name="bench-load")
        tokens.append((raw, user.membership.supplier))
    (WORK / "suppliers.tsv").write_text(
        "".join(f"{raw}\t{s.tax_id}\t{s.name}\n" for raw, s in tokens), encoding="utf-8"
    )
    probe = render(
        text, number="29000000000000000001", seller_id=tokens[0][1].tax_id, seller_name=tokens[0][1].name
    )
    statement_id, statement_note = _statement(finance)
    pages = _only(_pages(statement_id))
    rows += _query_counts(_floors() + pages, buyer, finance, suppliers, probe, tokens[0][0])
    notes.append(f"the statement page shows {statement_note}")

    if shutil.which("wrk") is None:
        notes.append("wrk is not installed: the load rows were skipped (apt-get install wrk)")
        _say(notes[-1])
        return rows, notes

    port = _free_port()
    _say(f"starting gunicorn on 127.0.0.1:{port} ({WORKERS_HTTP} gthread workers × {THREADS_HTTP} threads)")
    gunicorn = _start_gunicorn(port)
    try:
        cookies = {
            "buyer": [_login(port, buyer.username)],
            "finance": [_login(port, finance.username)],
            "supplier": [_login(port, u.username) for u in suppliers],
        }
        for role, values in cookies.items():
            (WORK / f"cookies-{role}.txt").write_text("\n".join(values) + "\n", encoding="utf-8")
        endpoints = []
        for label, path, role in _floors() + pages:
            status, body = _get(port, path, cookies[role][0])
            if status != 200:
                raise RuntimeError(f"{path} as {role} through gunicorn answered {status}: {body[:200]!r}")
            endpoints.append((label, path, lambda k, role=role: ["page", str(WORK / f"cookies-{role}.txt")]))
        before = Invoice.objects.order_by("-pk").values_list("pk", flat=True).first()
        _purge(PARKED)
        run_base = int(time.time()) % 10**6 * 100
        upload = "invoice upload API"
        with_upload = bool(_only([(upload, "", "")]))
        endpoints.append(
            (
                upload,
                "/api/invoices/",
                lambda k: [
                    "upload",
                    str(WORK / "invoice-template.xml"),
                    str(WORK / "suppliers.tsv"),
                    str(run_base + k),
                ],
            )
        )
        if not with_upload:
            endpoints.pop()
        measured = _interleaved(port, endpoints, runs, seconds)
        floor = measured[FLOOR_B]["results"]
        for label, _, _ in endpoints:
            is_floor = label.startswith("floor")
            rows += _load_rows(label, measured[label], None if is_floor else floor, runs, seconds)
        if not with_upload:
            return rows, notes
        totals = measured[upload]["totals"]
        created = Invoice.objects.filter(pk__gt=before)
        made = created.count()
        received = created.filter(state="received", uploaded_by__isnull=False).count()
        parked = _purge(PARKED)[PARKED]
        in_flight = WRK_CONNECTIONS * (runs + 1)  # wrk stops without waiting for the answers in flight
        check = (
            f"after the runs: {made:,} new invoices in the database for {totals['ok']:,} answers 201 counted "
            f"by wrk (at most {in_flight} more may have been in flight when wrk stopped); {received:,} of them "
            f"received and awaiting validation; {parked:,} validation messages on the broker (purged); "
            f"idempotent replays: {totals['replay']}"
        )
        _say(check)
        upload_rows = [row for row in rows if row["name"].startswith(f"load: {upload}")]
        upload_rows[2]["note"] = check
        upload_rows[3]["note"] = (
            "each request a new 数电 XML file (3.4 KB, 3 lines) with its own invoice number, from one of "
            f"{len(tokens)} suppliers' API tokens: real intake (parse, store, insert, enqueue), not a replay"
        )
        if not totals["ok"] <= made <= totals["ok"] + in_flight or received != made or parked != made:
            upload_rows[1]["note"] += (
                f"; MISMATCH: {made} invoices, {received} received, {parked} messages for {totals['ok']} answers 201"
            )
    finally:
        _stop(gunicorn)
    return rows, notes


# --------------------------------------------------------------------------------------- celery


def _received_invoices(n: int, number_base: int) -> list[int]:
    """N received invoices as the upload service leaves them: the file stored (content-addressed)
    and its rows inserted, in bulk (the upload path itself is measured by the API load; here it
    would only make the untimed set-up slow)."""
    from core.models import User
    from invoicing import storage
    from invoicing.models import Invoice, StoredFile

    from .invoice import render

    text = _invoice_template()
    users = list(User.objects.filter(username__startswith="bench-s").select_related("membership__supplier"))
    files, owners = [], []
    for k in range(n):
        user = users[k % len(users)]
        supplier = user.membership.supplier
        data = render(
            text, number=f"28{number_base + k:018d}", seller_id=supplier.tax_id, seller_name=supplier.name
        )
        sha, path = storage.put(data)
        files.append(
            StoredFile(sha256=sha, size=len(data), path=path, original_name=f"{k}.xml", uploaded_by=user)
        )
        owners.append(user)
    files = StoredFile.objects.bulk_create(files)
    invoices = Invoice.objects.bulk_create(
        Invoice(supplier=user.membership.supplier, file=stored, uploaded_by=user)
        for stored, user in zip(files, owners, strict=True)
    )
    return [invoice.pk for invoice in invoices]


def _start_worker(index: int) -> tuple[subprocess.Popen, str]:
    name = f"bench-load-{index}@{socket.gethostname()}"
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "-Q",
        VALIDATE,
        "-c",
        "1",
        "--pool",
        "prefork",
        "-n",
        name,
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-l",
        "warning",
    ]
    env = {**os.environ, "CELERY_TASK_DEFAULT_QUEUE": FOLLOWUPS}
    return _start(command, WORK / f"celery-{index}.log", env), name


def _validation_rate(workers: int, n: int) -> dict:
    from config.celery import app
    from invoicing.models import Invoice
    from invoicing.tasks import validate_invoice

    _say(f"validation with {workers} worker(s): storing {n:,} received invoices (not timed)")
    ids = _received_invoices(n, number_base=(int(time.time()) % 10**6) * 10**8 + workers * 10**7)
    _purge(PARKED, VALIDATE, FOLLOWUPS)
    procs = []
    try:
        for index in range(workers):
            procs.append(_start_worker(index))
        names = [name for _, name in procs]
        deadline = time.monotonic() + 90
        while True:
            for proc, _ in procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"a celery worker exited; see {WORK}/celery-*.log")
            replies = app.control.ping(destination=names, timeout=0.5)
            if len(replies) == len(names):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("the celery workers did not answer within 90 s")
        started = time.perf_counter()
        for pk in ids:
            validate_invoice.apply_async((pk,), queue=VALIDATE)
        enqueued = time.perf_counter() - started
        batch = Invoice.objects.filter(pk__in=ids)
        deadline = time.monotonic() + max(600, n)
        while batch.filter(state__in=["received", "validating"]).exists():
            if time.monotonic() > deadline:
                raise RuntimeError("validation did not finish in time")
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        for proc, _ in procs:
            _stop(proc)
        followups = _purge(VALIDATE, FOLLOWUPS, PARKED)[FOLLOWUPS]
    states = Counter(batch.values_list("state", flat=True))
    _say(f"{workers} worker(s): {n / elapsed:.1f} invoices/s ({elapsed:.1f} s), states {dict(states)}")
    return {
        "rate": n / elapsed,
        "elapsed": elapsed,
        "enqueued": enqueued,
        "states": states,
        "followups": followups,
    }


def _worker_ratio(n: int) -> list[dict]:
    """What a worker does per invoice against the pure work in it, in the same run and process:
    ``invoice_validate`` + ``invoice_match`` on PostgreSQL (the two tasks' bodies, no broker) for
    N received 数电 XML invoices (3 lines, no PO reference: matched against their supplier's open
    POs), then the pure part of the same invoices: ``check_file`` (parse + validate) and the
    matching engine on the inputs the first pass read (read again, untimed)."""
    from invoicing import storage
    from invoicing.checks import check_file
    from invoicing.models import Invoice
    from invoicing.services import _context, invoice_validate
    from procurement.models import LegalEntity
    from settlement.matching import match_invoice
    from settlement.services.match_inputs import build_inputs
    from settlement.services.matching import invoice_match

    ids = _received_invoices(n, number_base=(int(time.time()) % 10**6) * 10**8 + 9 * 10**7)
    full = []
    for pk in ids:
        started = time.perf_counter()
        invoice_validate(invoice_id=pk)
        invoice_match(invoice_id=pk)
        full.append(time.perf_counter() - started)
    entities = list(LegalEntity.objects.values_list("pk", "tax_id", "xrechnung_rules"))
    pure, candidates = [], []
    for invoice in Invoice.objects.filter(pk__in=ids).select_related("supplier", "file").order_by("pk"):
        data = storage.get(invoice.file.path, invoice.file.sha256)
        context = _context(invoice, entities)
        inputs = build_inputs(invoice, lock=False)
        candidates.append(len(inputs.purchase_order_ids))
        started = time.perf_counter()
        check_file(data, context, max_bytes=10**7)
        match_invoice(inputs.invoice, **inputs.engine_kwargs())
        pure.append(time.perf_counter() - started)
    states = Counter(Invoice.objects.filter(pk__in=ids).values_list("state", flat=True))
    full_ms, pure_ms = statistics.median(full) * 1000, statistics.median(pure) * 1000
    _say(f"worker: validate + match {full_ms:.1f} ms per invoice, pure {pure_ms:.2f} ms")
    note = (
        f"{n:,} received 数电 XML invoices (3 lines, no PO reference), one process, in-process task bodies "
        f"on PostgreSQL; open POs each was matched against: median {statistics.median(candidates):.0f}; "
        f"end states: {', '.join(f'{c:,} {s}' for s, c in sorted(states.items()))}"
    )
    return [
        {
            "name": "worker: validate + match, per invoice",
            "unit": "ms",
            "median": full_ms,
            "runs": n,
            "note": note,
        },
        {
            "name": "worker: pure parse + validate + match (check_file + engine), per invoice",
            "unit": "ms",
            "median": pure_ms,
            "runs": n,
            "note": "the same invoices and engine inputs; no database",
        },
        {
            "name": "worker: validate + match ÷ pure",
            "unit": "×",
            "median": full_ms / pure_ms,
            "runs": n,
            "note": "the issue asks for at most 10×",
        },
    ]


def _celery(n: int) -> list[dict]:
    rows = []
    for workers in (1, 2):
        result = _validation_rate(workers, n)
        states = ", ".join(f"{count:,} {state}" for state, count in sorted(result["states"].items()))
        rows.append(
            {
                "name": f"validation: {workers} Celery worker process{'es' if workers > 1 else ''} (-c 1 each) on Redis",
                "unit": "invoices/s",
                "median": result["rate"],
                "runs": 1,
                "note": f"{n:,} received 数电 XML invoices, first enqueue to last one out of validation: "
                f"{result['elapsed']:.1f} s (enqueueing took {result['enqueued']:.1f} s of it); end states: {states}; "
                f"the {result['followups']:,} matching tasks validation enqueued were parked and purged (not in the rate)",
            }
        )
    return rows


# ----------------------------------------------------------------------------------------- main


def _versions() -> str:
    from importlib.metadata import version

    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0].split()[0]
    try:
        first = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False).stdout  # noqa: S607
        wrk = re.search(r"wrk (\S+)", first)[1]
    except (OSError, TypeError):
        wrk = "not installed"
    redis_version = _redis().info("server").get("redis_version", "?")
    db = settings.DATABASES["default"]
    connections = (
        f"psycopg pool {db['OPTIONS']['pool']['min_size']}..{db['OPTIONS']['pool']['max_size']} per process"
        if db.get("OPTIONS", {}).get("pool")
        else f"CONN_MAX_AGE {db['CONN_MAX_AGE']}"
    )
    return (
        f"load rows (bench_load) run against PostgreSQL {pg} and gunicorn {version('gunicorn')} "
        f"({WORKERS_HTTP} gthread workers × {THREADS_HTTP} threads, config.settings.bench: DEBUG off, PBKDF2 "
        f"passwords, {connections}), driven by wrk {wrk}; Celery {version('celery')} workers "
        f"on Redis {redis_version}; wrk, gunicorn, PostgreSQL and the workers share this machine's "
        f"{os.cpu_count()} cores (other jobs may have run at the same time)"
    )


def main(out_path: str) -> int:
    import django

    invoices = _env_int("BENCH_INVOICES", 100_000)
    pos = _env_int("BENCH_POS", 10_000)
    runs = _env_int("BENCH_LOAD_RUNS", 3)
    seconds = _env_int("BENCH_LOAD_SECONDS", 15)
    validation_n = _env_int("BENCH_VALIDATION_INVOICES", 2_000)
    WORK.mkdir(parents=True, exist_ok=True)
    _ensure_database(os.environ["DATABASE_URL"], recreate=False)
    django.setup()
    from django.conf import settings

    from . import seed

    started = time.perf_counter()
    found, reused, migrate_seconds = _prepare(invoices, pos)
    removed = seed.remove_run_leftovers(found)
    shutil.rmtree(Path(settings.MEDIA_ROOT) / "invoices", ignore_errors=True)
    if removed:
        _say(f"removed {removed:,} invoices left by an earlier run")
    rows = [
        {
            "name": f"seed: {invoices:,} invoices, {pos:,} POs (bulk inserts)",
            "unit": "s",
            "median": found["seconds"],
            "runs": 1,
            "note": "re-used the database seeded earlier (this is that seed's time)"
            if reused
            else f"seeded now; migrating the empty database took another {migrate_seconds:.1f} s",
        }
    ]
    notes = [_versions()]
    try:
        load_rows, load_notes = _load(runs, seconds)
        rows += load_rows
        notes += load_notes
        worker_n = _env_int("BENCH_WORKER_INVOICES", 200)
        if worker_n > 0:
            rows += _worker_ratio(worker_n)
        if validation_n > 0:
            rows += _celery(validation_n)
    finally:
        removed = seed.remove_run_leftovers(found)
        shutil.rmtree(Path(settings.MEDIA_ROOT) / "invoices", ignore_errors=True)
        _purge(PARKED, VALIDATE, FOLLOWUPS)
        _say(
            f"cleaned up: {removed:,} invoices this run added were removed ({time.perf_counter() - started:.0f} s in all)"
        )
    Path(out_path).write_text(json.dumps({"rows": rows, "notes": notes}, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
