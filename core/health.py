"""Liveness and readiness (django-health-check): what an orchestrator or load balancer asks.

``/health/live/`` answers 200 while the process serves requests (no dependency is touched).
``/health/ready/`` runs the checks below and answers 500 with the failing ones when this web
process should not get traffic: the database answers, every migration is applied, the file
storage can write, read and delete, the broker answers (when one is configured), and the scheduler
beat within the last few minutes.
"""

from __future__ import annotations

import dataclasses
import datetime

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse
from django.utils import timezone
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

# The scheduler beats every 30 seconds; three minutes of silence make the portal not ready.
SCHEDULER_MAX_SILENCE = datetime.timedelta(minutes=3)


@dataclasses.dataclass
class MigrationsApplied(HealthCheck):
    def run(self):
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            raise ServiceUnavailable(f"{len(plan)} migration(s) not applied")


@dataclasses.dataclass
class Broker(HealthCheck):
    def run(self):
        if not settings.CELERY_BROKER_URL:
            return  # tasks run in-process: nothing to reach
        from config.celery import app

        try:
            with app.connection_for_write(settings.CELERY_BROKER_URL) as connection:
                connection.ensure_connection(max_retries=1, timeout=2)
        except Exception as exc:
            raise ServiceUnavailable(f"broker unreachable ({type(exc).__name__})") from exc


@dataclasses.dataclass
class SchedulerHeartbeat(HealthCheck):
    def run(self):
        from .models import Heartbeat

        beat = Heartbeat.objects.filter(name="scheduler").values_list("at", flat=True).first()
        if beat is None:
            raise ServiceUnavailable("the scheduler has never beaten")
        silence = timezone.now() - beat
        if silence > SCHEDULER_MAX_SILENCE:
            raise ServiceUnavailable(f"no scheduler beat for {int(silence.total_seconds())} s")


READINESS_CHECKS = (
    "health_check.checks.Database",
    "health_check.checks.Storage",
    MigrationsApplied,
    Broker,
    SchedulerHeartbeat,
)

_readiness = HealthCheckView.as_view(checks=READINESS_CHECKS)


async def readiness(request):
    """The library answers 500 when a check fails; a load balancer expects 503 (not ready)."""
    response = await _readiness(request)
    if response.status_code == 500:
        response.status_code = 503
        response.reason_phrase = "Service Unavailable"
    return response


def liveness(request):
    return HttpResponse("ok\n", content_type="text/plain")
