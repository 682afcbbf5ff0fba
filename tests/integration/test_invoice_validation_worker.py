import time

from core.models import TransitionLog
from invoicing.models import Invoice
from invoicing.services import invoice_upload
from tests.factories import LegalEntityFactory, SupplierFactory, make_supplier_user
from tests.invoicing.cn_xml_builder import BUYER_ID, SELLER_ID, build_cn_xml


def wait_for_state(pk, states, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        invoice = Invoice.objects.get(pk=pk)
        if invoice.state in states:
            return invoice
        time.sleep(0.2)
    return Invoice.objects.get(pk=pk)


def test_uploaded_invoice_is_validated_and_then_matched_by_a_real_worker(celery_worker):
    LegalEntityFactory(tax_id=BUYER_ID)
    supplier = SupplierFactory(tax_id=SELLER_ID, state="approved")
    user = make_supplier_user(supplier, "worker-test")
    invoice, created = invoice_upload(supplier=supplier, data=build_cn_xml(), filename="a.xml", actor=user)
    assert created  # committed; the validation task went to the broker on commit
    # validation enqueues matching from inside the worker; with no purchase order to match
    # against, the invoice ends on finance's exception desk
    invoice = wait_for_state(invoice.pk, {"exception", "approved", "rejected"})
    assert invoice.state == "exception"
    assert invoice.lines.count() == 1
    assert list(invoice.issues.values_list("code", flat=True)) == ["signature_unverified"]
    steps = TransitionLog.objects.filter(object_id=str(invoice.pk), content_type__model="invoice")
    # the authenticity check (tax_*) runs as its own task, before or after matching
    assert list(steps.exclude(transition__startswith="tax_").values_list("transition", flat=True)) == [
        "start_validation",
        "pass_validation",
        "raise_exception",
    ]
