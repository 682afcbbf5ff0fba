"""Prometheus metrics (prometheus_client, django-prometheus for the request histograms).

- Requests: django-prometheus's middleware (latency histograms per view and method, counts by
  status).
- Celery tasks: counts by task and outcome and a duration histogram, recorded by the signals
  below in whichever process runs the task.
- Scrape-time gauges: the broker queue depth (here) and figures other apps register with
  ``register_scrape_collector`` (reports: invoices per state), computed when Prometheus scrapes.

With several processes (gunicorn workers, Celery children) set ``PROMETHEUS_MULTIPROC_DIR`` to a
directory they share on the host: ``/metrics`` then adds every process's counters together. A
worker host without a web process exposes its own with ``WORKER_METRICS_PORT`` (docs/operations.md).
``METRICS_TOKEN``, when set, is required as ``Authorization: Bearer …`` on ``/metrics``.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterable

import prometheus_client
from celery.signals import task_postrun, task_prerun, worker_ready
from django.conf import settings
from django.http import HttpResponse
from prometheus_client import multiprocess
from prometheus_client.core import GaugeMetricFamily

TASKS = prometheus_client.Counter("portal_celery_tasks_total", "Celery tasks run", ["task", "outcome"])
TASK_SECONDS = prometheus_client.Histogram(
    "portal_celery_task_duration_seconds",
    "Celery task run time",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)

_scrape_collectors: list[Callable[[], Iterable[GaugeMetricFamily]]] = []


def register_scrape_collector(collect: Callable[[], Iterable[GaugeMetricFamily]]) -> None:
    """``collect()`` yields metric families, computed at each scrape (apps call this in ready())."""
    if collect not in _scrape_collectors:
        _scrape_collectors.append(collect)


def queue_depth() -> Iterable[GaugeMetricFamily]:
    family = GaugeMetricFamily(
        "portal_celery_queue_depth", "Messages waiting in the broker queue", labels=["queue"]
    )
    broker = settings.CELERY_BROKER_URL
    if broker.startswith(("redis://", "rediss://")):
        import redis

        queue = settings.CELERY_TASK_DEFAULT_QUEUE
        try:
            client = redis.Redis.from_url(broker, socket_timeout=2, socket_connect_timeout=2)
            family.add_metric([queue], client.llen(queue))
        except redis.RedisError:
            pass  # readiness reports the broker; the metric is simply absent
    yield family


register_scrape_collector(queue_depth)


class _ScrapeTime:
    def collect(self):
        for collect in _scrape_collectors:
            yield from collect()


def _registry() -> prometheus_client.CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = prometheus_client.CollectorRegistry()
        for collector in list(prometheus_client.REGISTRY._collector_to_names):
            registry.register(collector)
    registry.register(_ScrapeTime())
    return registry


def metrics_view(request):
    token = getattr(settings, "METRICS_TOKEN", "")
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return HttpResponse("unauthorised\n", status=401, content_type="text/plain")
    body = prometheus_client.generate_latest(_registry())
    return HttpResponse(body, content_type=prometheus_client.CONTENT_TYPE_LATEST)


_started: dict[str, float] = {}


@task_prerun.connect
def _task_started(task_id=None, **kwargs):
    _started[task_id] = time.perf_counter()


@task_postrun.connect
def _task_finished(task_id=None, task=None, state=None, **kwargs):
    began = _started.pop(task_id, None)
    name = getattr(task, "name", "unknown")
    if began is not None:
        TASK_SECONDS.labels(name).observe(time.perf_counter() - began)
    TASKS.labels(name, (state or "unknown").lower()).inc()


@worker_ready.connect
def _worker_metrics_port(**kwargs):
    port = os.environ.get("WORKER_METRICS_PORT", "").strip()
    if port:
        registry = prometheus_client.REGISTRY
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = prometheus_client.CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        prometheus_client.start_http_server(int(port), registry=registry)
