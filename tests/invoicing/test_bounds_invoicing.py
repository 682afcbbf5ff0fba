"""Invoicing: an e-invoice whose amounts do not fit the portal's columns is rejected with the
reason, its numbers are not stored, and its pages answer."""

from decimal import Decimal

from invoicing.models import Invoice, InvoiceLine
from invoicing.services import invoice_upload, invoice_validate
from tests.invoicing.cn_xml_builder import build_cn_xml, item


def test_an_invoice_with_amounts_beyond_the_columns_is_rejected_and_its_pages_answer(
    seller_user, our_entity, client
):
    huge = "99999999999999999"  # 17 integer digits: a parser takes it, an amount column (16) cannot
    data = build_cn_xml(items=[item("*服务*咨询", "1", huge, "0.06")])
    invoice, _ = invoice_upload(
        supplier=seller_user.membership.supplier, data=data, filename="huge.xml", actor=seller_user
    )
    invoice = invoice_validate(invoice_id=invoice.pk)
    assert invoice.state == "rejected"
    assert "amount_out_of_range" in set(invoice.issues.values_list("code", flat=True))
    stored = Invoice.objects.get(pk=invoice.pk)
    assert stored.net_amount is None and not InvoiceLine.objects.filter(invoice=stored).exists()
    client.force_login(seller_user)
    page = client.get(f"/invoices/{invoice.pk}/")
    assert page.status_code == 200 and "amount_out_of_range" in page.content.decode()
    assert client.get("/invoices/").status_code == 200
    assert client.get(f"/api/invoices/{invoice.pk}").status_code == 200
    assert Decimal(huge)  # the number itself is fine: only the column cannot hold it
