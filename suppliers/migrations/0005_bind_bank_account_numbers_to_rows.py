"""Bank account numbers stored as ``v1`` (one fixed label as authenticated data) are
re-encrypted as ``v2``, bound to their row and supplier (suppliers.crypto.bank_account_aad)."""

from django.db import migrations


def bind_numbers(apps, schema_editor):
    from suppliers import crypto

    BankAccount = apps.get_model("suppliers", "BankAccount")
    for account in BankAccount.objects.filter(account_number_encrypted__startswith="v1:").iterator():
        aad = crypto.bank_account_aad(pk=account.pk, supplier_id=account.supplier_id)
        plain = crypto.decrypt(account.account_number_encrypted, aad=aad, legacy=True)
        BankAccount.objects.filter(pk=account.pk).update(account_number_encrypted=crypto.encrypt(plain, aad=aad))


class Migration(migrations.Migration):
    dependencies = [("suppliers", "0004_bank_account_supporting_document")]

    operations = [migrations.RunPython(bind_numbers, migrations.RunPython.noop)]
