"""Credit notes in settlement, as finance and the supplier meet them: a credit note reduces only
what its original invoice claimed, waits while the original is not payable, becomes a supplier
balance once the original is paid, and can be cancelled with a reason."""

from decimal import Decimal

import pytest

from core.selectors import transition_log_for
from invoicing.models import Invoice
from settlement.models import Statement, StatementLine
from tests.factories import LegalEntityFactory
from tests.settlement.statement_builders import PERIOD, make_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def entity(db):
    return LegalEntityFactory(name="上海采购有限公司")


def _create_statement(client, supplier, entity):
    return client.post(
        "/settlement/statements/new/",
        {
            "kind": "invoice_first",
            "supplier": supplier.pk,
            "legal_entity": entity.pk,
            "period_from": PERIOD[0].isoformat(),
            "period_to": PERIOD[1].isoformat(),
        },
    )


def _state(invoice):
    return Invoice.objects.get(pk=invoice.pk).state


def test_a_credit_note_whose_original_is_not_payable_is_not_netted_against_other_invoices(
    client_as, finance, supplier_a, entity
):
    original = make_invoice(supplier_a, entity, lines=(("675.00", "0.13"),), state="exception")
    credit = make_invoice(
        supplier_a, entity, lines=(("675.00", "0.13"),), credit_note=True, corrects=original
    )
    other = make_invoice(supplier_a, entity, lines=(("1000.00", "0.13"),))
    client = client_as(finance)

    response = _create_statement(client, supplier_a, entity)

    statement = Statement.objects.get()
    assert response.status_code == 302
    assert set(statement.lines.values_list("invoice_id", flat=True)) == {other.pk}
    assert statement.gross_total == Decimal("1130.00")  # nothing taken off for the credit note
    assert _state(credit) == "approved"
    page = client.get("/settlement/credit-notes/").content.decode()
    assert "waits for its original invoice" in page
    assert original.invoice_number in page


def test_finance_cannot_add_a_waiting_credit_note_to_a_statement_by_hand(
    client_as, finance, supplier_a, entity
):
    original = make_invoice(supplier_a, entity, state="exception")
    credit = make_invoice(
        supplier_a, entity, lines=(("100.00", "0.13"),), credit_note=True, corrects=original
    )
    make_invoice(supplier_a, entity)
    client = client_as(finance)
    _create_statement(client, supplier_a, entity)
    statement = Statement.objects.get()

    response = client.post(
        f"/settlement/statements/{statement.pk}/invoices/",
        {"invoice": credit.pk},
        HTTP_REFERER=f"/settlement/statements/{statement.pk}/",
        follow=True,
    )

    assert "the credit note waits for it" in response.content.decode()
    assert not StatementLine.objects.filter(invoice=credit).exists()
    assert _state(credit) == "approved"


def test_a_credit_note_goes_on_the_statement_with_its_original_and_leaves_with_it(
    client_as, finance, supplier_a, entity
):
    original = make_invoice(supplier_a, entity, lines=(("1000.00", "0.13"),))
    credit = make_invoice(
        supplier_a, entity, lines=(("100.00", "0.13"),), credit_note=True, corrects=original
    )
    client = client_as(finance)
    _create_statement(client, supplier_a, entity)
    statement = Statement.objects.get()
    assert statement.gross_total == Decimal("1017.00")
    line = statement.lines.get(invoice=original)

    client.post(f"/settlement/statements/{statement.pk}/lines/{line.pk}/remove/")

    assert not statement.lines.exists()
    assert _state(original) == "approved" and _state(credit) == "approved"


def test_a_credit_note_larger_than_its_original_is_not_netted(client_as, finance, supplier_a, entity):
    original = make_invoice(supplier_a, entity, lines=(("100.00", "0.13"),))
    credit = make_invoice(
        supplier_a, entity, lines=(("150.00", "0.13"),), credit_note=True, corrects=original
    )
    _create_statement(client_as(finance), supplier_a, entity)
    statement = Statement.objects.get()
    assert set(statement.lines.values_list("invoice_id", flat=True)) == {original.pk}
    assert _state(credit) == "approved"


