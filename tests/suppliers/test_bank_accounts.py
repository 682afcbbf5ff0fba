import pytest
from django.core.management import call_command
from django.test import override_settings

from core.errors import DomainError, IllegalTransition, PermissionDenied
from core.models import TransitionLog
from core.selectors import transition_log_for
from suppliers import crypto
from suppliers.models import BankAccount
from suppliers.selectors import (
    approved_bank_account_for_payment,
    bank_account_check_payable,
    bank_account_require_approved_for_payment,
)
from suppliers.services import bank_account_add, bank_account_approve, bank_account_reject
from tests.factories import UserFactory

NUMBER = "6222 0202 0011 2233 445"


def test_account_number_is_encrypted_at_rest_and_shown_masked(supplier_user_a, supplier_a):
    account = bank_account_add(
        supplier=supplier_a,
        bank_name="ICBC",
        account_name="甲公司",
        account_number=NUMBER,
        actor=supplier_user_a,
    )
    stored = BankAccount.objects.values_list("account_number_encrypted", flat=True).get(pk=account.pk)
    assert "62220202" not in stored and "3445" not in stored
    assert stored.startswith("v2:")
    assert account.masked_number.endswith("3445") and "6222" not in account.masked_number
    assert BankAccount.objects.get(pk=account.pk).account_number() == "6222020200112233445"


def test_a_new_account_pays_nothing_until_finance_approves_it(supplier_user_a, supplier_a, finance):
    account = bank_account_add(
        supplier=supplier_a, bank_name="ICBC", account_name="A", account_number=NUMBER, actor=supplier_user_a
    )
    assert account.state == "pending"
    assert approved_bank_account_for_payment(supplier_a) is None
    with pytest.raises(DomainError) as exc:
        bank_account_require_approved_for_payment(supplier_a)
    assert exc.value.code == "bank_account_not_approved"
    with pytest.raises(DomainError) as exc:
        bank_account_check_payable(account)
    assert exc.value.code == "bank_account_not_approved"

    bank_account_approve(account=account, actor=finance, reason="called the supplier back")
    assert approved_bank_account_for_payment(supplier_a).pk == account.pk
    log = transition_log_for(account).get(transition="approve")
    assert (log.source, log.target, log.actor, log.reason) == (
        "pending",
        "approved",
        finance,
        "called the supplier back",
    )


def test_a_changed_account_keeps_paying_the_old_one_until_the_change_is_approved(
    supplier_user_a, supplier_a, finance
):
    old = bank_account_add(
        supplier=supplier_a,
        bank_name="ICBC",
        account_name="A",
        account_number="1111222233334444",
        actor=supplier_user_a,
    )
    bank_account_approve(account=old, actor=finance)
    new = bank_account_add(
        supplier=supplier_a,
        bank_name="Fraud Bank",
        account_name="A",
        account_number="9999888877776666",
        actor=supplier_user_a,
        replaces=old,
    )
    assert approved_bank_account_for_payment(supplier_a).pk == old.pk
    bank_account_approve(account=new, actor=finance)
    assert approved_bank_account_for_payment(supplier_a).pk == new.pk
    assert BankAccount.objects.get(pk=old.pk).state == "retired"
    assert TransitionLog.objects.filter(object_id=str(old.pk), transition="retire").count() == 1


def test_rejected_account_is_never_returned_for_payment(supplier_user_a, supplier_a, finance):
    account = bank_account_add(
        supplier=supplier_a, bank_name="X", account_name="A", account_number=NUMBER, actor=supplier_user_a
    )
    bank_account_reject(account=account, actor=finance, reason="name does not match")
    assert BankAccount.objects.get(pk=account.pk).state == "rejected"
    assert approved_bank_account_for_payment(supplier_a) is None
    with pytest.raises(IllegalTransition):
        bank_account_approve(account=account, actor=finance)


def test_a_buyer_or_supplier_user_cannot_approve_a_bank_account(supplier_user_a, supplier_a, buyer):
    account = bank_account_add(
        supplier=supplier_a, bank_name="X", account_name="A", account_number=NUMBER, actor=supplier_user_a
    )
    for user in (buyer, supplier_user_a):
        with pytest.raises(PermissionDenied):
            bank_account_approve(account=account, actor=user)
    assert BankAccount.objects.get(pk=account.pk).state == "pending"
    assert not TransitionLog.objects.exists()


