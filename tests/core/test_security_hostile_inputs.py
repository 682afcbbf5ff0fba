"""Hostile text typed by users and suppliers goes in through the pages and the API, and every
output channel that shows it again (HTML pages, PDFs, CSV exports, download headers, e-mail
subjects) shows it as inert text; no response is a 5xx."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape

from core.listing import csv_cell
from core.pdf import para, pdf_text
from core.services import api_token_create
from invoicing.models import Invoice
from notifications.services import notification_email_send, notify
from procurement.models import PurchaseOrder
from tests.core.hostile import (
    HOSTILE,
    assert_csv_inert,
    assert_html_inert,
    assert_pdf_inert,
    compact,
    csv_rows,
    pdf_facts,
)
from tests.factories import (
    ItemFactory,
    LegalEntityFactory,
    SupplierFactory,
    UserFactory,
    make_purchase_order,
    make_supplier_user,
)
from tests.invoicing.cn_xml_builder import BUYER_ID, BUYER_NAME, SELLER_ID, SELLER_NAME, build_cn_xml

pytestmark = pytest.mark.django_db


def ok(response):
    assert response.status_code < 500, (response.status_code, response.content[:300])
    return response


@pytest.fixture
def hostile_po(client, buyer):
    """A draft PO of a supplier with a hostile name, with one line per hostile string added
    through the PO page's line form."""
    supplier = SupplierFactory(name=HOSTILE["link"][:200], state="approved")
    po = make_purchase_order(requester=buyer, supplier=supplier)
    client.force_login(buyer)
    item = ItemFactory()
    for value in HOSTILE.values():
        ok(
            client.post(
                f"/procurement/pos/{po.pk}/lines/",
                {"item": item.pk, "quantity": "1", "unit_price": "2.00", "description": value},
            )
        )
    return PurchaseOrder.objects.get(pk=po.pk)


def test_hostile_po_line_descriptions_are_stored_as_typed(hostile_po):
    stored = set(hostile_po.lines.values_list("description", flat=True))
    assert HOSTILE["unclosed"] in stored and HOSTILE["link"] in stored and HOSTILE["emoji_cjk"] in stored


def test_the_po_page_shows_hostile_text_escaped(client, hostile_po):
    html = ok(client.get(f"/procurement/pos/{hostile_po.pk}/")).content.decode()
    assert escape(HOSTILE["script"]) in html
    for value in HOSTILE.values():
        assert_html_inert(html, value)