def test_a_credit_note_of_a_paid_invoice_is_a_supplier_balance_settled_by_a_recorded_refund(
    client_as, finance, supplier_a, supplier_user_a, entity
):
    original = make_invoice(supplier_a, entity, lines=(("675.00", "0.13"),), state="paid")
    credit = make_invoice(
        supplier_a, entity, lines=(("675.00", "0.13"),), credit_note=True, corrects=original
    )
    make_invoice(supplier_a, entity, lines=(("1000.00", "0.13"),))
    client = client_as(finance)
    _create_statement(client, supplier_a, entity)
    assert Statement.objects.get().gross_total == Decimal("1130.00")

    page = client.get("/settlement/credit-notes/").content.decode()
    assert "owed back by the supplier" in page and "-CN¥762.75" in page
    supplier_page = client_as(supplier_user_a).get("/settlement/credit-notes/").content.decode()
    assert "-CN¥762.75" in supplier_page and "Record refund" not in supplier_page

    client = client_as(finance)
    client.post(f"/settlement/credit-notes/{credit.pk}/refund/", {"bank_reference": "RF-2026-01"})

    assert _state(credit) == "paid"
    assert transition_log_for(credit).filter(transition="pay", reason__contains="RF-2026-01").exists()
    assert "-762.75" not in client.get("/settlement/credit-notes/").content.decode()


def test_finance_cancels_a_credit_note_with_a_reason_and_not_without(client_as, finance, supplier_a, entity):
    original = make_invoice(supplier_a, entity, state="rejected")
    credit = make_invoice(
        supplier_a, entity, lines=(("100.00", "0.13"),), credit_note=True, corrects=original
    )
    client = client_as(finance)

    refused = client.post(
        f"/settlement/credit-notes/{credit.pk}/cancel/",
        {"reason": " "},
        HTTP_REFERER="/settlement/credit-notes/",
        follow=True,
    )
    assert "A reason is required" in refused.content.decode()
    assert _state(credit) == "approved"

    client.post(f"/settlement/credit-notes/{credit.pk}/cancel/", {"reason": "原发票已作废"})

    assert _state(credit) == "cancelled"
    assert transition_log_for(credit).filter(transition="cancel", reason__contains="原发票已作废").exists()


def test_a_supplier_cannot_cancel_credit_notes(client_as, supplier_user_a, supplier_a, entity):
    original = make_invoice(supplier_a, entity, state="rejected")
    credit = make_invoice(
        supplier_a, entity, lines=(("100.00", "0.13"),), credit_note=True, corrects=original
    )
    response = client_as(supplier_user_a).post(
        f"/settlement/credit-notes/{credit.pk}/cancel/", {"reason": "x"}
    )
    assert response.status_code == 403
    assert _state(credit) == "approved"


def test_the_invoice_csv_shows_the_document_type_and_a_credit_note_as_a_negative_amount(
    client_as, finance, supplier_a, entity
):
    original = make_invoice(supplier_a, entity, lines=(("675.00", "0.13"),))
    credit = make_invoice(
        supplier_a, entity, lines=(("675.00", "0.13"),), credit_note=True, corrects=original
    )
    Invoice.objects.filter(pk=credit.pk).update(gross_amount=Decimal("762.75"))  # as a file may carry it

    response = client_as(finance).get("/invoices/?format=csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")

    rows = {line.split(",")[0]: line for line in body.splitlines()}
    assert "Credit note" in rows[credit.invoice_number] and "-762.75" in rows[credit.invoice_number]
    assert "Invoice" in rows[original.invoice_number] and "762.75" in rows[original.invoice_number]
    assert "Document type" in body.splitlines()[0]
