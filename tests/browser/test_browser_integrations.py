"""The integration pages as an administrator sees them (zh-CN and en): the delivery log with a
delivered, a retrying and a failed delivery, and the team-channel settings."""

from __future__ import annotations

import pytest
from django.utils import timezone

from notifications.integrations import services
from notifications.models import Delivery
from tests.browser.conftest import SCREENSHOTS
from tests.factories import UserFactory


@pytest.fixture
def world(db):
    admin = UserFactory(username="ops-admin", role="staff", is_staff=True)
    erp, _ = services.endpoint_save(
        actor=admin,
        kind="webhook",
        name="SAP S/4HANA",
        url="https://erp.example.com/hooks/portal",
        events=["invoice.approved", "payment.made"],
    )
    services.endpoint_save(
        actor=admin,
        kind="dingtalk",
        name="应付组 AP team",
        url="https://oapi.dingtalk.com/robot/send?access_token=demo",
        secret="SEC0123",
        events=["match_exception", "statement_to_confirm"],
    )
    services.endpoint_save(
        actor=admin,
        kind="wecom",
        name="采购组 Buyers",
        url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=demo",
        events=["shipping_notice", "po_rejected"],
        language="en",
    )
    now = timezone.now()
    rows = [
        ("invoice.approved", "delivered", 1, 200, 84, ""),
        ("payment.made", "retrying", 2, 503, 1210, "HTTP 503"),
        ("invoice.approved", "failed", 8, None, None, "ConnectTimeout: timed out"),
    ]
    for event, state, attempts, code, latency, error in rows:
        Delivery.objects.create(
            endpoint=erp,
            event=event,
            payload={},
            state=state,
            attempts=attempts,
            response_code=code,
            latency_ms=latency,
            last_error=error,
            last_attempt_at=now,
            next_attempt_at=now + timezone.timedelta(minutes=2) if state == "retrying" else None,
        )
    return admin


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_delivery_log_and_the_channel_settings_read_in_both_languages(new_page, world, language):
    page = new_page(world, width=1366, height=768)  # logs in through the English form
    page.context.add_cookies([{"name": "django_language", "value": language, "url": page.url}])
    page.goto("/integrations/deliveries/")
    assert page.locator("html").get_attribute("lang") == language
    rows = page.locator("tbody tr")
    assert rows.count() == 3
    assert page.locator(".state.chip-bad").count() == 1 and page.locator(".state.chip-ok").count() == 1
    assert page.get_by_text("HTTP 503").count() == 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"integrations-{language}-delivery-log.png"), full_page=True)
    page.goto("/integrations/channels/")
    assert page.locator("tbody tr").count() == 2
    page.screenshot(path=str(SCREENSHOTS / f"integrations-{language}-channels.png"), full_page=True)
    page.goto("/integrations/webhooks/")
    page.screenshot(path=str(SCREENSHOTS / f"integrations-{language}-webhooks.png"), full_page=True)