def test_the_po_pdf_prints_markup_as_text_with_no_link_no_image_and_no_500(client, hostile_po):
    """The attacker-tester's three findings: a live link with coloured 'PAY TO NEW ACCOUNT', an
    image from the server's disk, and an unclosed <b> that made the PDF answer 500."""
    response = ok(client.get(f"/procurement/pos/{hostile_po.pk}/pdf/"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = b"".join(response) if response.streaming else response.content
    assert_pdf_inert(data)
    text, _raw = pdf_facts(data)
    assert compact('<a href="https://evil.example/pay">') in text  # shown as characters
    assert "PAYTONEWACCOUNT" in text
    assert compact("<b>UNCLOSEDMARK") in text
    assert compact('<img src="/etc/passwd"') in text
    assert "EMOJIMARK" in text and "供应商（上海）有限公司" in text


def test_the_supplier_sees_the_same_inert_po_pdf(client, hostile_po):
    PurchaseOrder.objects.filter(pk=hostile_po.pk).update(state="sent")
    supplier_user = make_supplier_user(hostile_po.supplier, "hostile-supplier-user")
    client.force_login(supplier_user)
    response = ok(client.get(f"/procurement/pos/{hostile_po.pk}/pdf/"))
    assert response.status_code == 200
    assert_pdf_inert(response.content)


def test_every_pdf_paragraph_goes_through_the_one_escaping_helper():
    from reportlab.lib.styles import ParagraphStyle

    style = ParagraphStyle("t")
    for value in HOSTILE.values():
        paragraph = para(value, style)  # must not raise on unclosed or unknown tags
        assert "<" not in pdf_text(value) and ">" not in pdf_text(value)
        assert paragraph.text.split() == pdf_text(value).split()


def test_the_po_list_csv_defuses_every_formula_and_the_page_escapes(client, buyer, hostile_po):
    supplier = SupplierFactory(name=HOSTILE["fullwidth"], state="approved")
    make_purchase_order(requester=buyer, supplier=supplier)
    for value in (
        HOSTILE["formula"],
        HOSTILE["tab_formula"],
        HOSTILE["space_formula"],
        HOSTILE["fullwidth_at"],
    ):
        SupplierFactory(name=value, state="approved")
    rows = csv_rows(b"".join(ok(client.get("/suppliers/?format=csv")).streaming_content))
    names = [row[0] for row in rows[1:]]
    assert "'" + HOSTILE["formula"] in names and "'" + HOSTILE["fullwidth_at"] in names
    assert "'" + HOSTILE["tab_formula"] in names and "'" + HOSTILE["space_formula"] in names
    assert_csv_inert(rows)
    po_rows = csv_rows(b"".join(ok(client.get("/procurement/pos/?format=csv")).streaming_content))
    assert_csv_inert(po_rows)
    html = ok(client.get("/suppliers/")).content.decode()
    assert_html_inert(html, HOSTILE["link"])


@pytest.mark.parametrize(
    "value",
    ["=1+1", "+x", "-x", "@SUM(A1)", "\t=1", "\r=1", " =1", "\u3000=1", "＝1", "＋1", "－1", "＠A1", " ＋1"],
)
def test_csv_cell_defuses_ascii_and_full_width_formula_starters(value):
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["-12.5", "+3", "1e5", "供应商", "a=b", "", None])
def test_csv_cell_leaves_numbers_and_plain_text_alone(value):
    assert csv_cell(value) == ("" if value is None else value)


# --- invoice file names: upload through the API, download header, pages, CSV --------------------


@pytest.fixture
def seller_user(db):
    return make_supplier_user(
        SupplierFactory(name=SELLER_NAME, tax_id=SELLER_ID, state="approved"), "seller-u"
    )


@pytest.fixture
def our_entity(db):
    return LegalEntityFactory(name=BUYER_NAME, tax_id=BUYER_ID)


@pytest.fixture
def seller_token(seller_user):
    return api_token_create(user=seller_user, name="erp")[1]


@pytest.mark.parametrize(
    "name",
    [
        'inv.xml"; filename="evil.html',
        "inv\r\nX-Injected: 1.xml",
        "evil.html",
        "发票‮lmth.xml",
        "../../../etc/passwd",
        "发票 😀 2026.xml",
        "x" * 250 + ".html",
    ],
)
def test_a_hostile_invoice_file_name_downloads_under_a_safe_name(
    client, seller_user, seller_token, our_entity, name
):
    response = ok(
        client.post(
            "/api/invoices/",
            {"file": SimpleUploadedFile(name, build_cn_xml())},
            HTTP_AUTHORIZATION=f"Bearer {seller_token}",
        )
    )
    assert response.status_code == 201, response.content
    invoice = Invoice.objects.get(pk=response.json()["id"])
    client.force_login(seller_user)
    download = ok(client.get(f"/invoices/{invoice.pk}/file/"))
    assert download.status_code == 200
    header = download["Content-Disposition"]
    assert "\r" not in header and "\n" not in header and "\u202e" not in header
    assert header.startswith("attachment;")
    assert header.count("filename") == 1  # no second, injected filename parameter
    assert header.endswith('.xml"') or header.endswith(".xml")
    assert '.html"' not in header and not header.endswith(".html")
    assert download.content == build_cn_xml()
    for page in ("/invoices/", f"/invoices/{invoice.pk}/"):
        ok(client.get(page))
    assert_csv_inert(csv_rows(b"".join(ok(client.get("/invoices/?format=csv")).streaming_content)))


def test_a_chinese_invoice_file_name_is_offered_with_rfc_6266_encoding(
    client, seller_user, seller_token, our_entity
):
    invoice_id = client.post(
        "/api/invoices/",
        {"file": SimpleUploadedFile("发票.xml", build_cn_xml())},
        HTTP_AUTHORIZATION=f"Bearer {seller_token}",
    ).json()["id"]
    client.force_login(seller_user)
    header = client.get(f"/invoices/{invoice_id}/file/")["Content-Disposition"]
    assert header == "attachment; filename*=utf-8''%E5%8F%91%E7%A5%A8.xml"


# --- e-mail subjects -----------------------------------------------------------------------------


def test_a_hostile_value_in_a_notification_subject_cannot_break_the_mail_header(db):
    user = UserFactory(email="supplier@example.com")
    for value in HOSTILE.values():
        (note,) = notify(users=[user], kind="invoice_rejected", params={"number": value, "reasons": value})
        mail.outbox.clear()
        notification_email_send(notification_id=note.pk)
        (message,) = mail.outbox
        assert "\r" not in message.subject and "\n" not in message.subject
        assert "\u202e" not in message.subject
        headers = message.message().as_string().split("\n\n", 1)[0]
        assert "X-Injected" not in headers and "Bcc: victim" not in headers


# --- quote notes and supplier names through the supplier's pages ---------------------------------


def test_a_hostile_quote_note_is_escaped_on_the_rfq_pages(client, buyer, supplier_a, supplier_user_a):
    from tests.factories import make_rfq

    rfq = make_rfq(buyer=buyer, suppliers=[supplier_a])
    client.force_login(supplier_user_a)
    line = rfq.lines.first()
    ok(
        client.post(
            f"/procurement/rfqs/{rfq.pk}/quote/",
            {
                f"price_{line.pk}": "9.50",
                "lead_time_days": "5",
                "note": HOSTILE["script"] + HOSTILE["link"],
            },
        )
    )
    html = ok(client.get(f"/procurement/rfqs/{rfq.pk}/")).content.decode()
    assert_html_inert(html, HOSTILE["script"] + HOSTILE["link"])
    client.force_login(buyer)
    for page in (f"/procurement/rfqs/{rfq.pk}/", f"/procurement/rfqs/{rfq.pk}/comparison/"):
        assert_html_inert(ok(client.get(page)).content.decode(), HOSTILE["script"] + HOSTILE["link"])


def test_a_requesters_hostile_free_text_line_is_escaped_in_the_cart(client):
    from requisitions import services as requisitions

    staff = UserFactory(username="hostile-staff", role="staff", is_staff=True)
    requester = UserFactory(username="hostile-requester", role="requester")
    centre = requisitions.cost_centre_create(
        legal_entity=LegalEntityFactory(),
        code="CC-X",
        name=HOSTILE["link"][:100],
        budget_owner=UserFactory(username="hostile-owner", role="requester"),
        delivery_address=HOSTILE["unclosed"],
        actor=staff,
    )
    requisitions.requester_assign(user=requester, cost_centre=centre, actor=staff)
    client.force_login(requester)
    for value in (HOSTILE["unclosed"], HOSTILE["link"], HOSTILE["script"], HOSTILE["emoji_cjk"]):
        ok(
            client.post(
                "/requisitions/cart/free-text/",
                {"description": value, "quantity": "1", "estimated_unit_price": "3.00", "unit": "EA"},
            )
        )
    html = ok(client.get("/requisitions/cart/")).content.decode()
    assert escape(HOSTILE["unclosed"]) in html and escape(HOSTILE["script"]) in html
    for value in HOSTILE.values():
        assert_html_inert(html, value)
    cart = ok(client.get("/api/requisitions/cart")).json()
    assert HOSTILE["link"] in str(cart)  # JSON carries the text as typed; the pages escape it
