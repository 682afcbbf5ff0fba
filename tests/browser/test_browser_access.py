"""In a real browser: a supplier user trying another supplier's URLs sees nothing of theirs."""

import pytest

from invoicing.models import Invoice
from tests.factories import make_purchase_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_supplier_typing_another_suppliers_urls_gets_not_found_and_no_data(
    new_page, screenshot, buyer, supplier_a, supplier_b, supplier_user_a
):
    foreign_po = make_purchase_order(requester=buyer, supplier=supplier_b, state="sent")
    own_po = make_purchase_order(requester=buyer, supplier=supplier_a, state="sent")
    page = new_page(supplier_user_a)

    response = page.goto(f"/procurement/pos/{own_po.pk}/")
    assert response.status == 200
    assert own_po.number in page.content()

    for url in (
        f"/procurement/pos/{foreign_po.pk}/",
        f"/procurement/pos/{foreign_po.pk}/pdf/",
        f"/suppliers/{supplier_b.pk}/",
        f"/api/purchase-orders/{foreign_po.pk}",
    ):
        response = page.goto(url)
        assert response.status in (403, 404), url
        body = page.content()
        assert foreign_po.number not in body and supplier_b.name not in body, url
    screenshot(page, "foreign-po")
    assert Invoice.objects.count() == 0


def test_the_login_page_and_home_work_at_phone_width_with_keyboard_only(new_page, screenshot, buyer):
    page = new_page(width=375, height=740)
    page.goto("/login/")
    page.keyboard.press("Tab")  # skip link first
    assert page.evaluate("document.activeElement.className") == "skip"
    page.get_by_label("Username").focus()
    page.keyboard.type(buyer.username)
    page.keyboard.press("Tab")
    page.keyboard.type("correct-horse-battery")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login/" not in url)
    assert page.goto("/").status == 200
    # at phone width the navigation is folded behind the menu button, which the keyboard opens
    nav, menu = page.get_by_role("navigation", name="Main"), page.locator("header .navmenu > summary")
    assert menu.is_visible() and not nav.is_visible()
    menu.focus()
    page.keyboard.press("Enter")
    assert nav.is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    screenshot(page, "home-phone")
    assert width <= 375 + 1, f"the page scrolls sideways at phone width ({width}px)"
