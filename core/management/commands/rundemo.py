"""``manage.py rundemo [addr:port]``: ``make run``'s server, with the periodic jobs running.

Django's development server (static files included) plus, when no Celery broker is configured,
the in-process scheduler of ``core.scheduler`` in a thread of the serving process, so the demo's
sweepers and expiry checks run on their schedule without any other process. With a broker set,
run ``celery beat`` and workers instead (README).
"""

from __future__ import annotations

import os

from django.conf import settings
from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand

from config.celery import app as celery_app
from core.scheduler import InProcessScheduler


class Command(RunserverCommand):
    help = "Development server for the demo, with the periodic jobs run in-process when there is no broker."

    def inner_run(self, *args, **options):
        if not os.environ.get("PORTAL_BASE_URL"):
            # links in e-mails (password reset, notifications) point at this server, whatever its port
            host = f"[{self.addr}]" if self._raw_ipv6 else self.addr
            settings.PORTAL_BASE_URL = f"{self.protocol}://{host}:{self.port}"
        if settings.CELERY_BROKER_URL:
            self.stdout.write("Broker configured: periodic jobs are celery beat's job (make beat).")
        else:
            scheduler = InProcessScheduler(
                celery_app,
                settings.CELERY_BEAT_SCHEDULE,
                settings.BASE_DIR / "var" / "scheduler-state.json",
                out=self.stdout,
            )
            names = ", ".join(entry[0] for entry in scheduler.entries.values())
            self.stdout.write(f"Periodic jobs run in this process (no broker): {names}")
            scheduler.start()
        return super().inner_run(*args, **options)
