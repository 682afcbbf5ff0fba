"""Every portal page's fixed cost, in-process (no server): time and SQL queries per request of the
bench's floor views and of a few cheap pages, for a logged-in buyer, supplier user and finance user
who proved their second factor, through the full middleware (Django's test client).

Run with the bench settings on a small database of its own (seeded once by benchmarks/load/seed.py):

    DJANGO_SETTINGS_MODULE=config.settings.bench DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_frame \\
        .venv/bin/python -m benchmarks.frame_cost [iterations per round, 40] [rounds, 5] [--profile=LABEL]

Figures are one process on a shared machine: read the pages as ratios to floor (b).
"""

from __future__ import annotations

import cProfile
import os
import pstats
import statistics
import sys
import time

FLOOR_B = "floor (b) 25 POs, two-line template"


def main(argv: list[str]) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from benchmarks.load import seed
    from benchmarks.load.driver import _ensure_database, _mfa_device

    numbers = [int(a) for a in argv if a.isdigit()]
    iterations = numbers[0] if numbers else 40
    rounds = numbers[1] if len(numbers) > 1 else 5
    profile_label = next((a.split("=", 1)[1] for a in argv if a.startswith("--profile=")), "")
    profile = bool(profile_label)
    if not seed.marker_matches(seed.marker() if _has_marker() else None, invoices=2000, pos=200):
        connection.close()
        _ensure_database(os.environ["DATABASE_URL"], recreate=True)
        call_command("migrate", verbosity=0)
        seed.seed(invoices=2000, pos=200)
    from core.models import User

    users = {
        "buyer": User.objects.get(username="bench-buyer"),
        "finance": User.objects.get(username="bench-finance"),
        "supplier": User.objects.get(username="bench-s01"),
    }
    endpoints = [
        ('floor (a) HttpResponse("ok")', "/bench-floor/ok/", "buyer"),
        (FLOOR_B, "/bench-floor/pos/", "buyer"),
        ('supplier floor (a) HttpResponse("ok")', "/bench-floor/ok/", "supplier"),
        ("buyer home", reverse("home"), "buyer"),
        ("buyer PO list", reverse("po-list"), "buyer"),
        ("supplier home", reverse("home"), "supplier"),
        ("supplier invoice list", reverse("invoice-list"), "supplier"),
        ("finance home", reverse("home"), "finance"),
        ("finance PO list", reverse("po-list"), "finance"),
        ("finance inbox", reverse("notification-inbox"), "finance"),
    ]
    clients, captured = {}, {}
    for label, path, role in endpoints:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(users[role], backend="django.contrib.auth.backends.ModelBackend")
        device = _mfa_device(users[role].username)
        if device is not None:  # the session has proved its second factor (django_otp.login)
            session = client.session
            session["otp_device_id"] = device.persistent_id
            session.save()
        for _ in range(5):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        captured[label] = [q["sql"] for q in queries.captured_queries]  # the next request resets the log
        clients[label] = client
    # Rounds: each endpoint in turn, ``iterations`` requests each; a page's ratio is the median over
    # the rounds of its time divided by floor (b)'s in the same round (the machine is shared).
    times: dict[str, list[float]] = {label: [] for label, _, _ in endpoints}
    profiler = cProfile.Profile() if profile else None
    for _ in range(rounds):
        for label, path, _ in endpoints:
            client = clients[label]
            if profiler and label == profile_label:
                profiler.enable()
            started = time.perf_counter()
            for _ in range(iterations):
                client.get(path)
            times[label].append((time.perf_counter() - started) * 1000 / iterations)
            if profiler:
                profiler.disable()
    print(f"{iterations} requests per endpoint in each of {rounds} rounds; medians over the rounds")
    print(f"{'endpoint':44} {'ms/req':>8} {'÷ floor (b)':>12} {'queries':>8}")
    for label, _, _ in endpoints:
        ratio = statistics.median(t / f for t, f in zip(times[label], times[FLOOR_B], strict=True))
        print(f"{label:44} {statistics.median(times[label]):8.2f} {ratio:12.2f} {len(captured[label]):8d}")
        if os.environ.get("FRAME_SQL"):
            for sql in captured[label]:
                print("    ", sql[:200])
    if profiler:
        print(f"profile of {profile_label}:")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    return 0


def _has_marker() -> bool:
    from django.db import connection

    return "bench_load_seed" in connection.introspection.table_names()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
