"""Nothing is lost between commit and queue: with the broker unreachable, every kind of action
commits and records its follow-ups; once the broker is back, the sweeper sends them and a real
worker runs each follow-up exactly once (e-mails counted at a real SMTP server)."""

import os
import time

import pytest
from django.db import transaction

from core.models import OutboxTask
from core.queue import outbox_sweep
from invoicing.models import Invoice
from invoicing.services import invoice_upload
from procurement.services import purchase_order_send
from suppliers.services import supplier_invite
from tests.factories import (
    LegalEntityFactory,
    SupplierFactory,
    UserFactory,
    make_purchase_order,
    make_supplier_user,
)
from tests.invoicing.cn_xml_builder import BUYER_ID, SELLER_ID, build_cn_xml
from tests.smtp import SmtpServer, free_port


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def worker_with_smtp(transactional_db, smtp, request, monkeypatch, settings):
    """A real worker (tests/integration/conftest.py) that sends its e-mail to the test's SMTP server."""
    for name, value in server_env(smtp).items():
        monkeypatch.setenv(name, value)
    for name, value in smtp.settings().items():
        setattr(settings, name, value)
    return request.getfixturevalue("celery_worker")


def server_env(smtp) -> dict:
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "EMAIL_USE_TLS": "0",
        "EMAIL_USE_SSL": "0",
        "EMAIL_TIMEOUT": "5",
    }


def _use_broker(app, url: str) -> None:
    os.environ["CELERY_BROKER_URL"] = url  # Celery reads it before its configuration
    app.conf.broker_url = url
    app._pool = None  # connections and producers are made again for the new address
    app.amqp._producer_pool = None


def _wait(condition, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return condition()


def test_every_follow_up_of_an_outage_runs_once_after_the_broker_is_back(worker_with_smtp, smtp):
    app = worker_with_smtp["app"]
    inbox = smtp.inbox
    LegalEntityFactory(tax_id=BUYER_ID)
    supplier = SupplierFactory(tax_id=SELLER_ID, state="approved", contact_email="")
    seller = make_supplier_user(supplier, "outage-seller")
    seller.email = "seller@supplier.example"
    seller.save()
    UserFactory(username="outage-finance", role="finance", email="finance@buyer.example")
    buyer = UserFactory(username="outage-buyer", role="buyer", email="buyer@buyer.example")
    po = make_purchase_order(requester=buyer, supplier=supplier, state="approved")
    assert _wait(lambda: not OutboxTask.objects.filter(finished_at__isnull=True).exists())
    OutboxTask.objects.all().delete()  # the set-up's own follow-ups ran; count the outage's only

    real_broker = os.environ["CELERY_BROKER_URL"]
    _use_broker(app, f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    try:
        invoice, created = invoice_upload(
            supplier=supplier, data=build_cn_xml(), filename="a.xml", actor=seller
        )
        purchase_order_send(po=po, actor=buyer)
        supplier_invite(email="new@vendor.example", actor=buyer)
        with transaction.atomic():  # a PO line changes twice in one transaction: one refresh
            line = po.lines.get()
            line.description = "changed once"
            line.save()
            line.description = "changed twice"
            line.save()
    finally:
        _use_broker(app, real_broker)
    assert created
    recorded = list(OutboxTask.objects.order_by("pk").values_list("name", "attempts", "dispatched_at"))
    assert sorted(name for name, _a, _d in recorded) == sorted(
        [
            "invoicing.validate_invoice",
            "procurement.notify_supplier_of_po",
            "notifications.send_email",  # the PO to acknowledge, to the seller
            "core.send_email",  # the invitation
            "settlement.refresh_match_staleness",
        ]
    )
    assert all(attempts == 1 and dispatched is None for _n, attempts, dispatched in recorded)
    assert all(
        "111" in e or "refused" in e.lower() for e in OutboxTask.objects.values_list("last_error", flat=True)
    )
    time.sleep(1)
    assert Invoice.objects.get(pk=invoice.pk).state == "received" and inbox.messages == []

    assert outbox_sweep(grace_seconds=0)["sent"] == len(recorded)

    # validation, then matching (no receipt: an exception) and the exception's e-mail to finance,
    # are each recorded by the worker and run there
    assert _wait(lambda: Invoice.objects.get(pk=invoice.pk).state == "exception")
    assert _wait(lambda: not OutboxTask.objects.filter(finished_at__isnull=True).exists())
    assert outbox_sweep(grace_seconds=0)["sent"] == 0
    time.sleep(2)  # a duplicate would arrive now
    received = sorted((m.recipients[0], m.subject) for m in inbox.messages)
    assert [r for r, _s in received] == sorted(
        ["seller@supplier.example", "new@vendor.example", "finance@buyer.example"]
    )
    names = list(OutboxTask.objects.values_list("name", flat=True))
    assert sorted(names) == sorted(
        [name for name, _a, _d in recorded]
        # recorded by the worker: matching, the authenticity check (发票查验) and the exception's e-mail
        + ["settlement.match_invoice", "invoicing.verify_invoice_tax", "notifications.send_email"]
    )
    assert all(
        a == 1
        for a in OutboxTask.objects.exclude(name__in=[n for n, _a, _d in recorded]).values_list(
            "attempts", flat=True
        )
    )
