"""URL parameters of the suppliers app for the access walker (tests/core/test_access_walker.py)."""

from datetime import date

from django.core.files.base import ContentFile

from suppliers.models import BankAccount, QualificationDocument, SupplierChange


def _document(supplier, user, *, pk=None, name="licence.pdf"):
    doc = QualificationDocument(
        pk=pk,
        supplier=supplier,
        doc_type="business_licence",
        original_name=name,
        content_type="application/pdf",
        size=9,
        sha256="0" * 64,
        expires_on=date(2099, 1, 1),
        uploaded_by=user,
    )
    doc.file.save(f"walker-{supplier.pk}.pdf", ContentFile(b"%PDF-1.7\n"), save=False)
    doc.save()
    return doc


def _account(supplier, user, *, pk=None, bank_name="Bank"):
    account = BankAccount(
        pk=pk,
        supplier=supplier,
        bank_name=bank_name,
        account_name=supplier.name,
        last4="2233",
        created_by=user,
        proof_name=f"{bank_name}.pdf",
        proof_content_type="application/pdf",
    )
    account.proof_file.save(f"walker-proof-{supplier.pk}.pdf", ContentFile(b"%PDF-1.7\n"), save=False)
    account.save()
    account.account_number_encrypted = account.seal_number("6222020200112233")
    account.save(update_fields=["account_number_encrypted"])
    return account


def _change(supplier, user, *, pk=None, name="New name"):
    return SupplierChange.objects.create(
        pk=pk,
        supplier=supplier,
        kind="company",
        before={"name": supplier.name},
        after={"name": name},
        requested_by=user,
    )


def build(supplier_a, supplier_b, alice, bob, foreign_id, marker):
    own_doc = _document(supplier_a, alice)
    foreign_doc = _document(supplier_b, bob, pk=foreign_id, name=f"{marker}.pdf")
    own_account = _account(supplier_a, alice)
    foreign_account = _account(supplier_b, bob, pk=foreign_id, bank_name=f"{marker} bank")
    own_change = _change(supplier_a, alice)
    foreign_change = _change(supplier_b, bob, pk=foreign_id, name=f"{marker} new name")
    return {
        "own": {"document_id": own_doc.pk, "bank_account_id": own_account.pk, "change_id": own_change.pk},
        "foreign": {
            "document_id": foreign_doc.pk,
            "bank_account_id": foreign_account.pk,
            "change_id": foreign_change.pk,
        },
        "literal": {"invitation_token": "not-a-real-invitation-token"},
    }