def test_finance_cannot_approve_an_account_they_entered(supplier_a, finance):
    account = bank_account_add(
        supplier=supplier_a, bank_name="X", account_name="A", account_number=NUMBER, actor=finance
    )
    with pytest.raises(PermissionDenied) as exc:
        bank_account_approve(account=account, actor=finance)
    assert exc.value.code == "own_change_approval"
    assert BankAccount.objects.get(pk=account.pk).state == "pending"


def test_invalid_account_number_is_refused(supplier_user_a, supplier_a):
    with pytest.raises(DomainError) as exc:
        bank_account_add(
            supplier=supplier_a,
            bank_name="X",
            account_name="A",
            account_number="12 ab!",
            actor=supplier_user_a,
        )
    assert exc.value.code == "invalid_account_number"
    assert not BankAccount.objects.exists()


def test_supplier_user_cannot_add_an_account_to_another_supplier(supplier_user_a, supplier_b):
    with pytest.raises(PermissionDenied):
        bank_account_add(
            supplier=supplier_b, bank_name="X", account_name="A", account_number=NUMBER, actor=supplier_user_a
        )
    assert not BankAccount.objects.exists()


def test_rotate_encryption_keys_re_encrypts_with_the_newest_key(supplier_user_a, supplier_a):
    old_key, new_key = b"o" * 32, b"n" * 32
    with override_settings(FIELD_ENCRYPTION_KEYS=[old_key]):
        account = bank_account_add(
            supplier=supplier_a, bank_name="X", account_name="A", account_number=NUMBER, actor=supplier_user_a
        )
    before = BankAccount.objects.get(pk=account.pk).account_number_encrypted
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, old_key]):
        assert BankAccount.objects.get(pk=account.pk).account_number() == "6222020200112233445"
        call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
        after = BankAccount.objects.get(pk=account.pk).account_number_encrypted
        assert after != before and crypto.stored_key_id(after) == crypto.key_id(new_key)
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]):  # the old key can now be removed
        assert BankAccount.objects.get(pk=account.pk).account_number() == "6222020200112233445"
        call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
        assert BankAccount.objects.get(pk=account.pk).account_number_encrypted == after


def test_a_value_encrypted_with_an_unknown_key_does_not_decrypt(supplier_user_a, supplier_a):
    with override_settings(FIELD_ENCRYPTION_KEYS=[b"o" * 32]):
        token = crypto.encrypt("123456", aad=b"row")
    with override_settings(FIELD_ENCRYPTION_KEYS=[b"n" * 32]), pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, aad=b"row")


def test_finance_approves_in_the_portal_and_sees_the_panel(client_as, supplier_user_a, supplier_a, finance):
    account = bank_account_add(
        supplier=supplier_a, bank_name="ICBC", account_name="A", account_number=NUMBER, actor=supplier_user_a
    )
    client = client_as(finance)
    home = client.get("/")
    assert "ICBC" in home.content.decode() and "3445" in home.content.decode()
    assert "6222020200112233445" not in client.get(f"/suppliers/bank-accounts/{account.pk}/").content.decode()
    response = client.post(f"/suppliers/bank-accounts/{account.pk}/approve/", {"reason": "ok"})
    assert response.status_code == 302
    assert BankAccount.objects.get(pk=account.pk).state == "approved"


def test_bank_account_api_add_then_approve(client_as, supplier_user_a, supplier_a):
    client = client_as(supplier_user_a)
    response = client.post(
        f"/api/suppliers/{supplier_a.pk}/bank-accounts",
        {"bank_name": "ICBC", "account_name": "A", "account_number": NUMBER},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "pending" and body["account_number_masked"].endswith("3445")
    assert "6222020200112233445" not in response.content.decode()
    response = client.post(
        f"/api/suppliers/bank-accounts/{body['id']}/approve", {"reason": ""}, content_type="application/json"
    )
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    finance2 = UserFactory(username="finance9", role="finance")
    client.force_login(finance2)
    response = client.post(
        f"/api/suppliers/bank-accounts/{body['id']}/approve", {"reason": ""}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["state"] == "approved"
