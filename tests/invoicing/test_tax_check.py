"""The authenticity check (发票查验) as a step of a Chinese invoice: run by itself after
validation through the outbox, recorded with its result, time and checker, shown on the page,
re-run by finance; a failed check keeps the invoice from approval, statements and payment."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.urls import reverse

from core.models import OutboxTask, TransitionLog
from invoicing.models import Invoice, InvoiceTax
from invoicing.services import invoice_upload
from invoicing.verification import HttpVerifier, InvoiceFacts, OfflineVerifier
from settlement.models import Statement
from tests.factories import LegalEntityFactory
from tests.invoicing.cn_xml_builder import BUYER_ID, BUYER_NAME, SELLER_ID, build_cn_xml, item
from tests.settlement.match_flow_builders import make_po, po_lines, receive
from tests.settlement.statement_builders import PERIOD, make_invoice

pytestmark = pytest.mark.django_db

CANCELLED = "26352000000099990001"


@pytest.fixture
def our_entity():
    return LegalEntityFactory(name=BUYER_NAME, tax_id=BUYER_ID)


@pytest.fixture
def po(buyer, seller, our_entity):
    po = make_po(buyer, seller, our_entity, [("路由器", 2, "100.00")])
    receive(buyer, po, {po_lines(po)[0]: 2}, day=date(2026, 3, 1))
    return po


def upload(data, seller, seller_user, callbacks) -> Invoice:
    with callbacks(execute=True):
        invoice, created = invoice_upload(
            supplier=seller, data=data, filename="invoice.xml", actor=seller_user
        )
    assert created
    return Invoice.objects.get(pk=invoice.pk)


def history(invoice) -> list[str]:
    return list(
        TransitionLog.objects.filter(content_type__model="invoice", object_id=str(invoice.pk)).values_list(
            "transition", flat=True
        )
    )


def test_a_validated_chinese_invoice_is_checked_by_itself_through_the_outbox_and_shows_it(
    seller, seller_user, our_entity, finance, client_as, django_capture_on_commit_callbacks
):
    invoice = upload(build_cn_xml(), seller, seller_user, django_capture_on_commit_callbacks)

    tax = InvoiceTax.objects.get(invoice=invoice)
    assert (tax.verification, tax.verification_code, tax.verification_checker) == (
        "verified",
        "facts_consistent",
        "offline",
    )
    assert tax.verified_at is not None
    assert OutboxTask.objects.filter(name="invoicing.verify_invoice_tax", args=[invoice.pk]).exists()
    assert "tax_verified" in history(invoice)
    page = client_as(finance).get(reverse("invoice-detail", args=[invoice.pk]), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert 'data-state="verified"' in html
    assert "Authenticity check: verified" in html  # the history row
    assert "Checked offline" in html


def test_a_cancelled_invoice_fails_the_check_and_matching_holds_it_back_from_approval(
    po, seller, seller_user, finance, client_as, django_capture_on_commit_callbacks
):
    data = build_cn_xml(number=CANCELLED, items=[item("*电子计算机*路由器", "2", "100", "0.13")])
    invoice = upload(data, seller, seller_user, django_capture_on_commit_callbacks)

    tax = InvoiceTax.objects.get(invoice=invoice)
    assert (tax.verification, tax.verification_code) == ("failed", "cancelled")
    assert invoice.state == "matched"  # would be approved by itself: held by the check
    assert history(invoice)[-2:] == ["match", "tax_check_failed"]  # the hold, in its history
    page = client_as(finance).get(reverse("invoice-detail", args=[invoice.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "cannot be approved for payment, put on a statement or paid" in page.content.decode()


def test_finance_reruns_the_check_and_a_held_invoice_is_approved_once_it_passes(
    po, seller, seller_user, finance, client_as, settings, django_capture_on_commit_callbacks
):
    data = build_cn_xml(number=CANCELLED, items=[item("*电子计算机*路由器", "2", "100", "0.13")])
    invoice = upload(data, seller, seller_user, django_capture_on_commit_callbacks)
    settings.INVOICE_VERIFIER_CANCELLED = []  # the tax authority's answer changed

    response = client_as(finance).post(reverse("invoice-tax-verify", args=[invoice.pk]), follow=True)

    assert "The authenticity check passed." in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.state == "approved"
    assert InvoiceTax.objects.get(invoice=invoice).verification == "verified"
    assert history(invoice).count("tax_check_failed") >= 1 and history(invoice)[-2:] == [
        "tax_verified",
        "approve",
    ]
    row = TransitionLog.objects.filter(object_id=str(invoice.pk), transition="tax_verified").last()
    assert row.actor == finance


def test_a_supplier_may_not_rerun_the_check_and_another_supplier_gets_404(
    seller, seller_user, our_entity, supplier_user_b, client_as, django_capture_on_commit_callbacks
):
    invoice = upload(build_cn_xml(), seller, seller_user, django_capture_on_commit_callbacks)
    before = TransitionLog.objects.count()

    assert client_as(seller_user).post(reverse("invoice-tax-verify", args=[invoice.pk])).status_code == 403
    assert (
        client_as(supplier_user_b).post(reverse("invoice-tax-verify", args=[invoice.pk])).status_code == 404
    )
    assert client_as(supplier_user_b).get(reverse("invoice-detail", args=[invoice.pk])).status_code == 404
    assert TransitionLog.objects.count() == before


def _failed(invoice):
    InvoiceTax.objects.create(
        invoice=invoice,
        verification="failed",
        verification_code="cancelled",
        verification_params={"number": "x"},
    )


def test_finance_cannot_accept_the_variance_of_an_invoice_that_failed_the_check(
    supplier_a, finance, client_as
):
    entity = LegalEntityFactory()
    invoice = make_invoice(supplier_a, entity, state="exception")
    _failed(invoice)

    response = client_as(finance).post(
        reverse("match-accept", args=[invoice.pk]),
        {"reason": "ok"},
        HTTP_ACCEPT_LANGUAGE="en",
        HTTP_REFERER=reverse("invoice-detail", args=[invoice.pk]),
        follow=True,
    )

    assert "failed its authenticity check" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.state == "exception"


def test_an_invoice_that_failed_the_check_is_not_put_on_a_statement_nor_paid(supplier_a, finance, client_as):
    from settlement.services.statements import statement_create

    entity = LegalEntityFactory()
    good = make_invoice(supplier_a, entity)
    held = make_invoice(supplier_a, entity)
    _failed(held)
    statement = statement_create(
        kind="invoice_first",
        supplier=supplier_a,
        legal_entity=entity,
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        actor=finance,
    )
    assert list(statement.lines.values_list("invoice_id", flat=True)) == [good.pk]  # gathering skips it

    response = client_as(finance).post(
        reverse("statement-invoice-add", args=[statement.pk]),
        {"invoice": held.pk},
        HTTP_ACCEPT_LANGUAGE="en",
        HTTP_REFERER=reverse("statement-detail", args=[statement.pk]),
        follow=True,
    )
    assert "failed its authenticity check" in response.content.decode()
    held.refresh_from_db()
    assert held.state == "approved"
    assert Statement.objects.get(pk=statement.pk).lines.count() == 1


def test_an_invoice_failing_after_it_was_scheduled_is_not_paid(supplier_a, finance, client_as):
    from settlement.services import statements as st

    entity = LegalEntityFactory()
    invoice = make_invoice(supplier_a, entity)
    statement = st.statement_create(
        kind="invoice_first", supplier=supplier_a, legal_entity=entity,
        period_from=PERIOD[0], period_to=PERIOD[1], actor=finance,
    )  # fmt: skip
    Statement.objects.filter(pk=statement.pk).update(state="approved")
    _failed(invoice)
    from tests.factories import make_approved_bank_account

    make_approved_bank_account(supplier_a)
    response = client_as(finance).post(
        reverse("statement-pay", args=[statement.pk]),
        {"amount": str(invoice.gross_amount), "paid_on": "2026-03-20", "bank_reference": "B-1"},
        HTTP_ACCEPT_LANGUAGE="en",
        HTTP_REFERER=reverse("statement-detail", args=[statement.pk]),
        follow=True,
    )
    assert "failed its authenticity check" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.state == "scheduled"


# -- the checkers themselves ------------------------------------------------------------------

FACTS = InvoiceFacts(
    format="cn-xml",
    number="26352000000012345678",
    issue_date=date(2026, 3, 2),
    seller_tax_id=SELLER_ID,
    net=Decimal("1000.00"),
    tax=Decimal("60.00"),
    gross=Decimal("1060.00"),
)


@pytest.mark.parametrize(
    "change, result, code",
    [
        ({}, "verified", "facts_consistent"),
        ({"number": "2635200000001234567"}, "failed", "number_format"),
        ({"seller_tax_id": SELLER_ID[:-1] + "0"}, "failed", "seller_tax_id"),
        ({"gross": Decimal("1061.00")}, "failed", "amounts"),
        ({"number": CANCELLED}, "failed", "cancelled"),
        ({"code": "044031900111", "number": "12345678", "check_code": "1234"}, "failed", "check_code_format"),
        ({"code": "0440319", "number": "12345678"}, "failed", "code_format"),
        ({"format": "ubl"}, "not_checkable", "not_chinese"),
        ({"issue_date": None}, "not_checkable", "missing_facts"),
    ],
)
def test_the_offline_checker_reads_the_invoices_own_facts(change, result, code):
    from dataclasses import replace

    outcome = OfflineVerifier(cancelled=frozenset({CANCELLED})).verify(replace(FACTS, **change))
    assert (outcome.result, outcome.code) == (result, code)


class _FakeService(BaseHTTPRequestHandler):
    """The national service's gateway as the test wants it to answer (set on the server)."""

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        server = self.server
        server.seen.append((dict(self.headers), json.loads(body)))
        expected = hmac.new(
            b"s3cret", self.headers["X-Timestamp"].encode() + b"\n" + body, hashlib.sha256
        ).hexdigest()
        if self.headers.get("X-App-Key") != "app-1" or self.headers.get("X-Signature") != expected:
            self.send_response(401)
            self.end_headers()
            return
        status, answer = server.answer
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_service(settings):
    server = HTTPServer(("127.0.0.1", 0), _FakeService)
    server.seen, server.answer = [], (200, {"status": "verified"})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.INVOICE_VERIFIER = "invoicing.verification.HttpVerifier"
    settings.INVOICE_VERIFIER_HTTP = {
        "URL": f"http://127.0.0.1:{server.server_port}/verify",
        "APP_KEY": "app-1",
        "APP_SECRET": "s3cret",
        "TIMEOUT": 5,
    }
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "answer, result, code",
    [
        ((200, {"status": "verified"}), "verified", "service_verified"),
        ((200, {"status": "failed", "code": "red_flushed"}), "failed", "red_flushed"),
        ((200, {"status": "not_found"}), "failed", "not_found"),
        ((503, {"error": "busy"}), "not_checkable", "service_error"),
        ((200, ["not", "an", "object"]), "not_checkable", "service_answer_unreadable"),
    ],
)
def test_the_http_checker_asks_the_configured_service_with_a_signed_request(
    fake_service, answer, result, code, seller, seller_user, our_entity, finance, client_as,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    fake_service.answer = answer
    invoice = upload(build_cn_xml(), seller, seller_user, django_capture_on_commit_callbacks)

    tax = InvoiceTax.objects.get(invoice=invoice)
    assert (tax.verification, tax.verification_code, tax.verification_checker) == (result, code, "http")
    headers, body = fake_service.seen[-1]
    assert body["invoice_number"] == invoice.invoice_number
    assert body["issue_date"] == "20260302" and body["total_incl_tax"] == str(invoice.gross_amount)
    fake_service.answer = (200, {"status": "verified"})
    client_as(finance).post(reverse("invoice-tax-verify", args=[invoice.pk]))
    assert InvoiceTax.objects.get(invoice=invoice).verification == "verified"
    assert len(fake_service.seen) == 2


def test_an_unreachable_service_leaves_the_invoice_not_checkable_never_failed(settings):

    server = HTTPServer(("127.0.0.1", 0), _FakeService)
    port = server.server_port
    server.server_close()  # nothing listens there any more
    checker = HttpVerifier(
        {"URL": f"http://127.0.0.1:{port}/", "APP_KEY": "a", "APP_SECRET": "b", "TIMEOUT": 2}
    )
    outcome = checker.verify(FACTS)
    assert (outcome.result, outcome.code) == ("not_checkable", "service_unavailable")
    unconfigured = HttpVerifier({}).verify(FACTS)
    assert (unconfigured.result, unconfigured.code) == ("not_checkable", "service_not_configured")


class OtherGateway(HttpVerifier):
    """A gateway with another contract (field names, a token header, its own answer codes), fitted
    the documented way: three overrides, named in INVOICE_VERIFIER."""

    name = "http"

    def request_body(self, facts):
        return json.dumps(
            {"fphm": facts.number, "kprq": facts.issue_date.isoformat(), "jshj": str(facts.gross)}
        ).encode()

    def headers(self, body):
        return {"Content-Type": "application/json", "Authorization": f"Bearer {self.app_key}"}

    def outcome(self, answer, facts):
        from invoicing.verification import FAILED, VERIFIED, Outcome

        if answer.get("cyjg") == "0001":  # 查验一致
            return Outcome(VERIFIED, "service_verified")
        if answer.get("cyjg") == "0002":  # 发票已作废
            return Outcome(FAILED, "cancelled", {"number": facts.number})
        return super().outcome(answer, facts)


class _OtherService(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.seen.append((self.headers.get("Authorization"), body))
        payload = json.dumps(self.server.answer).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


def test_a_gateway_with_another_contract_is_fitted_by_a_subclass_named_in_the_settings(
    settings, seller, seller_user, our_entity, django_capture_on_commit_callbacks
):
    server = HTTPServer(("127.0.0.1", 0), _OtherService)
    server.seen, server.answer = [], {"cyjg": "0002"}
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.INVOICE_VERIFIER = f"{__name__}.OtherGateway"
    settings.INVOICE_VERIFIER_HTTP = {
        "URL": f"http://127.0.0.1:{server.server_port}/cy",
        "APP_KEY": "tok-1",
        "APP_SECRET": "unused",
        "TIMEOUT": 5,
    }
    try:
        invoice = upload(build_cn_xml(), seller, seller_user, django_capture_on_commit_callbacks)
    finally:
        server.shutdown()
        server.server_close()
    tax = InvoiceTax.objects.get(invoice=invoice)
    assert (tax.verification, tax.verification_code) == ("failed", "cancelled")
    token, body = server.seen[-1]
    assert token == "Bearer tok-1" and body["fphm"] == invoice.invoice_number
