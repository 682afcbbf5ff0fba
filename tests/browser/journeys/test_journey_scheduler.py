"""Journey (f): the demo's periodic jobs run by themselves, on their schedule, from `make run`.

Nobody starts a scheduler: `make run` serves with `manage.py rundemo`, which runs the
CELERY_BEAT_SCHEDULE jobs in-process when there is no broker. The buyer sees the effect: an RFQ
whose deadline passes is closed without anyone pressing a button.
"""

from __future__ import annotations

import re
import time

import pytest

pytestmark = [pytest.mark.journey, pytest.mark.browser]

JOBS = (
    "procurement.close_due_rfqs",
    "invoicing.requeue_stuck_invoices",
    "settlement.requeue_unmatched_invoices",
    "suppliers.check_qualification_expiry",
    "contracts.check_contract_expiry",
)


def _wait_for_log(demo_server, pattern: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not re.search(pattern, demo_server.log()):
        assert time.monotonic() < deadline, (
            f"not in the server log within {timeout} s: {pattern}\n{demo_server.log()}"
        )
        time.sleep(1)


def test_every_periodic_job_runs_when_the_demo_starts(demo_server):
    for job in JOBS:
        _wait_for_log(demo_server, rf"\[scheduler\] .* {re.escape(job)} ok", timeout=30)


def test_an_rfq_closes_by_itself_at_its_deadline(demo_server, journey_page, shot):
    title = "办公用品季度采购"
    # Time passing is the one thing a screen cannot do: move the open demo RFQ's deadline to just ahead.
    demo_server.manage(
        "shell",
        "-c",
        "from datetime import timedelta; from django.utils import timezone; "
        "from procurement.models import RFQ; "
        f"RFQ.objects.filter(title__contains={title!r}).update(deadline=timezone.now() + timedelta(seconds=5))",
    )
    page = journey_page("buyer")
    page.get_by_role("navigation").get_by_role("link", name="询价").first.click()
    shot(page, "scheduler-rfq-list")
    page.locator("tr", has_text=title).get_by_role("link").first.click()
    rfq_url = page.url
    assert "已发布" in page.locator("main").inner_text()

    # The scheduler checks due RFQs every minute; the buyer reloads the page now and then.
    deadline = time.monotonic() + 100
    while "已截止（已开标）" not in page.locator("main").inner_text():
        assert time.monotonic() < deadline, "the RFQ was not closed by the scheduler within 100 s"
        time.sleep(5)
        page.goto(rfq_url)
    shot(page, "scheduler-rfq-closed-by-itself")
    _wait_for_log(demo_server, r"\[scheduler\] .* procurement\.close_due_rfqs ok \[\d+\]", timeout=5)
