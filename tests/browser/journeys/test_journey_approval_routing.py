"""Journey (ap): an invoice without a PO needs two different finance approvers.

supplier1 uploads a 数电 invoice for office chairs that are on no purchase order; it lands on the
exception desk. finance opens the desk from the navigation, opens the invoice, accepts with a
reason: the page says another finance approver is needed and the invoice is still an exception.
Accepting again as the same person is refused. finance2 accepts: the invoice is approved for
payment, and the chain on the page names both approvals.
"""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from tests.invoicing.cn_xml_builder import build_cn_xml, item

pytestmark = [pytest.mark.journey, pytest.mark.browser]

SUPPLIER1 = ("91440300MA5F00002D", "深圳华南电子有限公司 Huanan Electronics")  # seed_demo
BUYER = ("91310000MA1FL0001R", "上海示例采购有限公司 Shanghai Demo Buying Co., Ltd.")


def _chairs() -> bytes:
    now = datetime.now()
    return build_cn_xml(
        number=f"2644039900{now:%m%d}000001"[:20],
        seller=SUPPLIER1,
        buyer=BUYER,
        request_time=f"{now:%Y-%m-%d %H:%M:%S}",
        issue_time=f"{now:%Y-%m-%d}",
        items=[item("*家具*办公椅 / office chair", "2", "800.00", "0.13", unit="把")],
    )


def _confirm(page) -> None:
    dialog = page.locator("dialog.confirm-dialog[open]")
    dialog.wait_for(state="visible")
    dialog.locator(".confirm-ok").click()


def _accept(page, reason: str, *, label="接受差异 — 原因", button="接受并批准") -> str:
    page.get_by_label(label).fill(reason)
    page.get_by_role("button", name=button).click()
    with page.expect_navigation():  # read the page the action leads to, not the one before it
        _confirm(page)
    message = page.locator("main p.msg").first
    message.wait_for()
    return message.inner_text() + "\n" + page.locator("main").inner_text()


def test_an_invoice_without_a_po_is_approved_only_by_two_different_finance_users(
    demo_server, journey_page, shot
):
    supplier = journey_page("supplier1")
    supplier.get_by_role("navigation").get_by_role("link", name="上传发票").click()
    supplier.wait_for_url("**/invoices/upload/")
    supplier.set_input_files("#files", [{"name": "办公椅.xml", "mimeType": "text/xml", "buffer": _chairs()}])
    supplier.get_by_role("button", name="上传").click()
    result = supplier.locator("#upload-results .upload-result")
    deadline = time.monotonic() + 60
    while result.get_attribute("data-state") not in ("exception", "approved", "rejected", "refused"):
        assert time.monotonic() < deadline, result.inner_text()
        time.sleep(1)
    assert result.get_attribute("data-state") == "exception"
    shot(supplier, "approval-1-supplier-upload-is-an-exception")

    page = journey_page("finance")
    page.get_by_role("navigation").get_by_role("link", name="异常处理台").click()
    page.get_by_role("link", name=f"2644039900{datetime.now():%m%d}000001"[:20]).first.click()
    text = _accept(page, "办公室采购，电话确认")
    shot(page, "approval-2-first-approval-recorded")
    assert "另一名财务审批人" in text, text[:300]  # "another finance approver", in Chinese
    assert "Exceptions above 50,000.00" not in text  # only the rules that ask for something
    assert "异常" in page.locator("h1").inner_text()
    shot(page, "approval-2-first-approval-recorded")
    text = _accept(page, "again")
    assert "您已在本审批流程中批准过" in text  # "you have already approved", in Chinese
    url = page.url

    second = journey_page("finance2", locale="en-US")
    second.get_by_role("navigation").get_by_role("link", name="Exception desk").click()
    second.get_by_role("link", name=f"2644039900{datetime.now():%m%d}000001"[:20]).first.click()
    assert second.url == url
    main = _accept(
        second,
        "chairs confirmed with the office manager",
        label="Accept the variance — reason",
        button="Accept and approve",
    )
    assert "Approved for payment" in main
    assert "办公室采购，电话确认" in main and "chairs confirmed with the office manager" in main
    shot(second, "approval-3-approved-by-the-second-finance-user-en")
