"""Payment runs through the pages: approved invoices due but on no statement ("loose") are
proposed beside statements, one line per supplier and approved account, with their credit notes
netted only against their own supplier and only when the original is on the line or paid; holds
respected; paid once (the database refuses a second payment of an invoice). Early-payment
discounts (2/10 net 30) within the window are deducted, shown with the terms, carried into the
bank files, and can be overridden per line with a history row."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from core.models import TransitionLog
from core.selectors import transition_log_for
from settlement import pain001
from settlement.models import Payment, PaymentInvoice
from settlement.services.terms import invoice_hold_set
from suppliers.models import PaymentTerm
from tests.settlement.payment_run_builders import (
    approved_invoice,
    approved_statement,
    approver,
    entity_with_house_account,
    pay_run,
    propose_run,
    supplier_accounts,
)
from tests.settlement.statement_builders import make_invoice

pytestmark = pytest.mark.django_db
NS = {"p": pain001.NS}


@pytest.fixture
def entity(db):
    return entity_with_house_account()


@pytest.fixture
def accounts(supplier_a, supplier_b):
    supplier_accounts(supplier_a, supplier_b)


def _today():
    return timezone.localdate()


def test_loose_invoices_are_proposed_beside_statements_per_supplier_and_paid_once(
    client_as, finance, entity, accounts, supplier_a, supplier_b, supplier_user_a
):
    statement = approved_statement(supplier_a, supplier_user_a, entity, finance, net="500.00")
    a1 = approved_invoice(supplier_a, entity, finance, net="1000.00")
    a2 = approved_invoice(supplier_a, entity, finance, net="200.00")
    b1 = approved_invoice(supplier_b, entity, finance, net="300.00")
    not_due = approved_invoice(supplier_b, entity, finance, net="50.00", days_ago=0, term="net-60")
    held = approved_invoice(supplier_a, entity, finance, net="70.00")
    invoice_hold_set(invoice=held, on_hold=True, reason="发票待核实", actor=finance)

    run = propose_run(client_as(finance), entity, due_by=_today() + timedelta(days=30))

    by_supplier = {line.supplier_id: line for line in run.lines.filter(statement__isnull=True)}
    assert set(by_supplier) == {supplier_a.pk, supplier_b.pk}
    line_a = by_supplier[supplier_a.pk]
    assert {link.invoice_id for link in line_a.invoice_links.all()} == {a1.pk, a2.pk}
    assert line_a.amount == Decimal("1356.00")  # (1000 + 200) × 1.13
    assert {link.invoice_id for link in by_supplier[supplier_b.pk].invoice_links.all()} == {b1.pk}
    assert run.lines.get(statement=statement).amount == Decimal("565.00")
    assert run.total == Decimal("1356.00") + Decimal("339.00") + Decimal("565.00")
    assert not run.lines.filter(invoice_links__invoice=not_due).exists()
    assert [row["code"] for row in run.skipped if row.get("invoice_id") == held.pk] == ["invoice_on_hold"]

    page = client_as(finance).get(reverse("payment-run-detail", args=[run.pk])).content.decode()
    assert str(a1) in page and str(b1) in page and statement.number in page
    assert "an invoice on it is on hold" in page

    pay_run(client_as, finance, run)
    for invoice in (a1, a2, b1):
        invoice.refresh_from_db()
        assert invoice.state == "paid"
        assert PaymentInvoice.objects.get(invoice=invoice).payment.run_line.run == run
    payment = Payment.objects.get(run_line=line_a)
    assert payment.statement_id is None and payment.amount == Decimal("1356.00")
    # paid once, by the database: a second payment row for the same invoice is refused
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentInvoice.objects.create(payment=payment, invoice=a1, amount=Decimal("1.00"))
    # and the next run does not propose them again
    again = propose_run(client_as(finance), entity)  # the one not due then is due by now
    assert again.lines.filter(invoice_links__invoice=not_due).exists()
    assert not again.lines.filter(invoice_links__invoice__in=[a1, a2, b1]).exists()


def test_an_invoice_in_a_live_run_is_not_gathered_into_a_statement(
    client_as, finance, entity, accounts, supplier_a
):
    from settlement.services import statements as svc

    invoice = approved_invoice(supplier_a, entity, finance, net="100.00")
    run = propose_run(client_as(finance), entity)
    after = approved_invoice(supplier_a, entity, finance, net="40.00")
    statement = svc.statement_create(
        kind="invoice_first",
        supplier=supplier_a,
        legal_entity=entity,
        period_from=_today() - timedelta(days=30),
        period_to=_today(),
        actor=finance,
    )
    assert not statement.lines.filter(invoice=invoice, is_live=True).exists()
    assert statement.lines.filter(invoice=after, is_live=True).exists()
    refused = client_as(finance).post(
        reverse("statement-invoice-add", args=[statement.pk]), {"invoice": invoice.pk}
    )
    assert refused.status_code == 302
    from django.contrib.messages import get_messages

    assert "is in payment run" in " ".join(str(m) for m in get_messages(refused.wsgi_request))
    assert not statement.lines.filter(invoice=invoice, is_live=True).exists()
    assert run.lines.filter(invoice_links__invoice=invoice).exists()


def test_credit_notes_net_only_against_their_own_supplier_and_an_approved_or_paid_original(
    client_as, finance, entity, accounts, supplier_a, supplier_b
):
    original = approved_invoice(supplier_a, entity, finance, net="1000.00")
    credit = approved_invoice(supplier_a, entity, finance, net="100.00", credit_of=original)
    other = approved_invoice(supplier_b, entity, finance, net="400.00")
    # a credit note of B's whose original is only matched (not approved): it waits
    waiting_original = make_invoice(supplier_b, entity, lines=(("300.00", "0.13"),), state="matched")
    waiting = approved_invoice(supplier_b, entity, finance, net="30.00", credit_of=waiting_original)

    run = propose_run(client_as(finance), entity)

    line_a = run.lines.get(supplier=supplier_a, statement__isnull=True)
    assert {(link.invoice_id, link.gross) for link in line_a.invoice_links.all()} == {
        (original.pk, Decimal("1130.00")),
        (credit.pk, Decimal("-113.00")),
    }
    assert line_a.amount == Decimal("1017.00")
    line_b = run.lines.get(supplier=supplier_b, statement__isnull=True)
    assert {link.invoice_id for link in line_b.invoice_links.all()} == {other.pk}
    assert line_b.amount == Decimal("452.00")
    assert not run.lines.filter(invoice_links__invoice=waiting).exists()

    pay_run(client_as, finance, run)
    credit.refresh_from_db()
    assert credit.state == "paid" and PaymentInvoice.objects.get(invoice=credit).amount == Decimal("-113.00")


def test_a_credit_note_of_a_paid_original_is_set_off_in_the_next_run(
    client_as, finance, entity, accounts, supplier_a
):
    original = approved_invoice(supplier_a, entity, finance, net="1000.00")
    pay_run(client_as, finance, propose_run(client_as(finance), entity))
    credit = approved_invoice(supplier_a, entity, finance, net="100.00", credit_of=original)
    later = approved_invoice(supplier_a, entity, finance, net="500.00")

    run = propose_run(client_as(finance), entity)

    line = run.lines.get(statement__isnull=True)
    assert {link.invoice_id for link in line.invoice_links.all()} == {later.pk, credit.pk}
    assert line.amount == Decimal("565.00") - Decimal("113.00")


def test_the_discount_within_the_window_is_deducted_shown_and_exported(
    client_as, finance, entity, accounts, supplier_a
):
    invoice = approved_invoice(supplier_a, entity, finance, net="1000.00", days_ago=3, term="2-10-net-30")
    assert invoice.due.discount_until == _today() + timedelta(days=7)

    run = propose_run(client_as(finance), entity)

    line = run.lines.get()
    assert line.open_amount == Decimal("1130.00")
    assert line.discount_amount == Decimal("22.60") and line.discount_taken
    assert line.amount == Decimal("1107.40") and run.total == Decimal("1107.40")
    assert line.discount_term.code == "2-10-net-30"
    page = client_as(finance).get(reverse("payment-run-detail", args=[run.pk])).content.decode()
    assert "¥22.60" in page and "2% 10, net 30" in page and "¥1,107.40" in page

    approver_user = approver("disc-approver")
    client_as(approver_user).post(reverse("payment-run-approve", args=[run.pk]))
    xml = client_as(finance).post(reverse("payment-run-export-xml", args=[run.pk])).content
    amounts = etree.fromstring(xml).xpath("//p:CdtTrfTxInf/p:Amt/p:InstdAmt/text()", namespaces=NS)
    assert amounts == ["1107.40"]
    body = (
        client_as(finance).post(reverse("payment-run-export-csv", args=[run.pk])).content.decode("utf-8-sig")
    )
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[1][7] == "1107.40"

    client_as(finance).post(reverse("payment-run-confirm", args=[run.pk]), {"bank_reference": "CNAPS-D"})
    payment = Payment.objects.get(run_line=line)
    assert payment.amount == Decimal("1107.40") and payment.discount_amount == Decimal("22.60")
    assert PaymentInvoice.objects.get(invoice=invoice).amount == Decimal("1107.40")


def test_after_the_window_the_full_amount_is_paid(client_as, finance, entity, accounts, supplier_a):
    approved_invoice(supplier_a, entity, finance, net="1000.00", days_ago=3, term="2-10-net-30")

    run = propose_run(client_as(finance), entity, execution_date=_today() + timedelta(days=8))

    line = run.lines.get()
    assert line.discount_amount == Decimal("0.00") and line.amount == Decimal("1130.00")


def test_finance_overrides_the_discount_per_line_recorded_in_history(
    client_as, finance, entity, accounts, supplier_a
):
    approved_invoice(supplier_a, entity, finance, net="1000.00", days_ago=3, term="2-10-net-30")
    c = client_as(finance)
    run = propose_run(c, entity)
    line = run.lines.get()

    c.post(
        reverse("payment-run-line-discount", args=[run.pk, line.pk]),
        {"take": "0", "reason": "供应商要求全额"},
    )
    line.refresh_from_db()
    run.refresh_from_db()
    assert not line.discount_taken and line.amount == Decimal("1130.00") and run.total == Decimal("1130.00")
    row = transition_log_for(run).get(transition="discount_forgo")
    assert row.reason_code == "run.discount_forgo" and row.actor == finance
    assert "供应商要求全额" in row.reason_text and "22.60" in row.reason_text

    c.post(reverse("payment-run-line-discount", args=[run.pk, line.pk]), {"take": "1"})
    line.refresh_from_db()
    assert line.discount_taken and line.amount == Decimal("1107.40")
    assert transition_log_for(run).filter(transition="discount_take").exists()
    page = c.get(reverse("payment-run-detail", args=[run.pk])).content.decode()
    assert "Early-payment discount taken" in page and "Early-payment discount not taken" in page

    # a supplier user cannot touch a run
    from tests.factories import UserFactory

    outsider = UserFactory(username="buyer-x", role="buyer")
    assert client_as(outsider).post(
        reverse("payment-run-line-discount", args=[run.pk, line.pk]), {"take": "0"}
    ).status_code in (403, 404)
    line.refresh_from_db()
    assert line.discount_taken


def test_a_statements_discount_is_taken_and_counted_as_settled(
    client_as, finance, entity, accounts, supplier_a, supplier_user_a
):
    from settlement.services import statements as svc

    supplier_a.payment_term = PaymentTerm.objects.get(code="2-10-net-30")
    supplier_a.save()
    approved_invoice(supplier_a, entity, finance, net="1000.00", days_ago=3)
    statement = svc.statement_create(
        kind="invoice_first",
        supplier=supplier_a,
        legal_entity=entity,
        period_from=_today() - timedelta(days=5),
        period_to=_today() - timedelta(days=1),  # the window: 10 days from the period's end
        actor=finance,
    )
    statement = svc.statement_send(statement=statement, actor=finance)
    statement = svc.statement_confirm(statement=statement, actor=supplier_user_a)
    statement = svc.statement_approve(statement=statement, actor=approver("st-approver"))

    run = propose_run(client_as(finance), entity)

    line = run.lines.get(statement=statement)
    assert line.discount_taken and line.discount_amount == Decimal("22.60")
    assert line.amount == Decimal("1107.40") and not line.is_partial
    pay_run(client_as, finance, run)
    statement.refresh_from_db()
    assert statement.state == "paid" and statement.paid_amount == Decimal("1130.00")
    payment = Payment.objects.get(statement=statement)
    assert payment.amount == Decimal("1107.40") and payment.discount_amount == Decimal("22.60")
    # the supplier's account reads the transfer and the discount; nothing left open
    account = client_as(supplier_user_a).get(reverse("supplier-account", args=[supplier_a.pk]))
    assert account.context["account"]["closing"] == Decimal("0.00")


def test_a_part_payment_reason_is_a_text_in_the_readers_language(
    client_as, finance, entity, accounts, supplier_a, supplier_user_a
):
    statement = approved_statement(supplier_a, supplier_user_a, entity, finance, net="1000.00")
    c = client_as(finance)
    run = propose_run(c, entity)
    line = run.lines.get(statement=statement)
    c.post(reverse("payment-run-line-amount", args=[run.pk, line.pk]), {"amount": "500.00"})
    pay_run(client_as, finance, run, reference="CNAPS-PART")

    row = TransitionLog.objects.get(transition="pay_partly", object_id=str(statement.pk))
    assert row.reason_code == "pay.partly"
    assert row.reason_params["amount"] == {"money": "500.00", "currency": "CNY"}
    assert row.reason_params["reference"].startswith("CNAPS-PART")
    english = c.get(
        reverse("statement-detail", args=[statement.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "¥500.00 paid, bank reference CNAPS-PART" in english
    chinese = c.get(
        reverse("statement-detail", args=[statement.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "¥500.00" in chinese and "CNAPS-PART" in chinese
