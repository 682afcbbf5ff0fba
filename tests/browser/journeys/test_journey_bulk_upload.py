"""Journey (e): a supplier uploads a dozen e-invoices at once on the demo (`make run`: SQLite,
tasks in-process) and watches every row reach its result without reloading the page.

supplier1 goes from the home page to the upload page and picks twelve files at once: eleven 数电
XML invoices for the demo purchase orders and one hostile XML file. One of the eleven was already
uploaded earlier and its in-process validation failed ("database is locked", the fact a screen
cannot show, made in the server's copy through `manage.py shell`): its row shows "received"
first and moves on by itself once the sweeper has validated it. Every row ends in a final state;
the hostile file's row says why it was refused. In English, the supplier opens a waiting
invoice's page: it says it is being checked (never "None + None = None"), then shows its totals
by itself.
"""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from tests.invoicing.cn_xml_builder import build_cn_xml, item

pytestmark = [pytest.mark.journey, pytest.mark.browser]

SUPPLIER1 = ("91440300MA5F00002D", "深圳华南电子有限公司 Huanan Electronics")  # seed_demo
BUYER = ("91310000MA1FL0001R", "上海示例采购有限公司 Shanghai Demo Buying Co., Ltd.")
IN_PROGRESS = {"received", "validating", "validated"}
FINAL = {"matched", "approved", "exception", "rejected", "refused"}
HOSTILE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE EInvoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    b"<EInvoice><Header><EIid>&xxe;</EIid></Header></EInvoice>\n"
)


def _invoice(n: int, price: str = "12.50") -> bytes:
    """A 数电 invoice of supplier1 to the demo company: five USB-C cables (the demo's partly
    received cable order; 12.50 is its price)."""
    now = datetime.now()
    return build_cn_xml(
        number=f"2644030000{now:%m%d}{n:06d}"[:20],
        seller=SUPPLIER1,
        buyer=BUYER,
        request_time=f"{now:%Y-%m-%d %H:%M:%S}",
        issue_time=f"{now:%Y-%m-%d}",
        items=[item("*电子元件*USB-C 数据线 1m / USB-C cable 1 m", "5", price, "0.13", unit="根")],
    )


def _make_stuck_invoice(demo_server, name: str, data: bytes) -> int:
    """Upload as supplier1 in the server's copy while the in-process validation fails, as it
    did for the tester ("could not enqueue … database is locked"): the invoice stays received."""
    (demo_server.dir / name).write_bytes(data)
    out = demo_server.manage(
        "shell",
        "-c",
        "from unittest import mock; from pathlib import Path; from django.db import OperationalError; "
        "from core.models import User; from invoicing import services, tasks; "
        "user = User.objects.get(username='supplier1'); "
        "locked = mock.patch.object(tasks.validate_invoice, 'apply_async', "
        "side_effect=OperationalError('database is locked')); "
        "locked.start(); "
        f"invoice, _ = services.invoice_upload(supplier=user.membership.supplier, data=Path({name!r}).read_bytes(), "
        f"filename={name!r}, actor=user); "
        "locked.stop(); "
        "print('STUCK', invoice.pk, invoice.state)",
    )
    line = next(line for line in out.splitlines() if line.startswith("STUCK"))
    _, pk, state = line.split()
    assert state == "received"
    return int(pk)


def _row_states(page) -> list[str]:
    return page.locator("#upload-results tr .upload-result").evaluate_all(
        "els => els.map(e => e.dataset.state)"
    )


