"""Every portal page's fixed cost, in-process (no server): time and SQL queries per request of the
bench's floor views and of a few cheap pages, for a logged-in buyer, supplier user and finance user
who proved their second factor, through the full middleware (Django's test client).

Run with the bench settings on a small database of its own (seeded once by benchmarks/load/seed.py):

    DJANGO_SETTINGS_MODULE=config.settings.bench DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_frame \\
        .venv/bin/python -m benchmarks.frame_cost [iterations] [--profile]

Figures are one process on a shared machine: read the pages as ratios to floor (b).
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import time


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

    iterations = int(next((a for a in argv if a.isdigit()), "200"))
    profile = "--profile" in argv
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
        ("floor (b) 25 POs, two-line template", "/bench-floor/pos/", "buyer"),
        ("buyer home", reverse("home"), "buyer"),
        ("buyer PO list", reverse("po-list"), "buyer"),
        ("supplier home", reverse("home"), "supplier"),
        ("supplier invoice list", reverse("invoice-list"), "supplier"),
        ("finance home", reverse("home"), "finance"),
        ("finance PO list", reverse("po-list"), "finance"),
        ("finance notifications", reverse("notification-inbox"), "finance"),
    ]
    print(f"{'endpoint':42} {'ms/req':>8} {'queries':>8}")
    for label, path, role in endpoints:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(users[role], backend="django.contrib.auth.backends.ModelBackend")
        device = _mfa_device(users[role].username)
        if device is not None:
            session = client.session
            session["otp_device_id"] = device.persistent_id
            session.save()
        for _ in range(5):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        captured = [q["sql"] for q in queries.captured_queries]  # the next request resets the log
        profiler = cProfile.Profile() if profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        for _ in range(iterations):
            client.get(path)
        if profiler:
            profiler.disable()
        ms = (time.perf_counter() - started) * 1000 / iterations
        print(f"{label:42} {ms:8.2f} {len(captured):8d}")
        if os.environ.get("FRAME_SQL"):
            for sql in captured:
                print("    ", sql[:200])
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    return 0


def _has_marker() -> bool:
    from django.db import connection

    return "bench_load_seed" in connection.introspection.table_names()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
