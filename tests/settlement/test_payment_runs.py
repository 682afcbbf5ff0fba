"""Payment runs through the pages: finance proposes what is due, reviews it (partial amounts,
removing lines), another finance user approves (two above the threshold, never the proposer),
exports pain.001 and CSV, and marks it paid; holds are respected; nobody else sees a run."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from core.selectors import transition_log_for
from invoicing.models import Invoice
from settlement import pain001
from settlement.models import Payment, PaymentInvoice, PaymentRun, Statement
from tests.factories import make_approved_bank_account
from tests.settlement.payment_run_builders import (
    approved_statement,
    approver,
    entity_with_house_account,
    supplier_accounts,
)

pytestmark = pytest.mark.django_db
NS = {"p": pain001.NS}
FAR = (date.today() + timedelta(days=400)).isoformat()


@pytest.fixture
def entity(db):
    return entity_with_house_account()


@pytest.fixture
def two_due(finance, entity, supplier_a, supplier_b, supplier_user_a, supplier_user_b):
    supplier_accounts(supplier_a, supplier_b)
    a = approved_statement(supplier_a, supplier_user_a, entity, finance, net="1000.00")
    b = approved_statement(supplier_b, supplier_user_b, entity, finance, net="2000.00")
    return a, b


def _refusal(response) -> str:
    """A refused form post: back to the page with the error as a message (core.middleware)."""
    from django.contrib.messages import get_messages

    assert response.status_code == 302
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert texts, "no error message"
    return " ".join(texts)


def propose_run(client, entity, due_by=FAR):
    response = client.post(
        reverse("payment-run-new"), {"legal_entity": entity.pk, "currency": "CNY", "due_by": due_by}
    )
    assert response.status_code == 302, response.content[:500]
    return PaymentRun.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def test_finance_proposes_a_run_of_everything_due_grouped_per_supplier(client_as, finance, entity, two_due):
    run = propose_run(client_as(finance), entity)

    assert run.state == "proposed" and run.total == Decimal("3390.00")
    assert {(line.statement_id, line.amount) for line in run.lines.all()} == {
        (two_due[0].pk, Decimal("1130.00")),
        (two_due[1].pk, Decimal("2260.00")),
    }
    page = client_as(finance).get(reverse("payment-run-detail", args=[run.pk])).content.decode()
    assert two_due[0].number in page and two_due[1].number in page and "6222" not in page


def test_the_proposer_cannot_approve_and_a_second_person_can(client_as, finance, entity, two_due):
    run = propose_run(client_as(finance), entity)

    refused = client_as(finance).post(reverse("payment-run-approve", args=[run.pk]))
    assert refused.status_code == 403
    run.refresh_from_db()
    assert run.state == "proposed" and not run.approvals.exists()

    client_as(approver("finance2")).post(reverse("payment-run-approve", args=[run.pk]))
    run.refresh_from_db()
    assert run.state == "approved"
    assert transition_log_for(run).get(transition="approve").actor.username == "finance2"


def test_above_the_threshold_two_other_finance_users_approve(client_as, finance, entity, two_due, settings):
    settings.PAYMENT_RUN_SECOND_APPROVAL_ABOVE = "3000.00"
    run = propose_run(client_as(finance), entity)
    assert run.approvals_required == 2

    second = approver("finance2")
    client_as(second).post(reverse("payment-run-approve", args=[run.pk]))
    run.refresh_from_db()
    assert run.state == "in_approval"
    again = client_as(second).post(reverse("payment-run-approve", args=[run.pk]))
    assert again.status_code == 403
    client_as(approver("finance3")).post(reverse("payment-run-approve", args=[run.pk]))
    run.refresh_from_db()
    assert run.state == "approved" and run.approvals.count() == 2


def test_review_takes_a_line_out_and_pays_part_of_another(client_as, finance, entity, two_due):
    a, b = two_due
    c = client_as(finance)
    run = propose_run(c, entity)
    line_a = run.lines.get(statement=a)
    bad = c.post(reverse("payment-run-line-amount", args=[run.pk, line_a.pk]), {"amount": "1130.01"})
    assert "at most" in _refusal(bad) and run.lines.get(pk=line_a.pk).amount == Decimal("1130.00")
    c.post(reverse("payment-run-line-amount", args=[run.pk, line_a.pk]), {"amount": "500.00"})
    c.post(reverse("payment-run-line-remove", args=[run.pk, run.lines.get(statement=b).pk]))
    run.refresh_from_db()
    assert run.total == Decimal("500.00") and run.lines.count() == 1

    client_as(approver("finance2")).post(reverse("payment-run-approve", args=[run.pk]))
    c.post(reverse("payment-run-confirm", args=[run.pk]), {"bank_reference": "CNAPS-1"})

    run.refresh_from_db()
    a.refresh_from_db()
    assert run.state == "paid"
    assert a.state == "approved" and a.paid_amount == Decimal("500.00") and a.open_amount == Decimal("630.00")
    payment = Payment.objects.get(statement=a)
    assert not payment.is_final and payment.run_line.run == run and not PaymentInvoice.objects.exists()
    assert set(Invoice.objects.filter(statement_lines__statement=a).values_list("state", flat=True)) == {
        "scheduled"
    }

    # the rest goes in the next run, and then the statement and its invoice are paid
    run2 = propose_run(c, entity)
    assert {(line.statement_id, line.amount) for line in run2.lines.all()} == {
        (a.pk, Decimal("630.00")),
        (b.pk, Decimal("2260.00")),
    }
    client_as(approver("finance3")).post(reverse("payment-run-approve", args=[run2.pk]))
    c.post(reverse("payment-run-confirm", args=[run2.pk]), {"bank_reference": "CNAPS-2"})
    a.refresh_from_db()
    assert a.state == "paid" and a.paid_amount == a.gross_total
    assert set(Invoice.objects.filter(statement_lines__statement=a).values_list("state", flat=True)) == {
        "paid"
    }
    assert Payment.objects.filter(statement=a).count() == 2
    assert Payment.objects.get(statement=a, is_final=True).invoices.count() == 1


def test_the_exported_pain001_validates_and_carries_the_transfers(client_as, finance, entity, two_due):
    c = client_as(finance)
    run = propose_run(c, entity)
    client_as(approver("finance2")).post(reverse("payment-run-approve", args=[run.pk]))

    response = c.post(reverse("payment-run-export-xml", args=[run.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "application/xml"
    pain001.validate(response.content)  # against the official XSD
    doc = etree.fromstring(response.content)
    assert doc.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS) == "3390.00"
    amounts = sorted(e.text for e in doc.iterfind(".//p:InstdAmt", NS))
    assert amounts == ["1130.00", "2260.00"]
    accounts = {e.text for e in doc.iterfind(".//p:CdtrAcct/p:Id/p:Othr/p:Id", NS)}
    assert accounts == {"6222020200119876", "6217000011114444"}
    assert doc.findtext(".//p:DbtrAcct/p:Id/p:Othr/p:Id", namespaces=NS) == "1001234509876543210"
    run.refresh_from_db()
    assert run.state == "exported" and run.message_id
    assert transition_log_for(run).filter(transition="export").exists()


def test_a_file_that_breaks_the_schema_is_refused():
    with pytest.raises(pain001.InvalidPaymentFile):
        pain001.validate(
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><Nope/></Document>'
        )


def test_the_csv_export_guards_formulas(client_as, finance, entity, supplier_a, supplier_user_a):
    supplier_a.name = "=HYPERLINK(1)"
    supplier_a.save()
    make_approved_bank_account(supplier_a)
    approved_statement(supplier_a, supplier_user_a, entity, finance)
    c = client_as(finance)
    run = propose_run(c, entity)
    client_as(approver("finance2")).post(reverse("payment-run-approve", args=[run.pk]))

    body = c.post(reverse("payment-run-export-csv", args=[run.pk])).content.decode("utf-8-sig")

    assert "'=HYPERLINK(1)" in body and "1130.00" in body and ",=" not in body


def test_a_statement_on_hold_is_left_out_with_the_reason(client_as, finance, entity, two_due):
    a, b = two_due
    c = client_as(finance)
    refused = c.post(reverse("statement-hold", args=[a.pk]), {"on_hold": "1", "reason": ""})
    assert "reason" in _refusal(refused) and not Statement.objects.get(pk=a.pk).on_hold
    c.post(reverse("statement-hold", args=[a.pk]), {"on_hold": "1", "reason": "货物质量争议"})
    assert Statement.objects.get(pk=a.pk).on_hold

    run = propose_run(c, entity)

    assert list(run.lines.values_list("statement_id", flat=True)) == [b.pk]
    assert run.skipped == [{"statement": a.number, "supplier": a.supplier.name, "code": "statement_on_hold"}]
    page = c.get(reverse("payment-run-detail", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "payment on hold" in page
    assert transition_log_for(a).filter(transition="payment_hold", reason="货物质量争议").exists()


def test_nothing_due_by_the_date_is_a_clear_refusal(client_as, finance, entity, two_due):
    yesterday = (timezone.localdate() - timedelta(days=3650)).isoformat()
    response = client_as(finance).post(
        reverse("payment-run-new"), {"legal_entity": entity.pk, "currency": "CNY", "due_by": yesterday}
    )
    assert "due by" in _refusal(response) and not PaymentRun.objects.exists()


def test_a_statement_in_a_run_cannot_be_paid_by_hand(client_as, finance, entity, two_due):
    a, _b = two_due
    c = client_as(finance)
    propose_run(c, entity)
    response = c.post(reverse("statement-pay", args=[a.pk]), {"amount": "1130.00", "bank_reference": "X"})
    assert "payment run" in _refusal(response) and not Payment.objects.exists()


def test_supplier_users_and_buyers_never_see_a_run(
    client_as, finance, entity, two_due, supplier_user_a, buyer
):
    run = propose_run(client_as(finance), entity)
    for user in (supplier_user_a, buyer):
        assert client_as(user).get(reverse("payment-run-detail", args=[run.pk])).status_code in (403, 404)
        assert client_as(user).post(reverse("payment-run-approve", args=[run.pk])).status_code in (403, 404)
    run.refresh_from_db()
    assert run.state == "proposed"
