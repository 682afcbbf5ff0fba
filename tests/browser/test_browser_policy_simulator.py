"""The tolerance policy simulator and the AP reports in a real browser, in Chinese and English, on
seed_demo's data: finance tightens the price limit of the global policy, sees which of the demo's
recent invoices would become exceptions (with the reasons), then saves the draft as the next
version. Screenshots: artifacts/screenshots/simulator-*.png and ap-report-*.png."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from settlement.models import TolerancePolicy
from tests.browser.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105 - seed_demo's password
LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123


def _page(browser, live_server, language):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 768}, locale=LOCALES[language]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/login/")
    page.locator("#id_username").fill("finance")
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    assert page.locator("html").get_attribute("lang") == language
    return page


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_finance_simulates_a_tighter_price_limit_and_saves_it(browser, live_server, demo, language):
    page = _page(browser, live_server, language)
    page.goto("/settlement/matching/exceptions/")
    page.locator("main a[href$='/settlement/matching/policies/']").first.click()
    _shot(page, f"simulator-{language}-1-policies")
    page.locator("a[href*='/simulate/']").first.click()
    assert page.locator("#id_unit_price_upper_percent").input_value() == "2"
    page.locator("#id_unit_price_upper_percent").fill("1.5")
    page.locator("#id_line_amount_upper_percent").fill("1.5")
    page.locator("button[value=simulate]").click()
    page.locator("#verdict-changes").wait_for()
    changes = page.locator("#verdict-changes tbody tr")
    assert changes.count() == 1
    cells = changes.first.locator("td").all_inner_texts()
    within, exception = (
        ("在容差内匹配", "异常") if language == "zh-hans" else ("Matched within tolerance", "Exception")
    )
    assert cells == [within, exception, "2"], cells
    changed = page.locator("#changed-invoices").inner_text()
    assert "DEMO-AP-0001" in changed and "DEMO-AP-0005" in changed
    if language == "zh-hans":
        assert "因此该行为异常" in changed and "so this line is an exception" not in changed
    else:
        assert "allows at most +1.50% and +50.00 CNY, so this line is an exception" in changed
    assert page.locator("#id_unit_price_upper_percent").input_value() == "1.5"  # the draft stays
    assert TolerancePolicy.objects.filter(code="global").count() == 1  # nothing saved
    _shot(page, f"simulator-{language}-2-result")

    page.locator("#id_change_reason").fill("价格容差收紧 / tighter price tolerance")
    page.locator("button[value=save]").click()
    page.wait_for_url(lambda url: url.endswith("/settlement/matching/policies/"))
    assert "global v2" in page.locator("main").inner_text()
    saved = TolerancePolicy.objects.get(code="global", version=2)
    assert str(saved.unit_price_upper_percent.normalize()) == "1.5"
    _shot(page, f"simulator-{language}-3-saved")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_ap_reports_show_the_demo(browser, live_server, demo, language):
    page = _page(browser, live_server, language)
    page.goto("/reports/")
    for name in ("received-not-invoiced", "exceptions-by-cause", "tolerance-near-misses"):
        page.locator(f"nav.subnav a[href$='/reports/{name}/']").click()
        page.wait_for_url(lambda url, name=name: f"/reports/{name}/" in url)
        assert page.locator("main svg.chart").count() >= 1
        assert page.locator("main table tbody tr").count() >= 2
        _shot(page, f"ap-report-{language}-{name}")
