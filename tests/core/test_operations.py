"""What an operator asks of a running portal: liveness, readiness, metrics, request ids in logs."""

from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest
from django.conf import settings
from django.test import override_settings

from core.tasks import healthcheck, scheduler_heartbeat

pytestmark = pytest.mark.django_db


def _ready(client, **headers):
    return client.get("/health/ready/", **headers)


def test_liveness_answers_without_touching_anything(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/live/")
    assert response.status_code == 200 and response.content == b"ok\n"


@pytest.mark.django_db(transaction=True)  # the library runs the checks in another thread
def test_readiness_is_503_until_the_scheduler_beats_and_names_what_fails(client):
    response = _ready(client, HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    report = response.json()
    assert "never beaten" in report["SchedulerHeartbeat()"]
    assert report["Database(alias='default')"] == "OK"
    assert report["MigrationsApplied()"] == "OK"
    assert report["Broker()"] == "OK"  # no broker configured: tasks run in-process

    scheduler_heartbeat.apply()
    response = _ready(client, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.json()
    assert set(response.json().values()) == {"OK"}


@pytest.mark.django_db(transaction=True)
def test_readiness_fails_when_the_broker_cannot_be_reached(client):
    scheduler_heartbeat.apply()
    with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0"):
        response = _ready(client, HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    assert "broker unreachable" in response.json()["Broker()"]


def test_metrics_show_request_latency_per_view_task_runs_and_invoices_per_state(client):
    client.get("/health/live/")
    healthcheck.apply()
    body = client.get("/metrics").content.decode()
    assert (
        'django_http_requests_latency_seconds_by_view_method_bucket{le="0.01",method="GET",view="health-live"}'
        in body
    )
    assert 'portal_celery_tasks_total{outcome="success",task="core.healthcheck"}' in body
    assert 'portal_celery_task_duration_seconds_count{task="core.healthcheck"}' in body
    assert 'portal_invoices{state="received"} 0.0' in body


def test_metrics_require_the_token_when_one_is_set(client):
    with override_settings(METRICS_TOKEN="s3cret-metrics-token"):
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
        ok = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token")
    assert ok.status_code == 200 and b"portal_invoices" in ok.content


def _json_logging(stream):
    config = json.loads(json.dumps(settings.LOGGING, default=str))
    config["handlers"]["console"]["formatter"] = "json"
    config["handlers"]["console"]["stream"] = stream
    config["loggers"] = {"portal.test": {"level": "INFO"}}
    logging.config.dictConfig(config)


def test_every_response_carries_a_request_id_and_log_lines_of_the_request_carry_it(client, buyer):
    stream = io.StringIO()
    _json_logging(stream)
    try:
        client.force_login(buyer)
        response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="proxy-given-id-123")
        assert response.status_code == 404 and response["X-Request-ID"] == "proxy-given-id-123"
        line = json.loads(stream.getvalue().strip().splitlines()[-1])  # django.request's "Not Found"
        assert line["logger"] == "django.request" and line["level"] == "WARNING"
        assert line["request_id"] == "proxy-given-id-123" and line["user_id"] == str(buyer.pk)
        assert "time" in line and "/no-such-page/" in line["message"]

        generated = client.get("/health/live/")["X-Request-ID"]
        assert len(generated) == 32
        hostile = client.get("/health/live/", HTTP_X_REQUEST_ID="bad id\r\nSet-Cookie: x")["X-Request-ID"]
        assert len(hostile) == 32 and "Set-Cookie" not in hostile

        logging.getLogger("portal.test").info("outside any request")
        line = json.loads(stream.getvalue().strip().splitlines()[-1])
        assert line["message"] == "outside any request" and line["request_id"] == ""
    finally:
        logging.config.dictConfig(settings.LOGGING)


def test_a_task_published_during_a_request_carries_its_request_id():
    from core.observability import _carry_request_id, request_id_var, user_id_var

    headers: dict = {}
    tokens = request_id_var.set("req-abc-123456"), user_id_var.set("7")
    try:
        _carry_request_id(headers=headers)
    finally:
        request_id_var.reset(tokens[0])
        user_id_var.reset(tokens[1])
    assert headers == {"request_id": "req-abc-123456", "user_id": "7"}
