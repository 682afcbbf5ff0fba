"""Matching data of supplier B for the access walker (tests/core/test_access_walker.py).

The matching URLs take ``invoice_id``, which tests/invoicing/access_world.py already declares;
this adds a foreign invoice on the exception desk whose result and case carry the marker, so
every list page and endpoint is checked for leaking another supplier's match."""

from invoicing import storage
from invoicing.models import Invoice, StoredFile
from settlement.models import ExceptionCase, MatchResult
from settlement.services.match_policies import tolerance_policy_ensure_default


def _exception(supplier, number):
    data = f"<EInvoice>{number}/match</EInvoice>".encode()
    digest, path = storage.put(data)
    stored = StoredFile.objects.create(sha256=digest, size=len(data), path=path)
    invoice = Invoice.objects.create(
        supplier=supplier, file=stored, invoice_number=number, seller_name=number
    )
    Invoice.objects.filter(pk=invoice.pk).update(state="exception")
    policy = tolerance_policy_ensure_default()
    reason = {"code": "price_above_tolerance", "severity": "exception", "message": number, "rule": number}
    result = MatchResult.objects.create(
        invoice=invoice,
        verdict="exception",
        input_hash="0" * 64,
        policy=policy,
        policy_version=policy.label,
        engine_version="1",
        explanation={"lines": [], "allocations": [], "variances": [], "reasons": [reason]},
        summary=number,
    )
    ExceptionCase.objects.create(invoice=invoice, result=result, primary_reason="price_above_tolerance")
    return invoice


def build(supplier_a, supplier_b, alice, bob, *, foreign_id, marker):
    _exception(supplier_a, "OWN-MATCH-1")
    _exception(supplier_b, f"{marker}-match")
    # tolerance policies belong to the buyer organisation, not to a supplier (finance only)
    return {"shared": {"policy_id": tolerance_policy_ensure_default().pk}}
