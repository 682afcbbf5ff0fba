"""Finance's request for a credit note (红字发票) reaches the users of the invoice's supplier:
inbox always, e-mail (by the Celery task, after commit) unless they turned the kind off."""

import pytest
from django.core import mail

from core.errors import IllegalTransition
from notifications.kinds import render
from notifications.models import Notification
from notifications.services import email_preferences_set
from settlement.services import exceptions as desk
from settlement.services.matching import invoice_match
from tests.factories import LegalEntityFactory, make_supplier_user
from tests.settlement.match_flow_builders import line, make_invoice, make_po, po_lines, receive

pytestmark = pytest.mark.django_db
MESSAGE = "请开红字发票 0.20/件 — credit 0.20 per piece"


@pytest.fixture
def drifted(buyer, supplier_a):
    """An invoice of supplier A 10 % above the PO price: on the exception desk."""
    entity = LegalEntityFactory()
    po = make_po(buyer, supplier_a, entity, [("螺栓 M8", 100, "2.00")])
    receive(buyer, po, {po_lines(po)[0]: 100})
    invoice = make_invoice(supplier_a, entity, [line("螺栓 M8", 100, "2.20")])
    invoice_match(invoice_id=invoice.pk)
    invoice.refresh_from_db()
    assert invoice.state == "exception"
    return invoice


def _request(drifted, finance, capture):
    with capture(execute=True):
        desk.exception_request_credit_note(invoice_id=drifted.pk, actor=finance, message=MESSAGE)


def test_the_suppliers_users_get_the_request_with_the_invoice_number_and_finances_message(
    drifted, finance, supplier_user_a, supplier_user_b, django_capture_on_commit_callbacks
):
    colleague = make_supplier_user(drifted.supplier, "alice2")
    _request(drifted, finance, django_capture_on_commit_callbacks)

    for user in (supplier_user_a, colleague):
        note = Notification.objects.get(user=user, kind="credit_note_requested")
        assert note.url == f"/invoices/{drifted.pk}/"
        assert note.params == {"number": drifted.invoice_number, "message": MESSAGE}
        assert drifted.invoice_number in note.subject and MESSAGE in note.body
    assert not Notification.objects.filter(user=supplier_user_b).exists()
    assert not Notification.objects.filter(user=finance, kind="credit_note_requested").exists()


def test_the_request_is_emailed_to_those_who_want_it_and_not_to_those_who_opted_out(
    drifted, finance, supplier_user_a, django_capture_on_commit_callbacks
):
    supplier_user_a.email = "alice@a.example.cn"
    supplier_user_a.save()
    muted = make_supplier_user(drifted.supplier, "muted")
    muted.email = "muted@a.example.cn"
    muted.save()
    email_preferences_set(actor=muted, email_kinds=["po_to_acknowledge"])

    _request(drifted, finance, django_capture_on_commit_callbacks)

    sent = [m for m in mail.outbox if drifted.invoice_number in m.subject]
    assert [m.to for m in sent] == [["alice@a.example.cn"]]
    assert MESSAGE in sent[0].body and f"/invoices/{drifted.pk}/" in sent[0].body
    assert Notification.objects.filter(user=muted, kind="credit_note_requested", emailed_at=None).exists()
    assert Notification.objects.get(user=supplier_user_a, kind="credit_note_requested").emailed_at is not None


def test_a_refused_request_tells_nobody(
    drifted, finance, supplier_user_a, django_capture_on_commit_callbacks
):
    _request(drifted, finance, django_capture_on_commit_callbacks)
    with pytest.raises(IllegalTransition):
        desk.exception_request_credit_note(invoice_id=drifted.pk, actor=finance, message="again")
    assert Notification.objects.filter(user=supplier_user_a, kind="credit_note_requested").count() == 1


def test_the_kind_fills_the_invoice_number_and_the_message_in():
    subject, body = render("credit_note_requested", {"number": "F-7", "message": "0.20"}, language="en")
    assert subject == "A credit note is requested for invoice F-7"
    assert body == "Finance asks for a credit note (红字发票) for invoice F-7: 0.20"