def test_twelve_files_at_once_each_row_reaches_its_result_without_reloading(demo_server, journey_page, shot):
    files = [(f"发票-{n:02d}.xml", _invoice(n)) for n in range(1, 10)]
    files.append(("发票-10-价格不符.xml", _invoice(10, price="13.90")))  # above the PO price
    stuck_name, stuck_data = "发票-11-卡住.xml", _invoice(11)
    files.append((stuck_name, stuck_data))
    files.append(("恶意-xxe.xml", HOSTILE))

    # the daily qualification-expiry job ran at start: the demo suppliers hold a valid 营业执照
    deadline = time.monotonic() + 30
    while "check_qualification_expiry ok {'warned': 0, 'suspended': 0}" not in demo_server.log():
        assert time.monotonic() < deadline, demo_server.log()
        time.sleep(1)
    page = journey_page("supplier1")
    assert "已批准" in page.locator("main").inner_text()  # still approved, not suspended
    shot(page, "bulk-upload-1-home")
    page.get_by_role("navigation").get_by_role("link", name="上传发票").click()
    page.wait_for_url("**/invoices/upload/")
    page.set_input_files(
        "#files", [{"name": name, "mimeType": "text/xml", "buffer": data} for name, data in files]
    )
    # made just before the click, so the sweeper (it takes invoices waiting 30 s) has not yet taken it
    stuck_id = _make_stuck_invoice(demo_server, stuck_name, stuck_data)
    page.get_by_role("button", name="上传").click()
    rows = page.locator("#upload-results tr")
    page.wait_for_function(
        "n => document.querySelectorAll('#upload-results tr .upload-result').length === n", arg=len(files)
    )
    assert rows.count() == len(files)
    loaded_url = page.url

    # the earlier stuck invoice answers "already uploaded", still received, and keeps polling
    stuck_row = rows.filter(has_text=stuck_name)
    assert stuck_row.locator(".upload-result").get_attribute("data-state") in IN_PROGRESS
    assert stuck_row.locator(".upload-result[hx-get]").count() == 1
    shot(page, "bulk-upload-2-rows-while-one-is-waiting")

    # no reload: the rows refresh themselves until each has its result (the sweeper runs every 20 s
    # and takes invoices waiting for more than 30 s)
    deadline = time.monotonic() + 90
    while set(_row_states(page)) & IN_PROGRESS:
        assert time.monotonic() < deadline, f"rows still in progress after 90 s: {_row_states(page)}"
        time.sleep(1)
    assert page.url == loaded_url
    states = _row_states(page)
    assert len(states) == len(files) and set(states) <= FINAL, states
    assert "received" not in states
    assert page.locator("#upload-results .upload-result[hx-get]").count() == 0  # polling stopped
    assert "已收到" not in page.locator("#upload-results").inner_text()

    hostile = rows.filter(has_text="恶意-xxe.xml").locator(".upload-result")
    assert hostile.get_attribute("data-state") == "refused"
    assert hostile.get_attribute("data-code") == "xml_doctype"
    assert "已拒收" in hostile.inner_text() and "DOCTYPE" in hostile.inner_text()
    stuck_result = stuck_row.locator(".upload-result")
    assert stuck_result.get_attribute("data-state") in FINAL - {"refused"}
    assert "approved" in states  # matched with the cable order and approved for payment
    price_row = rows.filter(has_text="发票-10-价格不符.xml").locator(".upload-result")
    assert price_row.get_attribute("data-state") == "exception" and "异常" in price_row.inner_text()
    shot(page, "bulk-upload-3-every-row-has-its-result")

    assert "could not enqueue" not in demo_server.log()  # none of the twelve lost its task
    assert "database is locked" not in demo_server.log()

    # the invoice that was stuck: its page shows what was read from the file
    stuck_row.get_by_role("link").first.click()
    page.wait_for_url(f"**/invoices/{stuck_id}/")
    main = page.locator("main").inner_text()
    assert "None" not in main and "62.50" in main and "70.63" in main  # 62.50 + 8.13 = 70.63
    shot(page, "bulk-upload-4-the-once-stuck-invoice")


def test_a_waiting_invoice_page_in_english_says_it_is_being_checked_then_shows_its_result(
    demo_server, journey_page, shot
):
    name = "invoice-12-waiting.xml"
    _make_stuck_invoice(demo_server, name, _invoice(12))
    page = journey_page("supplier1", locale="en-US")
    page.get_by_role("navigation").get_by_role("link", name="My invoices").click()
    page.get_by_role("link", name=name).click()
    main = page.locator("main")
    assert "This invoice is being checked." in main.inner_text()
    text = main.inner_text()
    assert "None" not in text and "No findings." not in text
    shot(page, "bulk-upload-5-waiting-invoice-en")
    page.wait_for_function(
        "() => !document.querySelector('#invoice-pending')", timeout=90_000
    )  # the page refreshes by itself once the sweeper has checked it
    text = main.inner_text()
    assert "being checked" not in text and "70.63" in text and "None" not in text
    shot(page, "bulk-upload-6-checked-invoice-en")
