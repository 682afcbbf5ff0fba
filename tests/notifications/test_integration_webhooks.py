"""Signed webhooks: an admin adds an endpoint, document events reach a real HTTP server signed,
failures are retried with a growing pause and logged, and a delivery can be replayed."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from core.services import api_token_create
from notifications.integrations import services
from notifications.models import Delivery, Endpoint
from tests.factories import LegalEntityFactory, UserFactory, make_approved_bank_account
from tests.notifications.receiver import Receiver
from tests.settlement.statement_builders import make_approved_statement, make_invoice

SECRET = "whsec_test-secret-1234"


def verify_signature(secret: str, body: bytes, header: str, tolerance: int = 300) -> bool:
    """The receiver's check exactly as docs/integration.md shows it."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


@pytest.fixture
def admin(db):
    return UserFactory(username="ops-admin", role="staff", is_staff=True)


@pytest.fixture
def entity(db):
    return LegalEntityFactory(name="上海采购有限公司")


@pytest.fixture
def as_admin(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def finance_api(client, finance):
    raw = api_token_create(user=finance, name="erp", scope="read_write")[1]

    def post(url, data):
        return client.post(url, data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")

    return post


def _add_webhook(client, url, events, secret=SECRET):
    return client.post(
        "/integrations/webhooks/",
        {"name": "ERP (SAP)", "url": url, "secret": secret, "events": events, "is_active": "on"},
    )


def _approve_exception(finance_api, invoice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = finance_api(
            f"/api/matching/invoices/{invoice.pk}/accept", {"reason": "price agreed by phone"}
        )
    assert response.status_code == 200, response.content
    return response


def test_an_approved_invoice_reaches_the_erp_signed(
    as_admin, finance_api, supplier_a, entity, django_capture_on_commit_callbacks
):
    invoice = make_invoice(supplier_a, entity, state="exception", number="26312000000000000042")
    with Receiver() as erp:
        response = _add_webhook(as_admin, erp.url + "/hooks/portal", ["invoice.approved"])
        assert response.status_code == 302
        endpoint = Endpoint.objects.get()
        assert SECRET not in endpoint.secret_encrypted  # stored encrypted

        _approve_exception(finance_api, invoice, django_capture_on_commit_callbacks)

    [request] = erp.requests
    assert request.path == "/hooks/portal"
    assert request.headers["Content-Type"].startswith("application/json")
    assert request.headers["X-Portal-Event"] == "invoice.approved"
    assert verify_signature(SECRET, request.body, request.headers["X-Portal-Signature"])
    assert not verify_signature("another-secret", request.body, request.headers["X-Portal-Signature"])
    body = json.loads(request.body)
    assert body["type"] == "invoice.approved" and body["id"] == request.headers["X-Portal-Event-Id"]
    assert body["data"]["invoice"]["number"] == "26312000000000000042"
    assert body["data"]["invoice"]["gross_amount"] == "1130.00"
    assert body["data"]["supplier"]["name"] == "Supplier A 甲"
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.response_code) == ("delivered", 1, 200)
    assert delivery.latency_ms is not None

    page = as_admin.get("/integrations/deliveries/")
    assert page.status_code == 200
    assert f'id="delivery-{delivery.pk}"' in page.content.decode()


def test_a_failing_endpoint_is_retried_with_a_growing_pause_then_given_up_and_replayed(
    as_admin, finance_api, supplier_a, entity, django_capture_on_commit_callbacks
):
    invoice = make_invoice(supplier_a, entity, state="exception")
    with Receiver(statuses=(500, 503, 200)) as erp:
        _add_webhook(as_admin, erp.url, ["invoice.approved"])
        _approve_exception(finance_api, invoice, django_capture_on_commit_callbacks)
        delivery = Delivery.objects.get()
        assert (delivery.state, delivery.attempts, delivery.response_code) == ("retrying", 1, 500)
        assert delivery.last_error == "HTTP 500"
        first_pause = delivery.next_attempt_at - delivery.last_attempt_at
        assert timedelta(seconds=29) < first_pause < timedelta(seconds=31)

        assert services.deliveries_retry_due(now=timezone.now()) == 0  # the pause is not over
        assert services.deliveries_retry_due(now=delivery.next_attempt_at + timedelta(seconds=1)) == 1
        delivery.refresh_from_db()
        assert (delivery.state, delivery.attempts, delivery.response_code) == ("retrying", 2, 503)
        assert delivery.next_attempt_at - delivery.last_attempt_at > timedelta(seconds=119)

        services.deliveries_retry_due(now=delivery.next_attempt_at + timedelta(seconds=1))
        delivery.refresh_from_db()
        assert (delivery.state, delivery.attempts, delivery.response_code) == ("delivered", 3, 200)
        # the same body each time, signed afresh
        assert len(erp.requests) == 3 and len({r.body for r in erp.requests}) == 1

    page = as_admin.get("/integrations/deliveries/").content.decode()
    assert "HTTP 503" not in page  # the last error is cleared once delivered

    with Receiver(statuses=(500,)) as down:
        Endpoint.objects.update(url=down.url)
        with django_capture_on_commit_callbacks(execute=True):
            replay = as_admin.post(f"/integrations/deliveries/{delivery.pk}/replay/")
        assert replay.status_code == 302
        copy = Delivery.objects.exclude(pk=delivery.pk).get()
        assert copy.event_id == delivery.event_id and copy.replay_of == delivery
        for _ in range(10):  # every pause over at once: it gives up after 8 attempts
            services.deliveries_retry_due(now=timezone.now() + timedelta(days=1))
            copy.refresh_from_db()
            if copy.state == "failed":
                break
            assert copy.state == "retrying", (copy.state, copy.attempts, copy.last_error)
        assert copy.attempts == 8 and len(down.requests) == 8
    page = as_admin.get("/integrations/deliveries/?state=failed").content.decode()
    assert f'id="delivery-{copy.pk}"' in page and f'id="delivery-{delivery.pk}"' not in page
    assert "HTTP 500" in page


def test_a_rolled_back_approval_sends_nothing(
    finance, supplier_a, entity, admin, django_capture_on_commit_callbacks
):
    from settlement.services.exceptions import exception_accept

    invoice = make_invoice(supplier_a, entity, state="exception")
    with Receiver() as erp:
        services.endpoint_save(
            actor=admin, kind="webhook", name="ERP", url=erp.url, events=["invoice.approved"]
        )
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            exception_accept(invoice_id=invoice.pk, actor=finance, reason="ok")
            raise RuntimeError("the request failed after the approval")
    assert Delivery.objects.count() == 0 and erp.requests == []


def test_payment_made_and_supplier_changed_reach_their_subscribers_only(
    as_admin, finance_api, finance, supplier_a, supplier_user_a, entity, django_capture_on_commit_callbacks
):
    make_invoice(supplier_a, entity, lines=(("1000.00", "0.13"),), number="26312000000000000077")
    statement = make_approved_statement(finance, supplier_a, supplier_user_a, entity)
    make_approved_bank_account(supplier_a, number="6222020200119876")
    with Receiver() as payments, Receiver() as masters:
        _add_webhook(as_admin, payments.url, ["payment.made"])
        _add_webhook(as_admin, masters.url, ["supplier.changed"])
        with django_capture_on_commit_callbacks(execute=True):
            paid = finance_api(
                f"/api/statements/{statement.pk}/payment", {"amount": "1130.00", "bank_reference": "CNAPS-1"}
            )
        assert paid.status_code == 201, paid.content
        with django_capture_on_commit_callbacks(execute=True):
            suspended = as_admin.post(
                f"/api/suppliers/{supplier_a.pk}/suspend",
                {"reason": "licence expired"},
                content_type="application/json",
            )
        assert suspended.status_code == 200, suspended.content

    [payment] = [json.loads(r.body) for r in payments.requests]
    assert payment["type"] == "payment.made"
    assert payment["data"]["payment"]["amount"] == "1130.00"
    assert payment["data"]["payment"]["bank_reference"] == "CNAPS-1"
    assert payment["data"]["payment"]["invoices"][0]["number"] == "26312000000000000077"
    assert "6222020200119876" not in json.dumps(payment)  # never a bank account number
    [change] = [json.loads(r.body) for r in masters.requests]
    assert change["type"] == "supplier.changed"
    assert change["data"]["change"] == "suspend" and change["data"]["supplier"]["state"] == "suspended"


@pytest.mark.parametrize(
    "url, code",
    [
        ("ftp://erp.example.com/hook", "url_scheme_refused"),
        ("file:///etc/passwd", "url_scheme_refused"),
        ("javascript:alert(1)", "url_scheme_refused"),
        ("http://user:pw@erp.example.com/", "url_invalid"),
        ("http://127.0.0.1:8000/admin/", "url_private_address_refused"),
        ("http://localhost/", "url_private_address_refused"),
        ("http://10.1.2.3/hook", "url_private_address_refused"),
        ("http://169.254.169.254/latest/meta-data/", "url_private_address_refused"),
        ("http://[::1]/", "url_private_address_refused"),
        ("http://[::ffff:192.168.0.1]/", "url_private_address_refused"),
    ],
)
@override_settings(INTEGRATIONS_ALLOW_PRIVATE_URLS=False)
def test_a_url_outside_http_or_inside_the_network_is_refused_and_nothing_is_saved(as_admin, admin, url, code):
    response = _add_webhook(as_admin, url, ["invoice.approved"])
    assert response.status_code == 400
    assert Endpoint.objects.count() == 0
    with pytest.raises(services.DomainError) as refused:
        services.endpoint_save(actor=admin, kind="webhook", name="x", url=url, events=["invoice.approved"])
    assert refused.value.code == code


def test_an_endpoint_that_points_inside_the_network_by_now_is_refused_at_send_and_logged(
    admin, supplier_a, entity, finance, django_capture_on_commit_callbacks
):
    from settlement.services.exceptions import exception_accept

    with Receiver() as inside:
        services.endpoint_save(
            actor=admin, kind="webhook", name="ERP", url=inside.url, events=["invoice.approved"]
        )
        with (
            override_settings(INTEGRATIONS_ALLOW_PRIVATE_URLS=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            exception_accept(
                invoice_id=make_invoice(supplier_a, entity, state="exception").pk, actor=finance, reason="ok"
            )
    delivery = Delivery.objects.get()
    assert delivery.state == "retrying" and "private network" in delivery.last_error
    assert inside.requests == []


def test_only_administrators_reach_the_integration_pages(client, finance, supplier_user_a, admin):
    services.endpoint_save(
        actor=admin, kind="webhook", name="ERP", url="https://erp.example.com/h", events=["invoice.approved"]
    )
    for user in (finance, supplier_user_a):
        client.force_login(user)
        for url in ("/integrations/webhooks/", "/integrations/channels/", "/integrations/deliveries/"):
            assert client.get(url).status_code == 403
        assert (
            client.post("/integrations/webhooks/", {"name": "x", "url": "https://e.example/"}).status_code
            == 403
        )
    assert Endpoint.objects.count() == 1


def test_a_secret_left_empty_is_made_by_the_portal_and_shown_once(as_admin):
    response = as_admin.post(
        "/integrations/webhooks/",
        {
            "name": "ERP",
            "url": "https://erp.example.com/hook",
            "events": ["invoice.approved"],
            "is_active": "on",
        },
        follow=True,
    )
    page = response.content.decode()
    endpoint = Endpoint.objects.get()
    secret = services.endpoint_secret(endpoint)
    assert secret.startswith("whsec_") and secret in page
    assert secret not in as_admin.get("/integrations/webhooks/").content.decode()
