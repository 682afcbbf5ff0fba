"""Invoices of supplier B for the access walker (tests/core/test_access_walker.py)."""

from invoicing import storage
from invoicing.models import Invoice, StoredFile


def _invoice(supplier, pk=None, number=""):
    data = f"<EInvoice>{number}</EInvoice>".encode()
    digest, path = storage.put(data)
    stored = StoredFile.objects.create(sha256=digest, size=len(data), path=path)
    kwargs = {"pk": pk} if pk else {}
    return Invoice.objects.create(
        supplier=supplier, file=stored, invoice_number=number, seller_name=number, **kwargs
    )


def build(supplier_a, supplier_b, alice, bob, *, foreign_id, marker):
    own = _invoice(supplier_a, number="OWN-1")
    _invoice(supplier_b, pk=foreign_id, number=marker)
    return {"own": {"invoice_id": own.pk}, "foreign": {"invoice_id": foreign_id}}
