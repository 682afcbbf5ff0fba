import io
import re
import zipfile
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from core.errors import DomainError, PermissionDenied
from core.models import TransitionLog, User
from suppliers.models import QualificationDocument, Supplier, SupplierInvitation
from suppliers.services import (
    qualification_document_upload,
    supplier_invitation_accept,
    supplier_invite,
    supplier_require_approved,
    supplier_transition,
)
from tests.factories import PDF_BYTES, SupplierFactory, make_document, make_uscc

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 20
pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 20


def _ofd_bytes():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("OFD.xml", "<ofd:OFD/>")
    return buf.getvalue()


def _register(token, **overrides):
    data = {
        "token": token,
        "username": "newsupplier",
        "password": "a-long-enough-password-9",
        "name": "深圳新供应商有限公司",
        "tax_id": make_uscc("91440300MA"),
        "address": "深圳市南山区",
        "contact_name": "王经理",
        "contact_email": "wang@example.cn",
        "contact_phone": "+86 755 1234 5678",
    }
    data.update(overrides)
    return supplier_invitation_accept(**data)


def _token_from_mail():
    return re.search(r"/suppliers/invitations/([\w-]+)/", mail.outbox[-1].body).group(1)


def test_buyer_invites_by_email_and_the_supplier_registers_with_the_link(
    buyer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, raw = supplier_invite(email="sales@new.example.cn", actor=buyer)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sales@new.example.cn"]
    assert _token_from_mail() == raw
    assert SupplierInvitation.objects.get().token_hash != raw  # only the hash is stored
    user, supplier = _register(raw)
    assert user.role == "supplier" and user.membership.supplier == supplier
    assert supplier.state == "draft" and supplier.contact_name == "王经理"
    invitation.refresh_from_db()
    assert invitation.used_by == user and invitation.supplier == supplier


def test_an_invitation_link_works_only_once(buyer):
    _, raw = supplier_invite(email="a@example.cn", actor=buyer)
    _register(raw)
    with pytest.raises(DomainError) as exc:
        _register(raw, username="second", tax_id=make_uscc("91440300MA"))
    assert exc.value.code == "invitation_used"
    assert Supplier.objects.count() == 1 and not User.objects.filter(username="second").exists()


def test_an_expired_invitation_link_is_refused_and_nothing_is_created(buyer):
    invitation, raw = supplier_invite(email="a@example.cn", actor=buyer)
    SupplierInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(DomainError) as exc:
        _register(raw)
    assert exc.value.code == "invitation_expired"
    assert not Supplier.objects.exists() and not User.objects.filter(username="newsupplier").exists()


def test_registration_with_an_invalid_tax_id_creates_nothing_and_keeps_the_link_usable(buyer):
    _, raw = supplier_invite(email="a@example.cn", actor=buyer)
    with pytest.raises(DomainError) as exc:
        _register(raw, tax_id="91350100M000100Y44")
    assert exc.value.code == "invalid_tax_id"
    assert not User.objects.filter(username="newsupplier").exists()
    _register(raw)  # still usable


def test_registration_with_a_duplicate_tax_id_is_refused(buyer, supplier_a):
    _, raw = supplier_invite(email="a@example.cn", actor=buyer)
    with pytest.raises(DomainError) as exc:
        _register(raw, tax_id=supplier_a.tax_id)
    assert exc.value.code == "duplicate_tax_id"
    assert Supplier.objects.count() == 1


def test_supplier_user_cannot_invite(supplier_user_a):
    with pytest.raises(PermissionDenied):
        supplier_invite(email="a@example.cn", actor=supplier_user_a)
    assert not SupplierInvitation.objects.exists()


def test_invitation_page_and_api_report_a_reused_link(client, buyer):
    _, raw = supplier_invite(email="a@example.cn", actor=buyer)
    response = client.post(
        f"/suppliers/invitations/{raw}/",
        {
            "username": "webuser",
            "password": "a-long-enough-password-9",
            "name": "Web 公司",
            "tax_id": make_uscc(),
        },
    )
    assert response.status_code == 302
    client.logout()
    assert client.get(f"/suppliers/invitations/{raw}/").status_code == 409
    response = client.post(
        "/api/suppliers/invitations/accept",
        {
            "token": raw,
            "username": "x2",
            "password": "a-long-enough-password-9",
            "name": "X",
            "tax_id": make_uscc(),
        },
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["code"] == "invitation_used"


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (PDF_BYTES, "licence.pdf", "application/pdf"),
        (PNG, "scan.png", "image/png"),
        (JPEG, "photo.jpg", "image/jpeg"),
        (_ofd_bytes(), "licence.ofd", "application/ofd"),
    ],
)
def test_allowed_documents_are_stored_with_the_type_read_from_their_bytes(
    supplier_user_a, supplier_a, data, name, content_type
):
    doc = qualification_document_upload(
        supplier=supplier_a,
        doc_type="business_licence",
        expires_on=timezone.localdate() + timedelta(days=365),
        uploaded_file=SimpleUploadedFile(name, data),
        actor=supplier_user_a,
    )
    assert doc.content_type == content_type
    assert doc.file.read() == data


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"MZ\x90\0 this is an exe", "licence.pdf"),  # right extension, wrong bytes
        (b"<html><script>", "licence.png"),
        (b"PK\x03\x04not really a zip", "licence.ofd"),
    ],
)
def test_a_document_of_a_forbidden_type_is_refused_by_its_bytes(supplier_user_a, supplier_a, data, name):
    with pytest.raises(DomainError) as exc:
        qualification_document_upload(
            supplier=supplier_a,
            doc_type="business_licence",
            expires_on=None,
            uploaded_file=SimpleUploadedFile(name, data),
            actor=supplier_user_a,
        )
    assert exc.value.code == "document_type_not_allowed"
    assert not QualificationDocument.objects.exists()


