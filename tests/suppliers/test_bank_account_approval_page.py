"""The finance approver of a bank account sees, on the approval page only, the full number (each
showing recorded in the account's history) and the supplier's supporting document, which is
uploaded with the account and checked like every other supplier document."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.selectors import transition_log_for
from suppliers.models import BankAccount
from tests.factories import UserFactory

NUMBER = "6222 0202 0011 2233 445"
FULL = "6222020200112233445"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

pytestmark = pytest.mark.django_db


def _add(client, user, supplier, *, proof: SimpleUploadedFile | None = None):
    client.force_login(user)
    data = {"bank_name": "工商银行", "account_name": "甲公司", "account_number": NUMBER, "currency": "CNY"}
    if proof is not None:
        data["supporting_document"] = proof
    return client.post(f"/suppliers/{supplier.pk}/bank-accounts/", data)


@pytest.fixture
def pending(client, supplier_user_a, supplier_a):
    response = _add(client, supplier_user_a, supplier_a, proof=SimpleUploadedFile("开户许可证.pdf", PDF))
    assert response.status_code in (200, 302), response.content
    return BankAccount.objects.get(supplier=supplier_a)


def test_the_supplier_uploads_a_supporting_document_with_the_account_and_finance_downloads_it(
    client, pending, finance, supplier_user_a
):
    assert (pending.proof_name, pending.proof_content_type, pending.proof_size) == (
        "开户许可证.pdf",
        "application/pdf",
        len(PDF),
    )
    client.force_login(finance)
    page = client.get(f"/suppliers/bank-accounts/{pending.pk}/").content.decode()
    assert "开户许可证.pdf" in page and f"/suppliers/bank-accounts/{pending.pk}/proof/" in page
    download = client.get(f"/suppliers/bank-accounts/{pending.pk}/proof/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["X-Content-Type-Options"] == "nosniff"
    client.force_login(supplier_user_a)  # the supplier sees its own document too
    assert client.get(f"/suppliers/bank-accounts/{pending.pk}/proof/").status_code == 200


def test_a_buyer_and_another_supplier_cannot_download_the_supporting_document(
    client, pending, buyer, supplier_b
):
    from tests.factories import make_supplier_user

    client.force_login(buyer)
    assert client.get(f"/suppliers/bank-accounts/{pending.pk}/proof/").status_code == 404
    client.force_login(make_supplier_user(supplier_b, "bob"))
    assert client.get(f"/suppliers/bank-accounts/{pending.pk}/proof/").status_code == 404


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("proof.pdf", b"MZ\x90\x00 not a document"), "This kind of file is not accepted"),
        (SimpleUploadedFile("proof.pdf", b""), "file is empty"),
    ],
)
def test_a_supporting_document_that_is_not_an_allowed_file_is_refused_and_nothing_is_added(
    client, supplier_user_a, supplier_a, upload, message
):
    response = _add(client, supplier_user_a, supplier_a, proof=upload)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not BankAccount.objects.filter(supplier=supplier_a).exists()


def test_finance_sees_the_full_number_only_on_request_and_every_showing_is_in_the_history(
    client, pending, finance
):
    client.force_login(finance)
    page = client.get(f"/suppliers/bank-accounts/{pending.pk}/").content.decode()
    assert FULL not in page and pending.masked_number in page
    assert f"/suppliers/bank-accounts/{pending.pk}/reveal/" in page

    shown = client.post(f"/suppliers/bank-accounts/{pending.pk}/reveal/")
    assert shown.status_code == 200 and FULL in shown.content.decode()
    assert shown["Cache-Control"] == "private, no-store"
    client.post(f"/suppliers/bank-accounts/{pending.pk}/reveal/")

    reveals = transition_log_for(pending).filter(transition="reveal_account_number")
    assert [(r.actor, r.source, r.target) for r in reveals] == [(finance, "pending", "pending")] * 2
    assert FULL not in client.get(f"/suppliers/bank-accounts/{pending.pk}/").content.decode()


def test_only_a_finance_user_who_may_approve_sees_the_full_number(client, pending, buyer, supplier_user_a):
    for user in (buyer, supplier_user_a):
        client.force_login(user)
        page = client.get(f"/suppliers/bank-accounts/{pending.pk}/").content.decode()
        assert "/reveal/" not in page
        response = client.post(f"/suppliers/bank-accounts/{pending.pk}/reveal/")
        assert response.status_code in (403, 404) and FULL not in response.content.decode()
    assert not transition_log_for(pending).filter(transition="reveal_account_number").exists()


def test_the_finance_user_who_entered_the_account_cannot_see_the_number_as_its_approver(client, supplier_a):
    clerk = UserFactory(username="finance-clerk", role="finance")
    _add(client, clerk, supplier_a)
    account = BankAccount.objects.get(supplier=supplier_a)

    assert client.post(f"/suppliers/bank-accounts/{account.pk}/reveal/").status_code == 403


def test_after_approval_the_number_is_masked_again_and_the_approval_is_in_the_history(
    client, pending, finance
):
    client.force_login(finance)
    client.post(f"/suppliers/bank-accounts/{pending.pk}/reveal/")
    response = client.post(
        f"/suppliers/bank-accounts/{pending.pk}/approve/", {"reason": "号码与开户许可证一致"}, follow=True
    )

    page = response.content.decode()
    assert FULL not in page and "/reveal/" not in page
    assert client.post(f"/suppliers/bank-accounts/{pending.pk}/reveal/").status_code == 403
    history = [(h.transition, h.actor, h.reason) for h in transition_log_for(pending)]
    assert history == [
        ("reveal_account_number", finance, ""),
        ("approve", finance, "号码与开户许可证一致"),
    ]
