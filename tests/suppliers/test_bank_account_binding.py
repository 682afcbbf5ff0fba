"""A bank account number is bound to its row: a database writer without the key who copies a
ciphertext into another supplier's (or another) account gets a number nobody can use, and the
portal says so clearly instead of failing; numbers stored before the binding are re-encrypted."""

import base64
import importlib
import os

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.apps import apps
from django.conf import settings

from core.errors import Conflict
from suppliers import crypto
from suppliers.models import BankAccount
from suppliers.services import bank_account_add

pytestmark = pytest.mark.django_db


def _add(supplier, user, number):
    return bank_account_add(
        supplier=supplier, bank_name="Bank", account_name=supplier.name, account_number=number, actor=user
    )


def test_a_number_moved_to_another_suppliers_account_does_not_decrypt(
    client, supplier_a, supplier_b, supplier_user_a, supplier_user_b
):
    victim = _add(supplier_a, supplier_user_a, "6222020200110001")
    attacker = _add(supplier_b, supplier_user_b, "6222020200119999")
    stolen = BankAccount.objects.get(pk=victim.pk).account_number_encrypted
    BankAccount.objects.filter(pk=attacker.pk).update(account_number_encrypted=stolen)  # raw SQL writer
    moved = BankAccount.objects.get(pk=attacker.pk)
    with pytest.raises(Conflict) as exc:
        moved.account_number()
    assert exc.value.code == "bank_account_number_unreadable"
    assert BankAccount.objects.get(pk=victim.pk).account_number() == "6222020200110001"  # still fine there

    # the supplier meets it through the page: a clear answer, never a 500
    client.force_login(supplier_user_b)
    response = client.post(
        f"/suppliers/{supplier_b.pk}/bank-accounts/",
        {"bank_name": "Bank", "account_name": "B", "account_number": "6222020200118888", "currency": "CNY"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400  # shown on the form, with the reason
    assert "cannot be read here" in response.content.decode()
    assert BankAccount.objects.filter(supplier=supplier_b).count() == 1


def test_a_number_moved_between_two_accounts_of_the_same_supplier_does_not_decrypt(
    supplier_a, supplier_user_a
):
    first = _add(supplier_a, supplier_user_a, "6222020200110001")
    second = _add(supplier_a, supplier_user_a, "6222020200110002")
    BankAccount.objects.filter(pk=second.pk).update(
        account_number_encrypted=BankAccount.objects.get(pk=first.pk).account_number_encrypted
    )
    with pytest.raises(Conflict):
        BankAccount.objects.get(pk=second.pk).account_number()


def test_the_migration_re_encrypts_numbers_stored_before_the_binding(supplier_a, supplier_user_a):
    account = _add(supplier_a, supplier_user_a, "6222020200110001")
    key = settings.FIELD_ENCRYPTION_KEYS[0]
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, b"6222020200117777", b"procurement-portal:bank-account-number")
    legacy = f"v1:{crypto.key_id(key)}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"
    BankAccount.objects.filter(pk=account.pk).update(account_number_encrypted=legacy)
    with pytest.raises(Conflict):  # an unbound value is not read by the portal
        BankAccount.objects.get(pk=account.pk).account_number()

    migration = importlib.import_module("suppliers.migrations.0005_bind_bank_account_numbers_to_rows")
    migration.bind_numbers(apps, None)
    stored = BankAccount.objects.get(pk=account.pk)
    assert stored.account_number_encrypted.startswith("v2:")
    assert stored.account_number() == "6222020200117777"
