"""Optional error reporting: off without SENTRY_DSN; with it, an exception raised in a request
reaches the Sentry server named by the DSN (here a local HTTP server), tagged with the request
id and without personal data."""

import gzip
import json
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import pytest
import sentry_sdk
from django.test import Client

from config.sentry import init_sentry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class _Collector(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):  # noqa: N802 - http.server's hook name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_server():
    _Collector.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        sentry_sdk.init()  # off again, as without SENTRY_DSN
        server.shutdown()


def test_error_reporting_is_off_without_a_dsn(settings):
    assert settings.SENTRY_DSN == "" and not init_sentry("")
    assert not sentry_sdk.get_client().is_active()


def test_an_exception_in_a_request_reaches_the_configured_server_with_its_request_id(sentry_server):
    port = sentry_server.server_address[1]
    assert init_sentry(f"http://publickey@127.0.0.1:{port}/42")
    assert sentry_sdk.get_client().is_active()
    assert sentry_sdk.get_client().options["send_default_pii"] is False

    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="reporter", email="reporter@buyer.example"))
    with mock.patch("core.views.panels_for", side_effect=RuntimeError("boom from the test")):
        response = client.get("/", HTTP_X_REQUEST_ID="req-0123456789")
    assert response.status_code == 500
    sentry_sdk.flush(timeout=10)

    events = []
    for envelope in _Collector.received:
        for line in envelope.splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if isinstance(item, dict) and "exception" in item:
                events.append(item)
    assert len(events) == 1
    event = events[0]
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["exception"]["values"][-1]["value"] == "boom from the test"
    assert event["tags"]["request_id"] == "req-0123456789"
    assert "reporter@buyer.example" not in json.dumps(event)  # no personal data
