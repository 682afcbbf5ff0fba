"""The whole story in a real browser: the buyer sends a PO, the supplier acknowledges it, the buyer
receives the goods, the supplier uploads a real signed OFD e-invoice and sees it matched, finance
settles it in a statement the supplier confirms, approves it and records the payment."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from invoicing.models import Invoice
from procurement.models import Item, PurchaseOrder
from procurement.services import purchase_order_create
from settlement.models import Payment, Statement
from tests.factories import (
    LegalEntityFactory,
    SupplierFactory,
    UserFactory,
    make_approved_bank_account,
    make_supplier_user,
)
from tests.invoicing.samples import sample

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The real, signed OFD invoice from ../shared/samples (see its SOURCES.md): one line of
# catering at 510.68 net, 3 % VAT, from this seller to this buyer.
ZJ = "einvoice-cn/ofdrw-vat-einvoice-2020-zj-signed-origxml.ofd"
SELLER = ("兰溪市悦济舫餐厅", "92330781MA2EDMFU50")
BUYER = ("江苏京利华新材料有限公司", "91320115MA202UKD7X")


@pytest.fixture
def world(db):
    ofd = sample(ZJ)  # skips without ../shared
    entity = LegalEntityFactory(name=BUYER[0], tax_id=BUYER[1])
    supplier = SupplierFactory(name=SELLER[0], tax_id=SELLER[1], state="approved")
    make_approved_bank_account(supplier)
    buyer = UserFactory(username="bai-buyer", role="buyer")
    finance = UserFactory(username="fang-finance", role="finance")
    alice = make_supplier_user(supplier, "alice-supplier")
    item = Item.objects.create(
        code="CY-1", name="*餐饮服务*餐费", unit="次", default_tax_rate=Decimal("0.03")
    )
    po = purchase_order_create(
        legal_entity=entity,
        supplier=supplier,
        actor=buyer,
        lines=[{"item": item, "quantity": 1, "unit_price": "510.68", "tax_rate": "0.03"}],
    )
    PurchaseOrder.objects.filter(pk=po.pk).update(state="approved")  # approval is tested elsewhere
    return {
        "po": po,
        "buyer": buyer,
        "finance": finance,
        "alice": alice,
        "supplier": supplier,
        "ofd": ofd,
        "entity": entity,
    }


def _state(page):
    return page.locator("h1 .state").inner_text().strip()


def _confirm(page, name):
    """Answer the confirmation dialog (static/js/confirm.js) that an irreversible action opens;
    the form submits when the dialog closes, so wait for that navigation."""
    with page.expect_navigation():
        page.locator("dialog.confirm-dialog[open]").get_by_role("button", name=name).click()


def test_po_to_payment_through_the_portal_pages(new_page, screenshot, world):
    po, supplier = world["po"], world["supplier"]
    po_url = f"/procurement/pos/{po.pk}/"

    # 1. the buyer sends the approved PO
    buyer = new_page(world["buyer"])
    buyer.goto(po_url)
    buyer.locator(f"form[action='{po_url}do/send/'] button").click()
    buyer.wait_for_load_state()
    assert _state(buyer) == "Sent to supplier"
    screenshot(buyer, "1-buyer-sent")

    # 2. the supplier acknowledges it with a promised date
    alice = new_page(world["alice"])
    alice.goto(po_url)
    line = po.lines.get()
    alice.get_by_label("Promised delivery date, line 1").fill(
        str(date.today() + timedelta(days=30))
    )  # not past
    alice.locator(f"form[action='{po_url}acknowledge/'] button").click()
    alice.wait_for_load_state()
    assert _state(alice) == "Acknowledged"
    screenshot(alice, "2-supplier-acknowledged")

    # 3. the buyer receives the goods
    buyer.goto(po_url)
    buyer.locator(f"#accepted_{line.pk}").fill("1")
    buyer.get_by_role("button", name="Post receipt").click()
    buyer.wait_for_load_state()
    assert _state(buyer) == "Received"
    screenshot(buyer, "3-buyer-received")

    # 4. the supplier uploads the OFD invoice and sees it matched and approved for payment
    alice.goto("/invoices/upload/")
    alice.set_input_files("#files", str(world["ofd"]))
    alice.get_by_role("button", name="Upload").click()
    alice.wait_for_selector("#upload-results tr td:has-text('83089647')", timeout=30_000)
    invoice = Invoice.objects.get(invoice_number="83089647")
    alice.goto(f"/invoices/{invoice.pk}/")
    invoice.refresh_from_db()
    assert invoice.state == "approved", invoice.state
    assert "Approved for payment" in alice.content()
    screenshot(alice, "4-supplier-invoice-matched")

    # 5. finance gathers it into an invoice-first statement and sends it
    fin = new_page(world["finance"])
    fin.goto("/settlement/statements/new/")
    fin.locator("input[name=kind][value=invoice_first]").check()
    fin.get_by_label("Supplier", exact=True).select_option(str(supplier.pk))
    fin.get_by_label("Legal entity", exact=True).select_option(str(world["entity"].pk))
    fin.get_by_label("Period from").fill("2020-07-01")  # the OFD sample is dated 2020-07-23
    fin.get_by_label("Period to").fill("2020-12-31")
    fin.get_by_role("button", name="Gather and create draft").click()
    fin.wait_for_load_state()
    screenshot(fin, "5-finance-statement-created")
    fin.wait_for_url(re.compile(r"/settlement/statements/\d+/$"))
    statement = Statement.objects.get(supplier=supplier)
    assert "83089647" in fin.content() and statement.gross_total == Decimal("526.00")
    fin.get_by_role("button", name="Send to supplier").click()
    fin.wait_for_load_state()
    assert _state(fin) == "Sent to supplier"

    # 6. the supplier confirms the statement
    alice.goto(f"/settlement/statements/{statement.pk}/")
    alice.get_by_role("button", name="Confirm").click()
    _confirm(alice, "Confirm")
    assert _state(alice) == "Confirmed by supplier"
    screenshot(alice, "6-supplier-confirmed")

    # 7. a second finance user (who did not prepare it: four eyes) approves and records the payment
    fin = new_page(UserFactory(username="fei-finance", role="finance"))
    fin.goto(f"/settlement/statements/{statement.pk}/")
    fin.get_by_role("button", name="Approve for payment").click()
    _confirm(fin, "Approve for payment")
    fin.get_by_label("Bank reference").fill("ICBC-2026-0001")
    fin.get_by_role("button", name="Record payment").click()
    _confirm(fin, "Record payment")
    assert _state(fin) == "Paid"
    screenshot(fin, "7-finance-paid")

    payment = Payment.objects.get(statement=statement)
    assert payment.amount == Decimal("526.00") and payment.bank_reference == "ICBC-2026-0001"
    invoice.refresh_from_db()
    assert invoice.state == "paid"

    # the PO page links the documents: its receipt, the invoice matched against it, the statement
    buyer.goto(po_url)
    related = buyer.locator("section.panel", has_text="Invoices and statements")
    assert "83089647" in related.inner_text() and statement.number in related.inner_text()
    assert "GR-" in buyer.content()
    screenshot(buyer, "8-buyer-po-related-documents")
