"""Words stored as codes with parameters read in the reader's language when shown: a validation
finding, a match reason and a transition-log reason written in one language read in the other
after switching; an API error answers in the caller's language with the same code."""

from decimal import Decimal

import pytest
from django.utils import translation

from core.models import TransitionLog
from core.texts import Text, render, text
from invoicing.models import ValidationIssue
from invoicing.validation import ValidationContext, validate
from settlement.matching import explain
from settlement.matching.tolerance import Direction, Limit, LimitCheck, TolerancePolicy
from settlement.selectors.matching import reason_words
from tests.core.test_zh_crawl import english_runs
from tests.factories import SupplierFactory
from tests.settlement.match_flow_builders import line, make_invoice

pytestmark = pytest.mark.django_db
CJK = "\u4e00"


def _chinese(words: str) -> bool:
    return any(ch >= CJK for ch in words) and not english_runs(words, [])


def test_a_stored_validation_finding_reads_in_the_language_of_whoever_reads_it():
    from datetime import date

    from invoicing.formats.model import DocumentType, Format, NormalisedInvoice, Party, Totals

    invoice_data = NormalisedInvoice(
        format=Format.CN_XML,
        document_type=DocumentType.INVOICE,
        invoice_number="",
        issue_date=date.today(),
        currency="CNY",
        seller=Party(name="卖方", tax_id="91350100M000100Y43"),
        buyer=Party(name="买方", tax_id="913416007050059877"),
        totals=Totals(net=Decimal("1"), tax=Decimal("0"), gross=Decimal("1"), payable=Decimal("1")),
    )
    findings = {i.code: i for i in validate(invoice_data, ValidationContext(today=date.today()))}
    stored = make_invoice(SupplierFactory(), None, [line("路由器", 1, "1")])
    issue = findings["number_missing"]
    row = ValidationIssue.objects.create(
        invoice=stored, code=issue.code, severity=str(issue.severity), message=issue.message, text=issue.text
    )
    row.refresh_from_db()
    assert row.text == {"code": "validation.number_missing", "params": {}}
    with translation.override("en"):
        assert row.display == "The invoice has no invoice number." == issue.message
    with translation.override("zh-hans"):
        assert _chinese(row.display), row.display


def test_a_match_reason_keeps_its_figures_and_reads_in_either_language():
    check = LimitCheck(
        direction=Direction.ABOVE,
        difference=Decimal("1.00"),
        expected=Decimal("12.50"),
        limit=Limit(percent=Decimal("2"), absolute=Decimal("0.50")),
        within=False,
    )
    reason = explain.price_variance(
        "1", check, Decimal("13.50"), Decimal("12.50"), "PO-1/1", "CNY", TolerancePolicy()
    )
    stored = {"code": reason.code.value, "message": reason.message, "rule": reason.rule, "text": reason.text}
    with translation.override("en"):
        english = reason_words(stored)
        supplier = reason_words(stored, for_supplier=True)
    assert english == reason.message
    assert (
        "13.50" in english
        and "12.50" in english
        and "+2.00%" in english
        and "unit price upper limit" in english
    )
    assert supplier == "Unit price 13.50 is 1.00 CNY (8.00%) above the PO price 12.50 of PO line PO-1/1."
    with translation.override("zh-hans"):
        chinese = reason_words(stored)
    assert "13.50" in chinese and "12.50" in chinese
    assert _chinese(chinese), chinese


def test_a_transition_reason_written_by_the_portal_keeps_its_code():
    from core.services import run_transition

    supplier = SupplierFactory(state="approved")
    run_transition(
        supplier, "suspend", actor=None, reason=text("supplier.documents_missing", documents=["x"])
    )
    row = TransitionLog.objects.filter(transition="suspend", object_id=str(supplier.pk)).get()
    assert row.reason_code == "supplier.documents_missing"
    assert row.reason == "Mandatory document expired or missing: x"
    with translation.override("zh-hans"):
        assert row.reason_text == render("supplier.documents_missing", {"documents": ["x"]})
        assert _chinese(row.reason_text), row.reason_text


def test_a_typed_reason_is_shown_as_typed():
    assert isinstance(text("contract.ended", date="2026-01-01"), Text)
    row = TransitionLog(reason="价格偏高")
    assert row.reason_text == "价格偏高"


def test_an_api_error_answers_in_the_callers_language_with_the_same_code(client, finance, supplier_a):
    invoice = make_invoice(supplier_a, None, [line("路由器", 1, "1")], state="approved")
    client.force_login(finance)
    url = f"/api/matching/invoices/{invoice.pk}/accept"
    zh = client.post(
        url, data={"reason": "同意"}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    en = client.post(url, data={"reason": "同意"}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert zh.status_code == en.status_code == 409
    assert zh.json()["code"] == en.json()["code"]
    assert "not on the exception desk" in en.json()["message"]
    assert _chinese(zh.json()["message"]), zh.json()["message"]
