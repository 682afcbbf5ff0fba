"""The China tax steps in a real browser, in Chinese and English: finance sees an invoice that
failed its authenticity check held back, asks for a red-letter invoice, the supplier confirms the
request on its portal, and finance selects input VAT for a tax period on the list. Screenshots:
artifacts/screenshots/tax-<language>-<step>.png."""

from __future__ import annotations

import pytest
from django.utils import timezone

from invoicing.models import Invoice, InvoiceTax, RedLetterRequest
from invoicing.services import invoice_upload
from tests.browser.conftest import PASSWORD, SCREENSHOTS
from tests.factories import LegalEntityFactory, SupplierFactory, UserFactory, make_supplier_user
from tests.invoicing.cn_xml_builder import BUYER_ID, BUYER_NAME, SELLER_ID, SELLER_NAME, build_cn_xml, item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}


@pytest.fixture
def world(db):
    LegalEntityFactory(name=BUYER_NAME, tax_id=BUYER_ID)
    supplier = SupplierFactory(name=SELLER_NAME, tax_id=SELLER_ID, state="approved")
    seller = make_supplier_user(supplier, "alice-supplier")
    finance = UserFactory(username="fang-finance", role="finance")
    made = {}
    for key, number in (("good", "26352000000012340001"), ("cancelled", "26352000000099990001")):
        data = build_cn_xml(number=number, items=[item("*电子计算机*路由器", "4", "2500", "0.13")])
        invoice, _ = invoice_upload(supplier=supplier, data=data, filename=f"{number}.xml", actor=seller)
        from invoicing.services import invoice_validate
        from invoicing.tax_checks import invoice_tax_verify

        invoice_validate(invoice_id=invoice.pk)
        invoice_tax_verify(invoice_id=invoice.pk)
        made[key] = Invoice.objects.get(pk=invoice.pk)
    return {"finance": finance, "seller": seller, **made}


def _page(browser, live_server, user, language):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 900}, locale=LOCALES[language]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/login/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    return page


def _shot(page, language, step):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"tax-{language}-{step}.png"), full_page=True)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_tax_steps_in_the_browser(browser, live_server, world, language):
    good, cancelled = world["good"], world["cancelled"]
    finance = _page(browser, live_server, world["finance"], language)

    finance.goto(f"/invoices/{cancelled.pk}/")
    assert finance.locator("#tax-check [data-state=failed]").is_visible()
    assert finance.locator("p.msg.error[role=alert]").is_visible()
    _shot(finance, language, "failed-check")

    finance.goto(f"/invoices/{good.pk}/")
    assert finance.locator("#tax-check [data-state=verified]").is_visible()
    form = finance.locator("#red-letter-form")
    form.locator("select[name=reason]").select_option("goods_returned")
    form.locator("input[name=scope][value=part]").check()
    form.locator("input[name=net]").fill("2500.00")
    form.locator("input[name=tax]").fill("325.00")
    form.locator("input[name=note]").fill("1 台退货")
    form.locator("button").click()
    finance.wait_for_selector("#red-letter-requests [data-state=requested]")
    request = RedLetterRequest.objects.get(original=good)
    assert request.net_amount == 2500 and request.tax_amount == 325
    _shot(finance, language, "red-letter-requested")

    supplier = _page(browser, live_server, world["seller"], language)
    supplier.goto(f"/invoices/{good.pk}/")
    assert request.number in supplier.locator("#red-letter-requests").inner_text()
    _shot(supplier, language, "supplier-sees-request")
    supplier.locator(f"form[action$='/red-letter/{request.pk}/confirm/'] button").click()
    supplier.wait_for_selector("#red-letter-requests [data-state=confirmed]")
    request.refresh_from_db()
    assert request.state == "confirmed"
    _shot(supplier, language, "supplier-confirmed")

    finance.goto("/invoices/input-vat/")
    finance.locator(f"input[name=invoice][value='{good.pk}']").check()
    finance.locator("#input-vat-form select[name=status]").select_option("deducted")
    period = f"{timezone.localdate():%Y-%m}"
    finance.locator("#input-vat-form input[name=period]").fill(period)
    finance.locator("#input-vat-form fieldset button").click()
    finance.wait_for_selector("[data-state=deducted]")
    assert InvoiceTax.objects.get(invoice=good).deduction_period == period
    _shot(finance, language, "input-vat")
    finance.goto(f"/invoices/{good.pk}/")
    _shot(finance, language, "invoice-page")
