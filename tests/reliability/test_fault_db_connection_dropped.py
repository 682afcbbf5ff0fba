"""The database connection dropped in the middle of a transition (pg_terminate_backend of the
session's own backend, from a second connection): the document is either fully in the new state
or still in the old one, with its transition log and history matching — never in between."""

from contextlib import contextmanager

import psycopg
import pytest
from django.db import DatabaseError, connection
from django.db.models.signals import post_save
from django_fsm.signals import post_transition

from core.models import TransitionLog
from core.services import run_transition
from invoicing import tasks
from invoicing.models import Invoice
from invoicing.services import invoice_upload, invoice_validate
from procurement.models import PurchaseOrder
from tests.factories import SupplierFactory, UserFactory, make_purchase_order
from tests.invoicing.cn_xml_builder import build_cn_xml
from tests.reliability.conftest import assert_validated_once

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def terminate_own_backend() -> None:
    """Kill this connection's server process from another connection, and wait until it is gone."""
    pid = connection.connection.info.backend_pid
    s = connection.settings_dict
    with psycopg.connect(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        user=s["USER"] or "postgres",
        password=s["PASSWORD"] or None,
        dbname=s["NAME"],
        autocommit=True,
    ) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s, 10000)", [pid]).fetchone()[0]


@contextmanager
def connection_dropped_when(signal, sender, condition=lambda **kwargs: True):
    """Drop the connection the first time ``signal`` fires for ``sender`` (and ``condition`` holds)."""
    fired = []

    def receiver(sender, **kwargs):
        if not fired and condition(**kwargs):
            fired.append(kwargs)
            terminate_own_backend()

    signal.connect(receiver, sender=sender, weak=False)
    try:
        yield fired
    finally:
        signal.disconnect(receiver, sender=sender)
        connection.close()  # the broken connection; the next query opens a new one


def logs_of(obj, transition=None):
    qs = TransitionLog.objects.filter(object_id=str(obj.pk), content_type__model=obj._meta.model_name)
    return list(qs.filter(transition=transition) if transition else qs)


@pytest.fixture
def draft_po(postgres):
    buyer = UserFactory(username="buyer-db-drop", role="buyer")
    po = make_purchase_order(requester=buyer, supplier=SupplierFactory(state="approved"))
    return po, buyer


@pytest.mark.parametrize(
    "signal",
    [
        pytest.param(post_transition, id="after-the-log-row-before-the-state-is-saved"),
        pytest.param(post_save, id="after-the-state-is-saved-before-commit"),
    ],
)
def test_a_dropped_connection_during_a_po_transition_leaves_the_po_fully_in_its_old_state(draft_po, signal):
    po, buyer = draft_po
    history_before = po.history.count()
    with connection_dropped_when(signal, PurchaseOrder) as fired, pytest.raises(DatabaseError):
        run_transition(po, "submit", actor=buyer)
    assert fired, "the connection was never dropped"

    po = PurchaseOrder.objects.get(pk=po.pk)
    assert po.state == "draft"
    assert logs_of(po) == []
    assert po.history.count() == history_before

    # The same action again, on a new connection, completes once and is logged once.
    run_transition(po, "submit", actor=buyer)
    po.refresh_from_db()
    assert po.state == "pending_approval"
    assert [(log.source, log.target) for log in logs_of(po)] == [("draft", "pending_approval")]
    assert po.history.count() == history_before + 1


def test_a_dropped_connection_after_the_commit_leaves_the_po_fully_in_its_new_state(draft_po):
    po, buyer = draft_po
    run_transition(po, "submit", actor=buyer)
    terminate_own_backend()
    connection.close()
    po = PurchaseOrder.objects.get(pk=po.pk)
    assert po.state == "pending_approval"
    assert [(log.source, log.target) for log in logs_of(po)] == [("draft", "pending_approval")]


def test_a_dropped_connection_while_validating_leaves_no_half_validated_invoice(
    postgres, seller_user, our_entity, monkeypatch
):
    with monkeypatch.context() as m:
        m.setattr(tasks.validate_invoice, "apply_async", lambda *args, **kwargs: None)  # validate by hand
        invoice, _ = invoice_upload(
            supplier=seller_user.membership.supplier, data=build_cn_xml(), filename="a.xml", actor=seller_user
        )
    with (
        connection_dropped_when(
            post_transition, Invoice, lambda name, **kwargs: name == "pass_validation"
        ) as fired,
        pytest.raises(DatabaseError),
    ):
        invoice_validate(invoice_id=invoice.pk)
    assert fired

    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.state == "received"
    assert invoice.lines.count() == 0 and invoice.issues.count() == 0
    assert invoice.duplicate_key is None and invoice.validated_at is None
    assert logs_of(invoice) == []

    invoice_validate(invoice_id=invoice.pk)
    assert_validated_once(invoice.pk)
    assert invoice.lines.count() == 1
