"""How the portal looks, in a real browser at 1366×768 in both languages: each role's home
dashboard and the three key documents (PO, invoice, statement) are saved to
artifacts/screenshots/look-*.png; the navigation never wraps, no status chip breaks, and at
390 px the navigation folds into a menu button."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.models import User
from invoicing.models import Invoice
from procurement.models import PurchaseOrder
from procurement.services import purchase_order_create, purchase_order_submit
from settlement.services.matching import invoice_match
from settlement.services.statements import statement_create, statement_send
from suppliers.models import Supplier
from tests.browser.conftest import SCREENSHOTS
from tests.settlement.statement_builders import make_invoice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105 - seed_demo's password
ROLES = ("buyer", "approver", "requester", "finance", "supplier1")
LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}
DESKTOP = {"width": 1366, "height": 768}


@pytest.fixture
def demo(db):
    """seed_demo's people and documents, plus what a working portal has: a PO waiting for the
    approver, invoices of supplier1 in several states and a statement sent for confirmation."""
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    buyer, finance = User.objects.get(username="buyer"), User.objects.get(username="finance")
    supplier = Supplier.objects.get(memberships__user__username="supplier1")
    po = PurchaseOrder.objects.filter(supplier=supplier, state="sent").first()
    waiting = purchase_order_create(
        legal_entity=po.legal_entity,
        supplier=supplier,
        actor=buyer,
        lines=[{"item": line.item, "quantity": 3, "unit_price": "880.00"} for line in po.lines.all()],
    )
    purchase_order_submit(po=waiting, actor=buyer)
    today = timezone.localdate()
    entity = po.legal_entity
    make_invoice(
        supplier, entity, lines=(("1280.00", "0.13"), ("96.50", "0.06")), issue_date=today - timedelta(days=6)
    )
    make_invoice(supplier, entity, lines=(("12500.00", "0.13"),), issue_date=today - timedelta(days=4))
    unmatched = make_invoice(
        supplier, entity, lines=(("660.00", "0.13"),), state="validated", issue_date=today - timedelta(days=2)
    )
    invoice_match(invoice_id=unmatched.pk)  # no PO line names its item: an exception with its reasons
    make_invoice(
        supplier, entity, lines=(("320.00", "0.13"),), state="matched", issue_date=today - timedelta(days=1)
    )
    statement = statement_create(
        kind="invoice_first",
        supplier=supplier,
        legal_entity=entity,
        period_from=today - timedelta(days=30),
        period_to=today,
        actor=finance,
    )
    statement = statement_send(statement=statement, actor=finance)
    invoice = Invoice.objects.filter(supplier=supplier, state="exception").first()
    return {"po": po, "invoice": invoice, "statement": statement}


def _shot(page, language: str, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"look-{language}-{name}.png"), full_page=True)


def _page(browser, live_server, username, language, **viewport):
    context = browser.new_context(
        base_url=live_server.url, viewport=viewport or DESKTOP, locale=LOCALES[language]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    assert page.locator("html").get_attribute("lang") == language
    return page


NAV_FACTS = """() => {
  const bar = document.querySelector('header.top');
  const nav = document.querySelector('header nav[aria-label]');
  const links = [...nav.querySelectorAll('a')];
  const line = parseFloat(getComputedStyle(links[0]).lineHeight);
  return {
    barHeight: bar.getBoundingClientRect().height,
    barItemsTop: [...bar.children].filter(e => e.offsetParent !== null && getComputedStyle(e).position !== 'fixed')
      .map(e => Math.round(e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2)),
    wrapped: links.filter(a => a.getClientRects().length > 1 || a.getBoundingClientRect().height > 2 * line)
      .map(a => a.textContent.trim()),
    clipped: links.filter(a => a.scrollWidth > a.clientWidth + 1).map(a => a.textContent.trim()),
    fits: nav.scrollHeight <= nav.clientHeight + 1,
    visible: links.filter(a => a.getBoundingClientRect().height > 0).length,
  };
}"""

CHIP_FACTS = """() => [...document.querySelectorAll('.state')].filter(c => c.getBoundingClientRect().height > 0)
  .map(c => ({text: c.textContent.trim(), rects: c.getClientRects().length,
              height: c.getBoundingClientRect().height,
              line: parseFloat(getComputedStyle(c).lineHeight) + 6}))
  .filter(c => c.rects > 1 || c.height > c.line)"""


def _check_layout(page, where):
    nav = page.evaluate(NAV_FACTS)
    assert nav["barHeight"] <= 56, f"{where}: the top bar wrapped to {nav['barHeight']} px"
    assert max(nav["barItemsTop"]) - min(nav["barItemsTop"]) <= 2, f"{where}: top bar items not on one row"
    assert not nav["wrapped"], f"{where}: navigation entries wrap: {nav['wrapped']}"
    assert not nav["clipped"], f"{where}: navigation entries cut off: {nav['clipped']}"
    assert nav["fits"], f"{where}: the navigation needs scrolling at 1366×768"
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= DESKTOP["width"], f"{where}: the page scrolls sideways ({wide} px wide)"
    broken = page.evaluate(CHIP_FACTS)
    assert not broken, f"{where}: status chips break across lines: {broken}"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_roles_dashboard_and_the_key_documents_at_1366(browser, live_server, demo, language):
    for role in ROLES:
        page = _page(browser, live_server, role, language)
        _shot(page, language, f"home-{role}")
        _check_layout(page, f"{role} home ({language})")
        assert page.locator(".tiles .tile").count() > 0, f"{role}: the home page shows no queue"
        if role == "finance":
            for name, url in (
                ("po", f"/procurement/pos/{demo['po'].pk}/"),
                ("invoice", f"/invoices/{demo['invoice'].pk}/"),
                ("statement", f"/settlement/statements/{demo['statement'].pk}/"),
            ):
                page.goto(url)
                _shot(page, language, name)
                assert page.locator(".doc-head h1 .state").count() == 1
                assert page.locator(".timeline li").count() >= 1
                _check_layout(page, f"{name} ({language})")
            page.goto("/settlement/matching/exceptions/")  # the desk's rows are rendered in Python
            _shot(page, language, "desk")
            row = page.locator("tbody tr", has_text=str(demo["invoice"]))
            assert row.count() == 1 and row.locator(".state").count() == 1, "the exception is not on the desk"
            code = row.locator("[data-code]").get_attribute("data-code")
            assert code and code not in row.inner_text(), "the reason reads as a machine code"
            _check_layout(page, f"desk ({language})")
            page.goto("/procurement/pos/999999/")
            assert page.locator(".error-page").is_visible() and page.locator("header nav").is_visible()
            _shot(page, language, "error-404")
        page.context.close()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_navigation_folds_into_a_menu_at_phone_width(browser, live_server, demo, language):
    page = _page(browser, live_server, "buyer", language, width=390, height=844)
    nav_links = page.locator("header nav[aria-label] a")
    menu = page.locator("header .navmenu > summary")
    assert menu.is_visible()
    assert not nav_links.first.is_visible(), "the navigation should be folded at 390 px"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(page, language, "phone-home")
    menu.click()
    assert nav_links.last.is_visible()
    _shot(page, language, "phone-menu")
    nav_links.filter(has_text="采购订单" if language == "zh-hans" else "Purchase orders").first.click()
    page.wait_for_url("**/procurement/pos/")
    assert not nav_links.first.is_visible()