@override_settings(QUALIFICATION_MAX_UPLOAD_BYTES=100)
def test_a_document_over_the_size_limit_is_refused(supplier_user_a, supplier_a):
    with pytest.raises(DomainError) as exc:
        qualification_document_upload(
            supplier=supplier_a,
            doc_type="other",
            expires_on=None,
            uploaded_file=SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 200),
            actor=supplier_user_a,
        )
    assert exc.value.code == "document_too_large"
    assert not QualificationDocument.objects.exists()


def test_document_upload_api_returns_a_machine_readable_code(client_as, supplier_user_a, supplier_a):
    client = client_as(supplier_user_a)
    response = client.post(
        f"/api/suppliers/{supplier_a.pk}/documents",
        {"doc_type": "business_licence", "file": SimpleUploadedFile("x.pdf", b"GIF89a....")},
    )
    assert response.status_code == 422 and response.json()["code"] == "document_type_not_allowed"
    response = client.post(
        f"/api/suppliers/{supplier_a.pk}/documents",
        {
            "doc_type": "business_licence",
            "expires_on": "2099-01-01",
            "file": SimpleUploadedFile("x.pdf", PDF_BYTES),
        },
    )
    assert response.status_code == 201 and response.json()["content_type"] == "application/pdf"


def test_document_files_are_served_only_to_those_allowed(
    client_as, supplier_user_a, supplier_user_b, supplier_a, buyer
):
    doc = make_document(supplier_a, supplier_user_a)
    response = client_as(supplier_user_a).get(f"/suppliers/documents/{doc.pk}/file/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Disposition"].startswith("attachment")
    assert client_as(buyer).get(f"/api/suppliers/documents/{doc.pk}/file").status_code == 200
    assert client_as(supplier_user_b).get(f"/suppliers/documents/{doc.pk}/file/").status_code == 404
    assert client_as(supplier_user_b).get(f"/api/suppliers/documents/{doc.pk}/file").status_code == 404


def test_submitting_without_a_valid_business_licence_is_refused(supplier_user_a):
    supplier = supplier_user_a.membership.supplier
    Supplier.objects.filter(pk=supplier.pk).update(state="draft")
    with pytest.raises(DomainError) as exc:
        supplier_transition(
            supplier=Supplier.objects.get(pk=supplier.pk), name="submit", actor=supplier_user_a
        )
    assert exc.value.code == "mandatory_documents_missing"
    assert Supplier.objects.get(pk=supplier.pk).state == "draft" and not TransitionLog.objects.exists()


def test_full_onboarding_then_buyer_rejects_with_reason_then_approves(buyer, supplier_user_a):
    supplier = supplier_user_a.membership.supplier
    Supplier.objects.filter(pk=supplier.pk).update(state="draft")
    make_document(supplier, supplier_user_a)
    supplier_transition(supplier=supplier, name="submit", actor=supplier_user_a)
    with pytest.raises(DomainError) as exc:
        supplier_transition(supplier=supplier, name="reject", actor=buyer)
    assert exc.value.code == "reason_required"
    supplier_transition(supplier=supplier, name="reject", actor=buyer, reason="licence scan unreadable")
    supplier_transition(supplier=supplier, name="submit", actor=supplier_user_a)
    supplier_transition(supplier=supplier, name="approve", actor=buyer)
    supplier_transition(supplier=supplier, name="block", actor=buyer, reason="fraud")
    assert list(TransitionLog.objects.values_list("transition", flat=True)) == [
        "submit",
        "reject",
        "submit",
        "approve",
        "block",
    ]


@pytest.mark.parametrize("state", ["draft", "submitted", "suspended", "blocked"])
def test_only_approved_suppliers_pass_supplier_require_approved(state):
    supplier = SupplierFactory(state=state)
    with pytest.raises(DomainError) as exc:
        supplier_require_approved(supplier)
    assert exc.value.code == "supplier_not_approved"


def test_an_approved_supplier_passes_supplier_require_approved(supplier_a):
    supplier_require_approved(supplier_a)


def test_supplier_user_edits_company_data_in_draft_but_not_after_submission(client_as, supplier_user_a):
    supplier = supplier_user_a.membership.supplier
    Supplier.objects.filter(pk=supplier.pk).update(state="draft")
    client = client_as(supplier_user_a)
    data = {
        "name": "甲 新名称",
        "tax_id": supplier.tax_id,
        "address": "上海",
        "contact_email": "x@example.cn",
    }
    assert client.post(f"/suppliers/{supplier.pk}/edit/", data).status_code == 302
    assert Supplier.objects.get(pk=supplier.pk).name == "甲 新名称"
    response = client.post(f"/suppliers/{supplier.pk}/edit/", {**data, "tax_id": "91350100M000100Y44"})
    assert response.status_code == 400 and "check character" in response.content.decode()
    Supplier.objects.filter(pk=supplier.pk).update(state="submitted")
    assert client.post(f"/suppliers/{supplier.pk}/edit/", data).status_code == 403
