"""The exception desk and a statement page cost the same queries for few and many rows (the
rows are copies of one real case / invoice, written straight into the tables: test set-up only)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from invoicing.models import Invoice, StoredFile
from settlement.models import ExceptionCase, MatchResult
from settlement.services.matching import invoice_match
from settlement.services.statements import statement_create
from tests.factories import LegalEntityFactory
from tests.settlement.match_flow_builders import line, make_invoice, make_po, po_lines, receive

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def _copies(invoice: Invoice, n: int, *, start: int, **changes) -> list[Invoice]:
    """``n`` copies of ``invoice`` (own file row, number and key), without history rows."""
    files = StoredFile.objects.bulk_create(
        StoredFile(
            sha256=f"{start + k:064x}",
            size=invoice.file.size,
            path=invoice.file.path,
            original_name=f"copy-{start + k}.xml",
            uploaded_by=invoice.file.uploaded_by,
        )
        for k in range(n)
    )
    copies = []
    for k, stored in enumerate(files):
        copy = Invoice.objects.get(pk=invoice.pk)
        copy.pk = None
        copy.file = stored
        copy.invoice_number = f"COPY-{start + k:06d}"
        copy.duplicate_key = None
        for name, value in changes.items():
            setattr(copy, name, value)
        copies.append(copy)
    return Invoice.objects.bulk_create(copies)


def _more_cases(case: ExceptionCase, n: int, start: int) -> None:
    """``n`` more open cases like ``case``, each with its own invoice and (stale) current result."""
    result = MatchResult.objects.get(pk=case.result_id)
    for invoice in _copies(case.invoice, n, start=start):
        result.pk = None
        result.invoice = invoice
        result.is_stale = True  # listed under "stale matches" too
        result.save()
        ExceptionCase.objects.create(invoice=invoice, result=result, primary_reason=case.primary_reason)


def test_the_exception_desk_costs_the_same_queries_for_10_and_60_cases(client, finance, buyer, supplier_a):
    entity = LegalEntityFactory()
    po = make_po(buyer, supplier_a, entity, [("螺栓 M8", 100, "2.00")])
    receive(buyer, po, {po_lines(po)[0]: 100})
    invoice = make_invoice(supplier_a, entity, [line("螺栓 M8", 100, "2.20")])
    invoice_match(invoice_id=invoice.pk)
    case = ExceptionCase.objects.get(invoice=invoice)
    _more_cases(case, 9, start=1)
    client.force_login(finance)
    few = _queries(client, "/settlement/matching/exceptions/")
    _more_cases(case, 50, start=100)
    page = client.get("/settlement/matching/exceptions/").content.decode()
    assert page.count("/settlement/matching/invoices/") >= 50 + 50  # 50 cases and 50 stale matches
    assert "COPY-000100" in page and "price" in page.lower()
    assert _queries(client, "/settlement/matching/exceptions/") == few


def test_a_statement_page_costs_the_same_queries_for_10_and_50_invoices(client, finance, supplier_a):
    entity = LegalEntityFactory()
    first = make_invoice(supplier_a, entity, [line("螺栓 M8", 10, "2.00")], state="approved")
    _copies(first, 9, start=1)

    def statement_url() -> str:
        statement = statement_create(
            kind="invoice_first",
            supplier=supplier_a,
            legal_entity=entity,
            period_from=date(2026, 1, 1),
            period_to=date(2026, 12, 31),
            actor=finance,
        )
        return f"/settlement/statements/{statement.pk}/"

    client.force_login(finance)
    few_url = statement_url()
    assert client.get(few_url).content.decode().count("COPY-") == 9  # (and caches warm)
    few = _queries(client, few_url)
    second = make_invoice(supplier_a, entity, [line("螺栓 M8", 10, "2.00")], state="approved")
    _copies(second, 49, start=100)
    many_url = statement_url()
    assert client.get(many_url).content.decode().count("COPY-0001") == 49
    assert _queries(client, many_url) == few
