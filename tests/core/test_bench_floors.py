"""The bench's floor views live in the bench URLs only (benchmarks/load/urls.py, config.settings.bench)."""

import pytest
from django.test import override_settings
from django.urls import Resolver404, resolve

pytestmark = pytest.mark.django_db


def test_the_floor_views_are_not_in_the_portal_urls():
    for path in ("/bench-floor/ok/", "/bench-floor/pos/"):
        with pytest.raises(Resolver404):
            resolve(path)


@override_settings(ROOT_URLCONF="benchmarks.load.urls")
def test_the_floors_answer_a_logged_in_user_with_25_pos_of_its_scope(
    client, buyer, supplier_b, supplier_user_a
):
    from tests.factories import make_purchase_order

    assert client.get("/bench-floor/ok/").status_code == 302  # behind the same login as the pages
    for _ in range(26):
        make_purchase_order(requester=buyer, supplier=supplier_b, lines=((1, "2.00"),), state="sent")
    client.force_login(buyer)
    assert client.get("/bench-floor/ok/").content == b"ok"
    assert client.get("/bench-floor/pos/").content.decode().count("<li>") == 25
    client.force_login(supplier_user_a)  # another supplier's POs are out of its scope
    assert client.get("/bench-floor/pos/").content.decode().count("<li>") == 0
