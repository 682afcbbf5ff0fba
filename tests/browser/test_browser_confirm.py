"""Irreversible actions ask first, in a real browser: static/js/confirm.js holds a form marked
``data-confirm`` back and shows an accessible native dialog; dismissing it (button or Escape)
changes nothing and puts focus back on the button, confirming submits the form as filled in."""

import pytest

from core.models import ApiToken
from core.selectors import transition_log_for
from core.services import api_token_create
from procurement.models import PurchaseOrder
from tests.factories import make_purchase_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "Supplier closed its plant"


@pytest.fixture
def approved_po(buyer, supplier_a):
    return make_purchase_order(requester=buyer, supplier=supplier_a, state="approved")


def _open_dialog(page):
    dialog = page.locator("dialog.confirm-dialog[open]")
    dialog.wait_for(state="visible")
    return dialog


def _focused(page) -> str:
    """Where the keyboard focus is: "dialog: <button text>" or "page: <button text>"."""
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return (e.closest('dialog') ? 'dialog: ' : 'page: ') + e.textContent.trim(); }"
    )


def _cancel_logs(po):
    return list(transition_log_for(po).filter(transition="cancel"))


def test_buyer_cancels_a_po_only_after_confirming(new_page, screenshot, buyer, approved_po):
    po = approved_po
    url = f"/procurement/pos/{po.pk}/"
    page = new_page(buyer)
    page.goto(url)
    cancel_button = page.locator(f"form[action='{url}do/cancel/'] button")
    assert cancel_button.inner_text() == "Cancel order"
    page.locator("#reason-cancel").fill(REASON)

    # 1. the dialog asks, named by its message, with focus on the dismiss button
    cancel_button.click()
    dialog = _open_dialog(page)
    message = f"Cancel purchase order {po.number}? This cannot be undone."
    assert page.get_by_role("alertdialog", name=message).is_visible()
    assert dialog.locator(".confirm-message").inner_text() == message
    assert _focused(page) == "dialog: Don't cancel"
    assert dialog.locator(".confirm-ok").inner_text() == "Cancel order"
    screenshot(page, "1-dialog")

    # 2. dismissing changes nothing and returns focus to the button that asked
    dialog.get_by_role("button", name="Don't cancel").click()
    page.locator("dialog.confirm-dialog[open]").wait_for(state="detached")
    assert _focused(page) == "page: Cancel order"
    assert PurchaseOrder.objects.get(pk=po.pk).state == "approved"
    assert _cancel_logs(po) == []
    assert page.locator("h1 .state").inner_text().strip() == "Approved"

    # 3. asked again and confirmed: the form goes with its reason and the PO is cancelled
    cancel_button.click()
    dialog = _open_dialog(page)
    with page.expect_navigation():
        dialog.get_by_role("button", name="Cancel order").click()
    assert page.locator("h1 .state").inner_text().strip() == "Cancelled"
    assert PurchaseOrder.objects.get(pk=po.pk).state == "cancelled"
    [log] = _cancel_logs(po)
    assert (log.source, log.target, log.actor_id, log.reason) == ("approved", "cancelled", buyer.pk, REASON)
    screenshot(page, "2-cancelled")


def test_escape_closes_the_dialog_and_enter_in_the_reason_field_asks_too(new_page, buyer, approved_po):
    po = approved_po
    url = f"/procurement/pos/{po.pk}/"
    page = new_page(buyer)
    page.goto(url)
    cancel_button = page.locator(f"form[action='{url}do/cancel/'] button")
    page.locator("#reason-cancel").fill(REASON)

    cancel_button.focus()
    page.keyboard.press("Enter")
    _open_dialog(page)
    page.keyboard.press("Escape")
    page.locator("dialog.confirm-dialog[open]").wait_for(state="detached")
    assert _focused(page) == "page: Cancel order"

    # implicit submission from the text field is held back as well (focus settled first: on a
    # loaded machine the key could arrive while the closing dialog still moved focus)
    page.locator("#reason-cancel").focus()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'reason-cancel'")
    page.keyboard.press("Enter")
    _open_dialog(page)
    page.keyboard.press("Escape")
    page.locator("dialog.confirm-dialog[open]").wait_for(state="detached")
    assert PurchaseOrder.objects.get(pk=po.pk).state == "approved"
    assert _cancel_logs(po) == []

    # Tab from the dismiss button reaches the confirm button; Enter there confirms
    cancel_button.click()
    _open_dialog(page)
    page.keyboard.press("Tab")
    assert _focused(page) == "dialog: Cancel order"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1 .state").inner_text().strip() == "Cancelled"
    assert PurchaseOrder.objects.get(pk=po.pk).state == "cancelled"


def test_an_htmx_form_waits_for_the_confirmation_too(new_page, buyer):
    token, _raw = api_token_create(user=buyer, name="erp-sync")
    page = new_page(buyer)
    page.goto("/tokens/")
    action = f"/tokens/{token.pk}/revoke/"
    # No portal form that asks is htmx-driven today; make this one so, as a boosted page would.
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate(
        """(action) => {
            const form = document.querySelector(`form[action='${action}']`);
            form.setAttribute('hx-post', action);
            form.setAttribute('hx-target', 'body');
            htmx.process(form);
        }""",
        action,
    )
    button = page.locator(f"form[action='{action}'] button")
    button.click()
    dialog = _open_dialog(page)
    assert "Revoke token erp-sync?" in dialog.locator(".confirm-message").inner_text()
    dialog.get_by_role("button", name="Cancel").click()
    page.wait_for_timeout(300)  # give a wrongly issued htmx request time to land
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None

    with page.expect_response(lambda r: r.url.endswith(action) and r.request.method == "POST"):
        button.click()
        _open_dialog(page).get_by_role("button", name="Revoke").click()
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
