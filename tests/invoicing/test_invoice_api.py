from decimal import Decimal

import pytest

from core.services import api_token_create
from invoicing.models import Invoice, UploadRefusal
from tests.invoicing.cn_xml_builder import build_cn_xml


@pytest.fixture
def auth(seller_user):
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=seller_user, name='erp')[1]}"}


def post_file(client, auth, data, name="inv.xml", **headers):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/api/invoices/", {"file": SimpleUploadedFile(name, data)}, **auth, **headers)


def test_api_upload_validates_and_returns_the_invoice(
    client, auth, our_entity, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(client, auth, build_cn_xml())
    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "received"  # validation runs after the upload's transaction commits
    detail = client.get(f"/api/invoices/{body['id']}", **auth).json()
    assert detail["state"] not in ("received", "validating", "rejected")  # validated, then matched
    assert detail["invoice_number"] == "26352000000012345678"
    assert detail["lines"][0]["net"] == "1000.00"
    assert [h["to"] for h in detail["history"]][:2] == ["validating", "validated"]


def test_a_new_upload_answers_what_reading_the_invoice_back_answers(client, auth, our_entity):
    """The 201 is made from the invoice the upload created, not read back: it must say what the
    detail endpoint says of it (validation has not run: its on-commit task is not executed here)."""
    created = post_file(client, auth, build_cn_xml())
    assert created.status_code == 201
    body = created.json()
    detail = client.get(f"/api/invoices/{body['id']}", **auth).json()
    # SQLite reads the annotation's zero back as "0", PostgreSQL as "0.00": the same amount
    assert Decimal(body.pop("paid_amount")) == Decimal(detail.pop("paid_amount")) == 0
    assert body == detail
    assert body["state"] == "received" and body["lines"] == body["issues"] == body["history"] == []
    assert body["payments"] == [] and body["payment_status"] == ""
    assert body["due_date"] is None and len(body["sha256"]) == 64


def test_api_upload_of_the_same_bytes_is_200_with_the_same_invoice(client, auth, our_entity):
    first = post_file(client, auth, build_cn_xml()).json()
    again = post_file(client, auth, build_cn_xml(), name="other-name.xml")
    assert again.status_code == 200 and again.json()["id"] == first["id"]


def test_api_upload_with_reused_idempotency_key_and_other_bytes_is_409(client, auth, our_entity):
    post_file(client, auth, build_cn_xml(), HTTP_IDEMPOTENCY_KEY="abc")
    response = post_file(
        client, auth, build_cn_xml(number="26352000000011111111"), HTTP_IDEMPOTENCY_KEY="abc"
    )
    assert response.status_code == 409 and response.json()["code"] == "idempotency_key_reused"
    assert Invoice.objects.count() == 1


def test_api_refuses_a_hostile_file_with_its_code(client, auth):
    response = post_file(
        client, auth, b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><EInvoice>&e;</EInvoice>'
    )
    assert response.status_code == 400
    assert response.json()["code"] == "xml_doctype"
    assert not Invoice.objects.exists() and UploadRefusal.objects.count() == 1


def test_api_original_file_download_returns_the_exact_bytes(client, auth, our_entity):
    data = build_cn_xml()
    invoice_id = post_file(client, auth, data).json()["id"]
    response = client.get(f"/api/invoices/{invoice_id}/file", **auth)
    assert response.status_code == 200 and response.content == data


def test_buyer_cannot_upload_through_the_api(client, buyer):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=buyer, name='b')[1]}"}
    response = post_file(client, auth, build_cn_xml())
    assert response.status_code == 400 and response.json()["code"] == "not_a_supplier_user"


def test_portal_upload_answers_each_file_with_its_own_result(
    client, seller_user, our_entity, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(seller_user)
    assert client.get("/invoices/upload/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        ok = client.post("/invoices/upload/file/", {"file": SimpleUploadedFile("a.xml", build_cn_xml())})
    bad = client.post("/invoices/upload/file/", {"file": SimpleUploadedFile("b.pdf", b"%PDF-1.4 junk")})
    assert ok.status_code == 201 and "Received" in ok.content.decode()
    assert bad.status_code == 400 and "pdf_malformed" in bad.content.decode()
    page = client.get(f"/invoices/{Invoice.objects.get().pk}/").content.decode()
    assert "26352000000012345678" in page and "validated" in page.lower()


@pytest.mark.parametrize("damage", ["changed", "missing"])
def test_a_changed_or_missing_stored_original_is_refused_with_a_reason_not_a_500(
    client, auth, seller_user, our_entity, damage
):
    """A stored original altered or lost in storage is never served: the API answers 409 with its
    code, the invoice page's download link leads back with the reason (in the reader's language)."""
    from django.core.files.storage import default_storage

    data = build_cn_xml()
    invoice = Invoice.objects.get(pk=post_file(client, auth, data).json()["id"])
    path = invoice.file.path
    default_storage.delete(path)
    if damage == "changed":
        default_storage.save(path, __import__("io").BytesIO(data.replace(b"1000.00", b"9000.00")))

    api = client.get(f"/api/invoices/{invoice.pk}/file", **auth)
    assert api.status_code == 409 and api.json()["code"] == "stored_file_unavailable"

    client.force_login(seller_user)
    page = client.get(
        f"/invoices/{invoice.pk}/file/",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        HTTP_REFERER=f"/invoices/{invoice.pk}/",
    )
    assert page.status_code == 302 and page["Location"] == f"/invoices/{invoice.pk}/"
    shown = client.get(page["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "SHA-256" in shown and "9000.00" not in shown
