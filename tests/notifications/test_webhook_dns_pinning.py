"""DNS rebinding: the webhook sender checks the address a host name resolves to (no loopback or
private network) and then connects to that very address, never to a second lookup of the name."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.test import override_settings
from urllib3.util import connection as urllib3_connection

from notifications.integrations import services
from notifications.integrations.addresses import pinned_session
from notifications.models import Delivery
from tests.factories import LegalEntityFactory, UserFactory
from tests.notifications.receiver import Receiver
from tests.settlement.statement_builders import make_invoice

HOST = "hooks.example.test"
PUBLIC = "93.184.216.34"


class RebindingResolver:
    """Answers ``HOST`` with a public address the first time and with 127.0.0.1 afterwards (what an
    attacker's DNS server does); every other name and address as the real resolver does."""

    def __init__(self, real):
        self.real, self.answers = real, []

    def __call__(self, host, port, *args, **kwargs):
        if host != HOST:
            return self.real(host, port, *args, **kwargs)
        address = PUBLIC if not self.answers else "127.0.0.1"
        self.answers.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port or 0))]


@pytest.fixture
def connections(monkeypatch):
    """Every address a connection is opened to; the public one is refused here (no real network),
    any other is opened for real (a host name through the resolver of the test)."""
    opened = []
    real = urllib3_connection.create_connection

    def create_connection(address, *args, **kwargs):
        opened.append(address)
        if address[0] == PUBLIC:
            raise ConnectionRefusedError(f"test network: {address[0]} is not reachable")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3_connection, "create_connection", create_connection)
    return opened


def test_a_name_that_rebinds_to_loopback_after_the_check_sends_nothing_to_loopback(
    db, monkeypatch, connections, supplier_a, finance, django_capture_on_commit_callbacks
):
    from settlement.services.exceptions import exception_accept

    resolver = RebindingResolver(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    admin = UserFactory(username="ops-admin", role="staff", is_staff=True)
    entity = LegalEntityFactory(name="上海采购有限公司")
    with Receiver() as inside:
        port = inside.server.server_address[1]
        url = f"http://{HOST}:{port}/hook"
        with override_settings(INTEGRATIONS_ALLOW_PRIVATE_URLS=False):
            services.endpoint_save(
                actor=admin, kind="webhook", name="ERP", url=url, events=["invoice.approved"]
            )
            resolver.answers.clear()  # the saving's check is not the one that matters
            with django_capture_on_commit_callbacks(execute=True):
                exception_accept(
                    invoice_id=make_invoice(supplier_a, entity, state="exception").pk,
                    actor=finance,
                    reason="ok",
                )
    assert resolver.answers == [PUBLIC]  # looked up once, at the check; never again at the send
    assert connections == [(PUBLIC, port)]  # the connection went to the address checked
    assert inside.requests == []  # nothing reached 127.0.0.1
    delivery = Delivery.objects.get()
    assert delivery.state == "retrying" and "ConnectionError" in delivery.last_error


def test_the_pinned_connection_keeps_the_host_name_in_the_host_header(connections):
    with Receiver() as receiver:
        port = receiver.server.server_address[1]
        with pinned_session(f"http://{HOST}:{port}/hook", "127.0.0.1") as session:
            answer = session.post(f"http://{HOST}:{port}/hook?x=1", data=b"{}", timeout=5)
    assert answer.status_code == 200
    assert connections == [("127.0.0.1", port)]
    (got,) = receiver.requests
    assert got.path == "/hook" and got.headers["Host"] == f"{HOST}:{port}"


def _certificate(tmp_path, name: str):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return str(cert_file), str(key_file)


@pytest.fixture
def tls_receiver(tmp_path):
    """An https server on 127.0.0.1 whose certificate is valid for ``HOST`` only; it records the
    SNI name each handshake asked for."""
    cert_file, key_file = _certificate(tmp_path, HOST)
    sni = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server name
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    context.sni_callback = lambda sock, name, ctx: sni.append(name)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], cert_file, sni
    server.shutdown()
    server.server_close()


def test_tls_to_the_pinned_address_checks_the_certificate_for_the_host_name(connections, tls_receiver):
    port, ca_file, sni = tls_receiver
    url = f"https://{HOST}:{port}/hook"
    with pinned_session(url, "127.0.0.1") as session:
        answer = session.post(url, data=b"{}", timeout=5, verify=ca_file)
    assert answer.status_code == 204
    assert sni == [HOST] and connections == [("127.0.0.1", port)]
    # a certificate for another name is refused although the address is the pinned one
    other = f"https://other.example.test:{port}/hook"
    with (
        pinned_session(other, "127.0.0.1") as session,
        pytest.raises(Exception, match="(?i)certificate|hostname"),
    ):
        session.post(other, data=b"{}", timeout=5, verify=ca_file)


def test_the_checked_address_is_the_one_returned_for_the_send(monkeypatch):
    from notifications.integrations.addresses import UrlRefused, check_url_for_send

    resolver = RebindingResolver(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    with override_settings(INTEGRATIONS_ALLOW_PRIVATE_URLS=False):
        assert check_url_for_send(f"https://{HOST}/x") == (f"https://{HOST}/x", PUBLIC)
        with pytest.raises(UrlRefused):  # the second answer (127.0.0.1) is refused by the check
            check_url_for_send(f"https://{HOST}/x")
    assert ipaddress.ip_address(PUBLIC).is_global
