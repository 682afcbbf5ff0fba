"""Journey (d): a purchase order worked out between buyer and supplier, from `make run`.

The demo's sent PO for supplier1 (50 cables) → supplier1 proposes fewer cables and a later date →
the buyer hears of it in the inbox (and by e-mail) and accepts: revision 2, approved by the
approver, sent again → supplier1 proposes a higher price, the buyer declines with a reason →
supplier1 sees the outcome and acknowledges → a shipping notice of 500 is refused, one of 40
accepted → the buyer's receipt form is pre-filled with the 40 announced; the buyer accepts 30,
rejects 5 → returns 3 of the accepted.

New words of this part are not in the catalogue yet (translated at the end), so the journey finds
its own forms by their ids and actions, and the existing controls by their Chinese names.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.journey, pytest.mark.browser]

SOON = (timezone.localdate() + timedelta(days=20)).isoformat()


def _main(page) -> str:
    return page.locator("main").inner_text()


def _open_from_inbox(page, text: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name=re.compile("消息中心")).click()
    with page.expect_navigation():
        page.locator("tr", has_text=text).first.locator("button").first.click()


def _home(page) -> None:
    page.get_by_role("navigation").get_by_role("link", name="首页").click()


def _open_po_from_home_panel(page, panel_title: str) -> None:
    with page.expect_navigation():
        page.locator("section", has_text=panel_title).locator("a[href*='/procurement/pos/']").first.click()


def _submit(page, form_selector: str) -> None:
    with page.expect_navigation():
        page.locator(form_selector).locator("button[type=submit]").click()


def test_a_po_is_changed_acknowledged_shipped_received_and_partly_returned(demo_server, journey_page, shot):
    supplier = journey_page("supplier1")
    shot(supplier, "po-supplier-home")
    _open_po_from_home_panel(supplier, "待确认的采购订单")
    number = re.search(r"PO-\d{4}-\d{6}", supplier.locator("h1").inner_text()).group(0)
    assert "50" in _main(supplier) and "已发送给供应商" in _main(supplier)

    # 1. supplier1 proposes 40 instead of 50, delivered later
    form = supplier.locator("#propose-change")
    form.locator("input[name^=cp_qty_]").first.fill("40")
    form.locator("input[name^=cp_date_]").first.fill(SOON)
    form.locator("input[name=reason]").fill("产能不足，本月只能供应40件")
    shot(supplier, "po-supplier-proposes-change")
    _submit(supplier, "#propose-change")
    assert "产能不足" in _main(supplier)
    assert supplier.locator("#propose-change").count() == 0  # one open proposal at a time

    # 2. the buyer hears of it (inbox and e-mail) and accepts: revision 2
    mail = demo_server.wait_for_email(to="buyer@demo.example", subject_contains=number)
    assert "产能不足" in mail["body"] and "#proposal-" in mail["body"]
    buyer = journey_page("buyer")
    _open_from_inbox(buyer, number)
    assert number in buyer.locator("h1").inner_text()
    shot(buyer, "po-buyer-sees-proposal")
    _submit(buyer, ".change-proposal form[action$='/accept/']")
    assert "待审批" in buyer.locator("h1").inner_text()
    assert re.search(r"修订\s*2|Revision\s*2", _main(buyer)) or "2" in buyer.locator("dl").inner_text()
    assert buyer.locator("form[action$='/do/approve/']").count() == 0  # four-eyes: not the reviser
    shot(buyer, "po-buyer-accepted-revision-2")

    # the approver approves revision 2 from the home page, the buyer sends it again
    approver = journey_page("approver")
    _open_po_from_home_panel(approver, "待审批的采购订单")
    assert number in approver.locator("h1").inner_text()
    _submit(approver, "form[action$='/do/approve/']")
    buyer.reload()
    _submit(buyer, "form[action$='/do/send/']")
    assert "已发送给供应商" in buyer.locator("h1").inner_text()

    # 3. supplier1 sees the outcome, proposes a higher price; the buyer declines it
    demo_server.wait_for_email(to="supplier1@demo.example", subject_contains=number)
    _home(supplier)
    _open_po_from_home_panel(supplier, "待确认的采购订单")
    assert "40" in supplier.locator("table").first.inner_text()
    form = supplier.locator("#propose-change")
    form.locator("input[name^=cp_price_]").first.fill("13.80")
    form.locator("input[name=reason]").fill("铜价上涨")
    _submit(supplier, "#propose-change")
    _home(buyer)
    _open_from_inbox(buyer, "铜价上涨")
    pending = buyer.locator(".change-proposal", has_text="铜价上涨")
    pending.locator("form[action$='/decline/'] input[name=reason]").fill("合同价格有效至年底，不接受涨价")
    _submit(buyer, ".change-proposal form[action$='/decline/']")
    assert "合同价格有效至年底" in _main(buyer)
    shot(buyer, "po-buyer-declined-second-proposal")

    # 4. supplier1 reads the decline in its inbox and acknowledges with the agreed date
    _open_from_inbox(supplier, "合同价格有效至年底")
    assert number in supplier.locator("h1").inner_text()
    ack = supplier.locator("form[action$='/acknowledge/']")
    assert ack.locator("input[type=date]").first.input_value() == SOON  # the accepted date
    shot(supplier, "po-supplier-sees-decline-and-acknowledges")
    _submit(supplier, "form[action$='/acknowledge/']")
    assert "已确认" in supplier.locator("h1").inner_text()

    # 5. a shipping notice of 500 is refused, one of 40 goes through
    notice = supplier.locator("form[action$='/shipping-notice/']")
    notice.locator("input[name=carrier]").fill("顺丰速运")
    notice.locator("input[name=tracking_no]").fill("SF1234567890")
    notice.locator("input[name^=ship_]").first.fill("500")
    _submit(supplier, "form[action$='/shipping-notice/']")
    error = supplier.locator(".msg.error").inner_text()
    assert "500" in error and "40" in error
    shot(supplier, "po-supplier-notice-refused")
    notice = supplier.locator("form[action$='/shipping-notice/']")
    notice.locator("input[name=carrier]").fill("顺丰速运")
    notice.locator("input[name=tracking_no]").fill("SF1234567890")
    notice.locator("input[name^=ship_]").first.fill("40")
    _submit(supplier, "form[action$='/shipping-notice/']")
    assert "SF1234567890" in supplier.locator("#shipping-notices + table").inner_text()
    shot(supplier, "po-supplier-notice-sent")

    # 6. the buyer opens the notice from the inbox: the receipt form expects 40; 30 accepted, 5 rejected
    _open_from_inbox(buyer, "SF1234567890")
    receipt = buyer.locator("form[action$='/receipts/']")
    accepted = receipt.locator("input[name^=accepted_]").first
    assert accepted.input_value() == "40"
    shot(buyer, "po-buyer-receipt-prefilled")
    accepted.fill("30")
    receipt.locator("input[name^=rejected_]").first.fill("5")
    _submit(buyer, "form[action$='/receipts/']")
    assert "部分收货" in buyer.locator("h1").inner_text()

    # 7. three of the accepted are returned
    ret = buyer.locator("form[action$='/returns/']")
    ret.locator("input[name^=return_]").first.fill("3")
    ret.locator("input[name=reason]").fill("外皮破损")
    ret.locator("button[type=submit]").click()
    with buyer.expect_navigation():
        buyer.locator("dialog.confirm-dialog[open] .confirm-ok").click()  # irreversible: asked first
    assert "RT-" in _main(buyer)
    shot(buyer, "po-buyer-received-and-returned")

    # the same PO in English, from the buyer's PO list
    english = journey_page("buyer", locale="en")
    english.get_by_role("navigation").get_by_role("link", name="Purchase orders").click()
    english.get_by_role("link", name=number).click()
    text = _main(english)
    assert "Partially received" in text and "SF1234567890" in text and "Change proposal" in text
    shot(english, "po-buyer-english")
    # the supplier's page shows the receipt with the rejected quantity
    supplier.reload()
    assert "RT-" in _main(supplier) or "GR-" in _main(supplier)
