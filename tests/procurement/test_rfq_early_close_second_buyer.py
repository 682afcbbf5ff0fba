"""A buyer organisation may ask for a second buyer before an RFQ closes early (opening every sealed
price): one buyer asks with a reason, another confirms; both steps are in the RFQ's history; the
asking buyer cannot confirm their own request; the quotes stay sealed meanwhile."""

import pytest
from django.test import Client

from core.models import TransitionLog
from procurement.models import RFQ
from tests.factories import UserFactory, make_rfq

pytestmark = pytest.mark.django_db


@pytest.fixture
def rfq(buyer, supplier_a, supplier_b):
    rfq = make_rfq(buyer=buyer, suppliers=[supplier_a, supplier_b], lines=((10,),), title="螺栓 bolts")
    rfq.legal_entity.early_rfq_close_needs_second_buyer = True
    rfq.legal_entity.save()
    return rfq


def _as(user):
    client = Client()
    client.force_login(user)
    return client


def _close(client, rfq, reason=""):
    page = f"/procurement/rfqs/{rfq.pk}/"
    return client.post(f"{page}do/close/", {"reason": reason}, follow=True, HTTP_REFERER=page)


def test_an_early_close_waits_for_a_second_buyer_and_both_are_in_the_history(rfq, buyer, buyer2):
    first = _as(buyer)
    page = first.get(f"/procurement/rfqs/{rfq.pk}/").content.decode()
    assert "Ask to close early" in page
    refused = _close(first, rfq, "")  # a reason is still needed
    assert "say why you close it early" in refused.content.decode()

    asked = _close(first, rfq, "全部已报价 <b>all quoted</b>")
    html = asked.content.decode()
    assert "another buyer must confirm it" in html and "&lt;b&gt;all quoted&lt;/b&gt;" in html
    assert RFQ.objects.get(pk=rfq.pk).state == "published"
    assert first.get(f"/procurement/rfqs/{rfq.pk}/comparison/").status_code == 409  # still sealed
    assert "Confirm early close" not in first.get(f"/procurement/rfqs/{rfq.pk}/").content.decode()

    own = _close(first, rfq, "again")
    assert "another buyer must confirm it" in own.content.decode()
    assert RFQ.objects.get(pk=rfq.pk).state == "published"

    second = _as(buyer2)
    assert (
        "Confirm early close and open quotes" in second.get(f"/procurement/rfqs/{rfq.pk}/").content.decode()
    )
    _close(second, rfq)
    assert RFQ.objects.get(pk=rfq.pk).state == "closed"
    log = list(TransitionLog.objects.filter(object_id=str(rfq.pk), content_type__model="rfq").order_by("id"))
    asked_row = next(row for row in log if row.transition == "request_early_close")
    closed_row = next(row for row in log if row.transition == "close")
    assert asked_row.actor == buyer and asked_row.reason == "全部已报价 <b>all quoted</b>"
    assert closed_row.actor == buyer2 and closed_row.reason == "全部已报价 <b>all quoted</b>"
    history = second.get(f"/procurement/rfqs/{rfq.pk}/").content.decode()
    assert "Early close asked (waits for a second buyer)" in history
    assert second.get(f"/procurement/rfqs/{rfq.pk}/comparison/").status_code == 200


def test_the_api_asks_and_confirms_the_same_way(client, rfq, buyer, buyer2):
    from core.services import api_token_create

    def call(user, reason):
        raw = api_token_create(user=user, name="erp")[1]
        return client.post(
            f"/api/rfqs/{rfq.pk}/close",
            data={"reason": reason},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {raw}",
        )

    assert call(buyer, "urgent").json()["state"] == "published"
    own = call(buyer, "urgent")
    assert own.status_code == 403 and own.json()["code"] == "own_early_close"
    assert call(buyer2, "").json()["state"] == "closed"


def test_without_the_setting_one_buyer_closes_early_with_a_reason(rfq, buyer):
    rfq.legal_entity.early_rfq_close_needs_second_buyer = False
    rfq.legal_entity.save()
    _close(_as(buyer), rfq, "all quoted")
    assert RFQ.objects.get(pk=rfq.pk).state == "closed"


def test_staff_turn_the_setting_on_in_the_admin(rfq):
    admin = UserFactory(username="root", role="staff", is_staff=True, is_superuser=True)
    client = _as(admin)
    entity = rfq.legal_entity
    page = client.get(f"/admin/procurement/legalentity/{entity.pk}/change/").content.decode()
    assert 'name="early_rfq_close_needs_second_buyer"' in page
