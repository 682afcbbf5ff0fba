"""Supplier approval by a second person; reinstating re-checks the qualifications (seen:
"reinstate" skipped the check); the local encryption key (seen: adding a bank account answered
500 under `make run`, which sets no FIELD_ENCRYPTION_KEY)."""

import os
import stat
from datetime import date, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from core.models import TransitionLog
from suppliers import crypto
from suppliers.models import Supplier
from suppliers.services import (
    qualification_expiry_check,
    supplier_invitation_accept,
    supplier_invite,
    supplier_transition,
)
from tests.factories import UserFactory, make_document, make_uscc

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def approver(db):
    return UserFactory(username="approver1", role="buyer")


def _invited_and_submitted(buyer):
    _inv, token = supplier_invite(email="new@example.cn", actor=buyer)
    user, supplier = supplier_invitation_accept(
        token=token,
        username="newsup",
        password="a-long-enough-password-9",
        name="新供应商",
        tax_id=make_uscc(),
    )
    make_document(supplier, user)
    supplier_transition(supplier=supplier, name="submit", actor=user)
    return Supplier.objects.get(pk=supplier.pk)


def test_the_buyer_who_invited_a_supplier_cannot_approve_it_another_buyer_can(client_as, buyer, approver):
    supplier = _invited_and_submitted(buyer)
    client = client_as(buyer)
    page = client.get(f"/suppliers/{supplier.pk}/", **EN).content.decode()
    assert "another buyer must approve it" in page
    assert f"/suppliers/{supplier.pk}/approve/" not in page
    client.post(f"/suppliers/{supplier.pk}/approve/")
    assert Supplier.objects.get(pk=supplier.pk).state == "submitted"
    response = client.post(f"/api/suppliers/{supplier.pk}/approve", {}, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "own_change_approval"
    client = client_as(approver)
    assert f"/suppliers/{supplier.pk}/approve/" in client.get(f"/suppliers/{supplier.pk}/").content.decode()
    client.post(f"/suppliers/{supplier.pk}/approve/")
    assert Supplier.objects.get(pk=supplier.pk).state == "approved"
    assert TransitionLog.objects.get(transition="approve").actor == approver


def test_the_buyer_who_entered_and_submitted_a_supplier_cannot_approve_it(client_as, buyer, approver):
    client = client_as(buyer)
    response = client.post(
        "/api/suppliers/",
        {"name": "买方录入的供应商", "tax_id": make_uscc()},
        content_type="application/json",
    )
    supplier = Supplier.objects.get(pk=response.json()["id"])
    assert supplier.created_by == buyer
    make_document(supplier, buyer)
    client.post(f"/suppliers/{supplier.pk}/submit/")
    assert Supplier.objects.get(pk=supplier.pk).state == "submitted"
    response = client.post(f"/api/suppliers/{supplier.pk}/approve", {}, content_type="application/json")
    assert response.status_code == 403
    response = client_as(approver).post(
        f"/api/suppliers/{supplier.pk}/approve", {}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["state"] == "approved"


def test_reinstating_without_a_valid_business_licence_is_refused_with_the_reason(
    client_as, buyer, supplier_a, supplier_user_a
):
    make_document(supplier_a, supplier_user_a, expires_on=date(2026, 5, 31))
    qualification_expiry_check(today=date(2026, 6, 1))
    assert Supplier.objects.get(pk=supplier_a.pk).state == "suspended"
    client = client_as(buyer)
    response = client.post(
        f"/suppliers/{supplier_a.pk}/reinstate/", HTTP_REFERER=f"/suppliers/{supplier_a.pk}/", **EN
    )
    assert response.status_code == 302
    page = client.get(f"/suppliers/{supplier_a.pk}/", **EN).content.decode()
    assert "cannot be reinstated" in page and "Business licence" in page
    assert Supplier.objects.get(pk=supplier_a.pk).state == "suspended"
    response = client.post(f"/api/suppliers/{supplier_a.pk}/reinstate", {}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "mandatory_documents_missing"
    assert response.json()["details"]["missing"] == ["business_licence"]
    # a renewed licence: reinstating works
    make_document(supplier_a, supplier_user_a, expires_on=timezone.localdate() + timedelta(days=365))
    client.post(f"/suppliers/{supplier_a.pk}/reinstate/")
    assert Supplier.objects.get(pk=supplier_a.pk).state == "approved"


def test_approving_a_submitted_supplier_whose_licence_expired_meanwhile_is_refused(
    buyer, approver, client_as
):
    supplier = _invited_and_submitted(buyer)
    supplier.documents.update(expires_on=timezone.localdate() - timedelta(days=1))
    response = client_as(approver).post(
        f"/api/suppliers/{supplier.pk}/approve", {}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "mandatory_documents_missing"
    assert Supplier.objects.get(pk=supplier.pk).state == "submitted"


# --- the local encryption key ----------------------------------------------------------------


def test_the_local_key_is_made_once_readable_by_its_owner_only_and_reused(tmp_path):
    path = tmp_path / "var" / "field-encryption.key"
    first = crypto.local_key(path)
    assert len(first) == 32 and path.exists()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert crypto.local_key(path) == first  # a later start reads the same key
    assert [p.name for p in path.parent.iterdir()] == ["field-encryption.key"]  # no temp file left


def test_a_damaged_local_key_file_stops_with_a_clear_message(tmp_path):
    path = tmp_path / "field-encryption.key"
    path.write_text("not a key\n")
    with pytest.raises(ImproperlyConfigured, match="delete it to make a new one"):
        crypto.local_key(path)


def test_local_settings_use_the_key_file_in_var_when_no_key_is_set():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k not in ("FIELD_ENCRYPTION_KEY", "DJANGO_SETTINGS_MODULE")}
    code = (
        "import base64, config.settings.local as s;"
        "print(base64.urlsafe_b64encode(s.FIELD_ENCRYPTION_KEYS[0]).decode())"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, check=True
        )
        for _ in range(2)
    ]
    key_file = root / "var" / "field-encryption.key"
    assert runs[0].stdout == runs[1].stdout == key_file.read_text()
    assert (
        subprocess.run(["git", "check-ignore", "-q", str(key_file)], cwd=root).returncode == 0
    )  # never committed
