"""WeCom (企业微信) and DingTalk (钉钉) group robots: an admin chooses per team which notification
kinds go to its group; the messages reach a real HTTP server in each robot's JSON format."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
from django.db import transaction

from notifications.models import Delivery, Endpoint
from notifications.services import notify
from tests.factories import UserFactory
from tests.notifications.receiver import Receiver

OK = b'{"errcode":0,"errmsg":"ok"}'
DING_SECRET = "SEC0123456789abcdef"


@pytest.fixture
def admin(db):
    return UserFactory(username="ops-admin", role="staff", is_staff=True)


@pytest.fixture
def as_admin(client, admin):
    client.force_login(admin)
    return client


def _add(client, kind, url, kinds, **extra):
    data = {"kind": kind, "name": f"AP team {kind}", "url": url, "events": kinds, "is_active": "on", **extra}
    return client.post("/integrations/channels/", data)


def _exception(finance, supplier="Supplier A 甲"):
    with transaction.atomic():
        notify(
            users=[finance],
            kind="match_exception",
            params={
                "number": "26312000000000000042",
                "supplier": supplier,
                "reasons": "price above tolerance",
            },
            url="/invoices/42/",
        )


def test_each_robot_gets_the_kinds_its_team_chose_in_its_own_format(
    as_admin, finance, django_capture_on_commit_callbacks
):
    with Receiver(body=OK) as wecom, Receiver(body=OK) as ding:
        assert (
            _add(
                as_admin, "wecom", wecom.url + "/cgi-bin/webhook/send?key=K-1", ["match_exception"]
            ).status_code
            == 302
        )
        response = _add(
            as_admin,
            "dingtalk",
            ding.url + "/robot/send?access_token=T-1",
            ["match_exception", "statement_to_confirm"],
            secret=DING_SECRET,
            language="en",
        )
        assert response.status_code == 302
        with django_capture_on_commit_callbacks(execute=True):
            _exception(finance)
            # a kind no team chose reaches no robot
            notify(
                users=[finance],
                kind="document_expiring",
                params={"document": "x", "owner": "y", "date": "2026-12-31"},
            )

    [w] = wecom.requests
    assert w.path == "/cgi-bin/webhook/send" and w.query == {"key": ["K-1"]}
    message = json.loads(w.body)
    assert message["msgtype"] == "markdown" and set(message["markdown"]) == {"content"}
    assert "26312000000000000042" in message["markdown"]["content"]
    assert "](http://127.0.0.1:8000/invoices/42/)" in message["markdown"]["content"]

    [d] = ding.requests
    assert d.path == "/robot/send" and d.query["access_token"] == ["T-1"]
    stamp, sign = d.query["timestamp"][0], d.query["sign"][0]  # parse_qs already URL-decoded it
    expected = base64.b64encode(
        hmac.new(DING_SECRET.encode(), f"{stamp}\n{DING_SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    assert sign == expected and abs(int(stamp) / 1000 - time.time()) < 60
    message = json.loads(d.body)
    assert message["msgtype"] == "markdown" and set(message["markdown"]) == {"title", "text"}
    assert message["markdown"]["title"] == "Invoice 26312000000000000042 needs a decision"  # in English
    assert "price above tolerance" in message["markdown"]["text"]
    assert set(Delivery.objects.values_list("state", flat=True)) == {"delivered"}


def test_a_robot_that_answers_an_errcode_is_retried_and_the_error_logged(
    as_admin, finance, django_capture_on_commit_callbacks
):
    with Receiver(body=b'{"errcode":310000,"errmsg":"sign not match"}') as ding:
        _add(
            as_admin,
            "dingtalk",
            ding.url + "/robot/send?access_token=T",
            ["match_exception"],
            secret=DING_SECRET,
        )
        with django_capture_on_commit_callbacks(execute=True):
            _exception(finance)
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.response_code) == ("retrying", 1, 200)
    assert delivery.last_error == "errcode 310000: sign not match"
    assert "errcode 310000" in as_admin.get("/integrations/deliveries/").content.decode()


def test_what_a_supplier_typed_cannot_make_markdown_links_or_mentions(
    as_admin, finance, django_capture_on_commit_callbacks
):
    with Receiver(body=OK) as wecom:
        _add(as_admin, "wecom", wecom.url + "/send?key=K", ["match_exception"])
        with django_capture_on_commit_callbacks(execute=True):
            _exception(finance, supplier="[免费领取](http://evil.example) <@all> **urgent**\n# heading")
    content = json.loads(wecom.requests[0].body)["markdown"]["content"]
    assert "[免费领取](" not in content and "<@all>" not in content and "**urgent**" not in content
    assert "\n# heading" not in content
    assert "免费领取" in content  # the words stay readable


def test_a_wecom_robot_takes_no_secret_and_the_kinds_must_be_known(as_admin):
    response = _add(
        as_admin,
        "wecom",
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K",
        ["match_exception"],
        secret="x",
    )
    assert response.status_code == 400 and "WeCom" in response.content.decode()
    response = _add(
        as_admin, "dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=T", ["no_such_kind"]
    )
    assert response.status_code == 400
    response = _add(as_admin, "dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=T", [])
    assert response.status_code == 400
    assert Endpoint.objects.count() == 0


def test_the_admin_changes_a_teams_kinds_on_its_page(as_admin, admin):
    _add(
        as_admin,
        "dingtalk",
        "https://oapi.dingtalk.com/robot/send?access_token=T",
        ["match_exception"],
        secret=DING_SECRET,
    )
    endpoint = Endpoint.objects.get()
    page = as_admin.get(f"/integrations/endpoints/{endpoint.pk}/")
    assert page.status_code == 200
    response = as_admin.post(
        f"/integrations/endpoints/{endpoint.pk}/",
        {"name": "AP team", "url": endpoint.url, "events": ["statement_to_confirm"], "language": "zh-hans"},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.events == ["statement_to_confirm"] and not endpoint.is_active
    from notifications.integrations.services import endpoint_secret

    assert endpoint_secret(endpoint) == DING_SECRET  # an empty secret field keeps it
