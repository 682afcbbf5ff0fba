"""Validating a received invoice is a handful of statements: one save (one history row) for the
two steps received → validating → validated, both still in the transition log."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import TransitionLog
from invoicing.models import Invoice
from invoicing.services import invoice_upload, invoice_validate
from tests.invoicing.cn_xml_builder import build_cn_xml, item


def test_a_three_line_invoice_validates_in_few_queries_and_one_save(seller_user, our_entity):
    data = build_cn_xml(
        items=[item("*办公用品*复印纸", "10", "25", "0.13"), item("*办公用品*订书机", "2", "30", "0.13")]
        + [item("*办公用品*墨盒", "1", "80", "0.13")]
    )
    invoice, _ = invoice_upload(
        supplier=seller_user.membership.supplier, data=data, filename="i.xml", actor=seller_user
    )
    history_before = Invoice.history.filter(id=invoice.pk).count()
    with CaptureQueriesContext(connection) as ctx:
        invoice = invoice_validate(invoice_id=invoice.pk)
    assert invoice.state == "validated" and invoice.lines.count() == 3
    assert Invoice.history.filter(id=invoice.pk).count() == history_before + 1
    steps = TransitionLog.objects.filter(object_id=str(invoice.pk)).values_list("source", "target")
    assert list(steps)[-2:] == [("received", "validating"), ("validating", "validated")]
    # was 24 with three saves; 16 + the tax facts (one upsert) and the authenticity check's outbox row
    assert len(ctx) <= 18
