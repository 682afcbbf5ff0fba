"""No oracles and no open doors: an upload never tells a supplier about another supplier's
file, a refused action sends the person back only to a page of the portal, the API docs are for
logged-in users and load nothing from elsewhere, every page carries a CSP that allows no inline
script, and no template has one."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile

from core.middleware import CONTENT_SECURITY_POLICY
from invoicing.models import Invoice
from tests.factories import LegalEntityFactory, SupplierFactory, make_purchase_order, make_supplier_user
from tests.invoicing.cn_xml_builder import BUYER_ID, BUYER_NAME, SELLER_ID, SELLER_NAME, build_cn_xml

pytestmark = pytest.mark.django_db

ROOT = Path(django_settings.BASE_DIR)


@pytest.fixture
def two_uploaders(db):
    LegalEntityFactory(name=BUYER_NAME, tax_id=BUYER_ID)
    seller = make_supplier_user(SupplierFactory(name=SELLER_NAME, tax_id=SELLER_ID, state="approved"), "up-a")
    other = make_supplier_user(SupplierFactory(name="另一家供应商", state="approved"), "up-b")
    return seller, other


def upload_page(client, user, data, name="inv.xml"):
    client.force_login(user)
    return client.post("/invoices/upload/file/", {"file": SimpleUploadedFile(name, data)})


def test_the_same_bytes_from_another_supplier_never_answer_already_uploaded(client, two_uploaders):
    seller, other = two_uploaders
    data = build_cn_xml()
    first = upload_page(client, seller, data)
    assert first.status_code < 400
    theirs = Invoice.objects.get(supplier=seller.membership.supplier)
    answer = upload_page(client, other, data, name="copy.xml")
    text = answer.content.decode()
    assert answer.status_code < 500
    assert "already" not in text.lower() and "file_already_uploaded" not in text
    mine = Invoice.objects.get(supplier=other.membership.supplier)
    assert mine.pk != theirs.pk and mine.file_id != theirs.file_id
    assert mine.file.sha256 == theirs.file.sha256
    # the other supplier sees only its own upload; the first one is untouched
    listing = client.get("/invoices/").content.decode()
    assert f"/invoices/{theirs.pk}/" not in listing
    assert client.get(f"/invoices/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.supplier == seller.membership.supplier and theirs.file.original_name == "inv.xml"


def test_the_same_bytes_from_another_supplier_through_the_api_are_a_new_upload(client, two_uploaders):
    from core.services import api_token_create

    seller, other = two_uploaders
    data = build_cn_xml()
    for user in (seller, other):
        raw = api_token_create(user=user, name="erp")[1]
        response = client.post(
            "/api/invoices/", {"file": SimpleUploadedFile("x.xml", data)}, HTTP_AUTHORIZATION=f"Bearer {raw}"
        )
        assert response.status_code == 201, response.content
        again = client.post(
            "/api/invoices/", {"file": SimpleUploadedFile("x.xml", data)}, HTTP_AUTHORIZATION=f"Bearer {raw}"
        )
        assert (
            again.status_code == 200 and again.json()["id"] == response.json()["id"]
        )  # own copy: same invoice
    assert Invoice.objects.count() == 2


def test_a_refused_action_never_redirects_to_another_site(client, buyer, supplier_a):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="cancelled")
    client.force_login(buyer)
    for referer in (
        "https://evil.example/phish",
        "//evil.example/phish",
        "http://testserver.evil.example/",
        "javascript:alert(1)",
        "/no-such-page/at-all/",
    ):
        response = client.post(f"/procurement/pos/{po.pk}/do/cancel/", HTTP_REFERER=referer)
        assert response.status_code == 302, response.status_code
        assert response["Location"] == "/", (referer, response["Location"])
    back = client.post(
        f"/procurement/pos/{po.pk}/do/cancel/",
        HTTP_REFERER=f"http://testserver/procurement/pos/{po.pk}/?tab=1",
    )
    assert back["Location"] == f"/procurement/pos/{po.pk}/?tab=1"
    htmx = client.post(
        f"/procurement/pos/{po.pk}/do/cancel/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="https://evil.example/",
    )
    assert htmx["HX-Redirect"] == "/"


def test_the_api_docs_need_a_login_and_load_only_the_portals_own_files(client, buyer):
    anonymous = client.get("/api/docs")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    assert client.get("/api/openapi.json").status_code == 200  # the document itself stays public
    client.force_login(buyer)
    page = client.get("/api/docs")
    html = page.content.decode()
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/static/vendor/swagger-ui/") for s in sources), sources
    for source in sources:
        assert (ROOT / source.removeprefix("/")).exists(), source
    assert "cdn" not in html.lower() and "https://" not in html
    assert '"validatorUrl": null' in html
    assert not re.search(r"<script(?![^>]*\b(src|type=\"application/json\"))[^>]*>", html)
    assert page["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_every_page_carries_a_csp_without_inline_script(client, buyer):
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY.split("script-src", 1)[1].split(";")[0]
    assert "unsafe-eval" not in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert client.get("/login/")["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    client.force_login(buyer)
    for url in ("/", "/tokens/", "/procurement/pos/", "/password/change/"):
        assert client.get(url)["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_no_template_has_an_inline_script_or_an_event_handler_attribute():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
    handler = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
    offenders = []
    for path in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if inline_script.search(text) or handler.search(text) or "javascript:" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_the_language_switch_works_without_inline_script(client):
    html = client.get("/login/").content.decode()
    assert "data-autosubmit" in html and "onchange" not in html
    assert "/static/js/autosubmit.js" in html
