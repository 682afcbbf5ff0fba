"""A document's history reads in the reader's language: actions and states by name, not code."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.selectors import transition_log_for
from procurement.services import rfq_close
from tests.factories import SupplierFactory, make_rfq

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_rfq(buyer):
    rfq = make_rfq(buyer=buyer, suppliers=[SupplierFactory(state="approved")])
    return rfq_close(rfq=rfq, actor=None, reason="deadline reached")


def _history(client, user, rfq, language):
    client.force_login(user)
    client.cookies["django_language"] = language
    response = client.get(reverse("rfq-detail", args=[rfq.pk]), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index("<h2>" + ("历史记录" if language == "zh-hans" else "History")) :]


def test_the_history_reads_in_chinese_for_a_chinese_reader(client, buyer, closed_rfq):
    history = _history(client, buyer, closed_rfq, "zh-hans")
    assert "已发布" in history and "已截止（已开标）" in history and "系统" in history
    for code in (">publish<", ">published<", ">closed<", ">close<", ">system<"):
        assert code not in history


def test_switching_language_changes_how_the_same_rows_read(client, buyer, closed_rfq):
    history = _history(client, buyer, closed_rfq, "en")
    assert "Published" in history and "Closed (quotes opened)" in history and "system" in history
    # the stored rows keep the codes; only how they read changes
    assert [row.transition for row in transition_log_for(closed_rfq)] == ["publish", "close"]
