"""Statement screens and API: finance creates, edits, sends, approves and pays; the supplier sees
only its own sent statements, confirms or disputes, and reads and downloads its invoice plan."""

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from core.services import api_token_create
from settlement.models import Payment, Statement
from settlement.services import statements as svc
from tests.factories import LegalEntityFactory, UserFactory, make_approved_bank_account
from tests.settlement.statement_builders import PERIOD, make_invoice, make_received_po

pytestmark = pytest.mark.django_db


@pytest.fixture
def entity(db):
    return LegalEntityFactory(name="上海采购有限公司")


@pytest.fixture(autouse=True)
def english(client, settings):
    """The portal defaults to Chinese; these tests read the English labels."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def api(client):
    def call(user, method, url, body=None):
        raw = api_token_create(user=user, name="erp")[1]
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        return getattr(client, method)(url, **kwargs)

    return call


def _form(kind, supplier, entity):
    return {
        "kind": kind,
        "supplier": supplier.pk,
        "legal_entity": entity.pk,
        "period_from": PERIOD[0].isoformat(),
        "period_to": PERIOD[1].isoformat(),
    }


def _pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_finance_runs_an_invoice_first_statement_through_the_portal(
    client_as, finance, supplier_a, supplier_user_a, entity
):
    invoice = make_invoice(supplier_a, entity)
    make_approved_bank_account(supplier_a)
    client = client_as(finance)
    assert client.get("/settlement/statements/new/").status_code == 200
    response = client.post("/settlement/statements/new/", _form("invoice_first", supplier_a, entity))
    statement = Statement.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/settlement/statements/{statement.pk}/"

    page = client.get(f"/settlement/statements/{statement.pk}/").content.decode()
    assert invoice.invoice_number in page and "CN¥1,130.00" in page
    assert f"/settlement/statements/{statement.pk}/send/" in page
    assert f"/settlement/statements/{statement.pk}/approve/" not in page  # only the allowed actions
    client.post(f"/settlement/statements/{statement.pk}/deductions/", {"amount": "30", "reason": "罚款"})
    assert client.post(f"/settlement/statements/{statement.pk}/send/").status_code == 302

    supplier = client_as(supplier_user_a)
    page = supplier.get(f"/settlement/statements/{statement.pk}/").content.decode()
    assert f"/settlement/statements/{statement.pk}/confirm/" in page and "/send/" not in page
    supplier.post(f"/settlement/statements/{statement.pk}/confirm/")

    client = client_as(finance)
    home = client.get("/").content.decode()
    assert statement.number not in home  # its preparer may not approve it: not in their queue
    # four eyes: who prepared the statement sees no approve button and is refused with the reason
    assert "/approve/" not in client.get(f"/settlement/statements/{statement.pk}/").content.decode()
    refused = client.post(f"/settlement/statements/{statement.pk}/approve/")
    assert refused.status_code == 403 and "another finance user must approve it" in refused.content.decode()
    assert Statement.objects.get().state == "confirmed"
    from tests.factories import UserFactory

    client = client_as(UserFactory(username="finance-approver", role="finance"))
    home = client.get("/").content.decode()
    assert "Statements to approve" in home and f'href="/settlement/statements/{statement.pk}/"' in home
    client.post(f"/settlement/statements/{statement.pk}/approve/")
    home = client.get("/").content.decode()
    assert "Statements to pay" in home and f'href="/settlement/statements/{statement.pk}/"' in home
    page = client.get(f"/settlement/statements/{statement.pk}/").content.decode()
    assert "ICBC" in page and "Record payment" in page
    client.post(
        f"/settlement/statements/{statement.pk}/payment/", {"amount": "1100.00", "bank_reference": "REF-1"}
    )
    assert Statement.objects.get().state == "paid" and Payment.objects.get().bank_reference == "REF-1"
    listing = client.get("/settlement/payments/").content.decode()
    assert statement.number in listing and "REF-1" in listing
    history = client.get(f"/settlement/statements/{statement.pk}/").content.decode()
    for step in ("Sent", "Confirmed", "Approved", "Paid"):  # the actions by name (core.history)
        assert f'<span class="what">{step}</span>' in history  # the timeline (core/_history.html)


def test_a_refused_action_in_the_portal_shows_the_message_and_changes_nothing(
    client_as, finance, supplier_a, entity
):
    make_invoice(supplier_a, entity)
    statement = svc.statement_create(
        kind="invoice_first",
        supplier=supplier_a,
        legal_entity=entity,
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        actor=finance,
    )
    client = client_as(finance)
    url = f"/settlement/statements/{statement.pk}/"
    response = client.post(f"{url}deductions/", {"amount": "5", "reason": ""}, HTTP_REFERER=url, follow=True)
    assert "A reason is required" in response.content.decode()
    assert statement.lines.count() == 1


def test_the_supplier_sees_only_its_own_sent_statements(
    client_as, finance, supplier_a, supplier_b, supplier_user_a, entity
):
    make_invoice(supplier_a, entity)
    draft = svc.statement_create(
        kind="invoice_first",
        supplier=supplier_a,
        legal_entity=entity,
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        actor=finance,
    )
    make_invoice(supplier_b, entity)
    foreign = svc.statement_create(
        kind="invoice_first",
        supplier=supplier_b,
        legal_entity=entity,
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        actor=finance,
    )
    svc.statement_send(statement=foreign, actor=finance)
    client = client_as(supplier_user_a)
    assert client.get(f"/settlement/statements/{draft.pk}/").status_code == 404
    assert client.get(f"/settlement/statements/{foreign.pk}/").status_code == 404
    assert client.get(f"/settlement/statements/{foreign.pk}/pdf/").status_code == 404
    assert draft.number not in client.get("/settlement/statements/").content.decode()
    assert client.get("/settlement/statements/new/").status_code == 403

    svc.statement_send(statement=draft, actor=finance)
    listing = client.get("/settlement/statements/").content.decode()
    assert draft.number in listing and foreign.number not in listing
    exported = b"".join(client.get("/settlement/statements/?format=csv").streaming_content).decode(
        "utf-8-sig"
    )
    assert draft.number in exported and foreign.number not in exported
    filtered = client.get("/settlement/statements/?state=paid").content.decode()
    assert draft.number not in filtered
    home = client.get("/").content.decode()
    assert "Statements to confirm" in home and draft.number in home


def test_the_supplier_disputes_with_a_reason_in_the_portal(
    client_as, finance, supplier_a, supplier_user_a, entity
):
    make_invoice(supplier_a, entity)
    statement = svc.statement_send(
        statement=svc.statement_create(
            kind="invoice_first",
            supplier=supplier_a,
            legal_entity=entity,
            period_from=PERIOD[0],
            period_to=PERIOD[1],
            actor=finance,
        ),
        actor=finance,
    )
    client_as(supplier_user_a).post(
        f"/settlement/statements/{statement.pk}/dispute/", {"reason": "少了一张红字发票"}
    )
    statement.refresh_from_db()
    assert statement.state == "disputed" and statement.dispute_reason == "少了一张红字发票"
    home = client_as(finance).get("/").content.decode()
    assert "Statements disputed by suppliers" in home and statement.number in home


def test_the_supplier_reads_and_downloads_its_invoice_plan(
    client_as, buyer, finance, supplier_a, supplier_user_a, supplier_user_b, entity
):
    make_received_po(buyer, supplier_a, entity, lines=((10, "100", "0.13"), (2, "50", "0.06")))
    statement = svc.statement_create(
        kind="statement_first",
        supplier=supplier_a,
        legal_entity=entity,
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        actor=finance,
    )
    statement = svc.statement_send(statement=statement, actor=finance)
    client = client_as(supplier_user_a)
    assert client.get(f"/settlement/statements/{statement.pk}/plan/").status_code == 404  # not confirmed yet
    client.post(f"/settlement/statements/{statement.pk}/confirm/")

    page = client.get(f"/settlement/statements/{statement.pk}/plan/").content.decode()
    assert (
        entity.tax_id in page and "上海采购有限公司" in page and "CN¥1,000.00" in page and "CN¥130.00" in page
    )
    assert "Invoice plans to invoice" in client.get("/").content.decode()
    csv_response = client.get(f"/settlement/statements/{statement.pk}/plan/csv/")
    csv_text = csv_response.content.decode("utf-8-sig")
    assert csv_response["Content-Type"].startswith("text/csv")
    assert f"buyer_tax_id,{entity.tax_id}" in csv_text and "0.13,1000.00,130.00,1130.00" in csv_text
    pdf = client.get(f"/settlement/statements/{statement.pk}/plan/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    text = _pdf_text(pdf.content)
    assert (
        "Invoice plan" in text and "上海采购有限公司" in text and entity.tax_id in text
    )  # (English: the test language)

    other = client_as(supplier_user_b)
    for suffix in ("plan/", "plan/csv/", "plan/pdf/"):
        assert other.get(f"/settlement/statements/{statement.pk}/{suffix}").status_code == 404


def test_the_statement_pdf_renders_the_chinese_text(client_as, finance, supplier_a, entity):
    make_invoice(supplier_a, entity)
    statement = svc.statement_create(
        kind="invoice_first",
        supplier=supplier_a,
        legal_entity=entity,
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        actor=finance,
    )
    svc.statement_deduction_add(statement=statement, amount="30", reason="包装破损扣款", actor=finance)
    response = client_as(finance).get(f"/settlement/statements/{statement.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    for expected in (
        "Settlement statement",
        statement.number,
        "Supplier A 甲",
        "上海采购有限公司",
        "包装破损扣款",
        "1,100.00",
    ):
        assert expected in text, expected


def test_finance_and_the_supplier_work_a_statement_through_the_api(
    api, finance, supplier_a, supplier_user_a, supplier_user_b, entity
):
    make_invoice(supplier_a, entity)
    make_approved_bank_account(supplier_a)
    body = {
        "kind": "invoice_first",
        "supplier_id": supplier_a.pk,
        "legal_entity_id": entity.pk,
        "period_from": "2026-03-01",
        "period_to": "2026-03-31",
    }
    response = api(finance, "post", "/api/statements", body)
    assert response.status_code == 201, response.content
    created = response.json()
    sid = created["id"]
    assert created["state"] == "draft" and created["gross_total"] == "1130.00" and len(created["lines"]) == 1

    assert api(supplier_user_a, "get", f"/api/statements/{sid}").status_code == 404  # a draft
    assert api(finance, "post", f"/api/statements/{sid}/send", {}).json()["state"] == "sent"
    assert [s["id"] for s in api(supplier_user_a, "get", "/api/statements").json()] == [sid]
    assert api(supplier_user_b, "get", "/api/statements").json() == []
    refused = api(supplier_user_b, "post", f"/api/statements/{sid}/confirm", {})
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    disputed = api(supplier_user_a, "post", f"/api/statements/{sid}/dispute", {"reason": ""})
    assert disputed.status_code == 400 and disputed.json()["code"] == "reason_required"
    assert (
        api(supplier_user_a, "post", f"/api/statements/{sid}/confirm", {"reason": "ok"}).json()["state"]
        == "confirmed"
    )
    assert (
        api(supplier_user_a, "post", f"/api/statements/{sid}/approve", {}).json()["code"]
        == "permission_denied"
    )
    own = api(finance, "post", f"/api/statements/{sid}/approve", {})
    assert own.status_code == 403 and own.json()["code"] == "own_statement_approval"
    second = UserFactory(username="finance-approver", role="finance")
    assert api(second, "post", f"/api/statements/{sid}/approve", {}).json()["state"] == "approved"

    wrong = api(
        finance, "post", f"/api/statements/{sid}/payment", {"amount": "1000.00", "bank_reference": "R"}
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "payment_amount_mismatch"
    paid = api(
        finance, "post", f"/api/statements/{sid}/payment", {"amount": "1130.00", "bank_reference": "R-9"}
    )
    assert paid.status_code == 201 and paid.json()["bank_reference"] == "R-9"
    again = api(
        finance, "post", f"/api/statements/{sid}/payment", {"amount": "1130.00", "bank_reference": "R-10"}
    )
    assert again.status_code == 409 and again.json()["code"] == "statement_already_paid"
    assert api(supplier_user_a, "get", f"/api/statements/{sid}/payment").json()["amount"] == "1130.00"
    assert api(supplier_user_b, "get", f"/api/statements/{sid}/payment").status_code == 404
    assert [p["statement_id"] for p in api(supplier_user_b, "get", "/api/payments").json()] == []
    assert api(finance, "get", f"/api/statements/{sid}").json()["state"] == "paid"
    assert Decimal(api(finance, "get", "/api/payments").json()[0]["amount"]) == Decimal("1130.00")


def test_the_api_refuses_statement_writes_to_the_wrong_roles(api, buyer, supplier_user_a, supplier_a, entity):
    body = {
        "kind": "invoice_first",
        "supplier_id": supplier_a.pk,
        "legal_entity_id": entity.pk,
        "period_from": "2026-03-01",
        "period_to": "2026-03-31",
    }
    for user in (buyer, supplier_user_a):
        response = api(user, "post", "/api/statements", body)
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert not Statement.objects.exists()


def test_the_supplier_reads_its_invoice_plan_through_the_api(
    api, buyer, finance, supplier_a, supplier_user_a, supplier_user_b, entity
):
    make_received_po(buyer, supplier_a, entity, lines=((10, "100", "0.13"),))
    statement = svc.statement_create(
        kind="statement_first",
        supplier=supplier_a,
        legal_entity=entity,
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        actor=finance,
    )
    statement = svc.statement_send(statement=statement, actor=finance)
    assert api(supplier_user_a, "get", f"/api/statements/{statement.pk}/invoice-plan").status_code == 404
    api(supplier_user_a, "post", f"/api/statements/{statement.pk}/confirm", {})
    plan = api(supplier_user_a, "get", f"/api/statements/{statement.pk}/invoice-plan").json()
    assert plan["buyer_tax_id"] == entity.tax_id
    assert plan["rates"] == [
        {
            "tax_rate": "0.1300",
            "net": "1000.00",
            "tax": "130.00",
            "invoiced_net": "0.00",
            "invoiced_tax": "0.00",
            "remaining_net": "1000.00",
            "remaining_tax": "130.00",
        }
    ]
    assert api(supplier_user_b, "get", f"/api/statements/{statement.pk}/invoice-plan").status_code == 404
    csv_text = api(supplier_user_a, "get", f"/api/statements/{statement.pk}/invoice-plan/csv").content.decode(
        "utf-8-sig"
    )
    assert entity.tax_id in csv_text
    pdf = api(supplier_user_a, "get", f"/api/statements/{statement.pk}/invoice-plan/pdf")
    assert "Invoice plan" in _pdf_text(pdf.content)


def test_the_invoice_page_names_the_statement_it_is_in(
    client_as, finance, supplier_a, supplier_user_a, entity
):
    invoice = make_invoice(supplier_a, entity)
    statement = svc.statement_create(
        kind="invoice_first",
        supplier=supplier_a,
        legal_entity=entity,
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        actor=finance,
    )
    link = f'href="/settlement/statements/{statement.pk}/"'
    assert link in client_as(finance).get(f"/invoices/{invoice.pk}/").content.decode()
    assert link not in client_as(supplier_user_a).get(f"/invoices/{invoice.pk}/").content.decode()  # a draft
    svc.statement_send(statement=statement, actor=finance)
    assert link in client_as(supplier_user_a).get(f"/invoices/{invoice.pk}/").content.decode()


def test_finance_edits_a_draft_through_the_api(api, finance, supplier_a, supplier_user_a, entity):
    make_invoice(supplier_a, entity)
    statement = svc.statement_create(
        kind="invoice_first",
        supplier=supplier_a,
        legal_entity=entity,
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        actor=finance,
    )
    extra = make_invoice(supplier_a, entity, lines=(("10.00", "0.13"),))
    added = api(finance, "post", f"/api/statements/{statement.pk}/invoices", {"invoice_id": extra.pk})
    assert added.status_code == 201 and added.json()["invoice_id"] == extra.pk
    again = api(finance, "post", f"/api/statements/{statement.pk}/invoices", {"invoice_id": extra.pk})
    assert again.status_code == 409 and again.json()["code"] == "already_in_open_statement"
    deduction = api(
        finance, "post", f"/api/statements/{statement.pk}/deductions", {"amount": "1.30", "reason": "fee"}
    )
    assert deduction.status_code == 201 and deduction.json()["gross"] == "-1.30"
    assert api(finance, "get", f"/api/statements/{statement.pk}").json()["gross_total"] == "1140.00"
    refused = api(supplier_user_a, "delete", f"/api/statements/{statement.pk}/lines/{deduction.json()['id']}")
    assert refused.status_code == 404  # a draft is not the supplier's to see
    assert (
        api(finance, "delete", f"/api/statements/{statement.pk}/lines/{deduction.json()['id']}").status_code
        == 204
    )
    assert (
        api(finance, "delete", f"/api/statements/{statement.pk}/lines/{added.json()['id']}").status_code
        == 204
    )
    body = api(finance, "get", f"/api/statements/{statement.pk}").json()
    assert body["gross_total"] == "1130.00" and len(body["lines"]) == 1
    assert type(extra).objects.get(pk=extra.pk).state == "approved"


def test_a_statement_whose_cents_floats_cannot_add_is_created_through_the_page(
    client_as, finance, supplier_a, entity
):
    """488.10 + 63.45: SQLite adds decimals as floats (551.5500000000001); the database's check
    that a line and the statement add up must still hold (it failed `make run`'s demo data)."""
    make_invoice(supplier_a, entity, lines=(("488.10", "0.13"),))
    response = client_as(finance).post(
        "/settlement/statements/new/", _form("invoice_first", supplier_a, entity)
    )
    statement = Statement.objects.get()
    assert response.status_code == 302, response.content.decode()[:500]
    assert statement.gross_total == Decimal("551.55")
    assert [line.gross for line in statement.lines.all()] == [Decimal("551.55")]
