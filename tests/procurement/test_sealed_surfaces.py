"""Point 2: until the RFQ is closed no buyer page, API, export or admin screen shows a quoted
price (or a file that may carry it). Every URL that takes an RFQ or attachment id is walked, so a
new surface is covered by itself; each known surface also has its own assertion."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from core.services import api_token_create
from procurement import services
from procurement.models import QuoteVersion
from procurement.services.rfq import quote_canonical_bytes
from tests.factories import UserFactory, make_rfq

SECRET = "7654.321"
# The price in every spelling a page could use: raw, rounded, grouped, and the line total 3 × it.
LEAKS = ("7654", "7,654", "22962", "22,962")
PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


@pytest.fixture
def sealed(buyer, supplier_a, supplier_user_a):
    rfq = make_rfq(buyer=buyer, suppliers=[supplier_a], lines=((3,),), title="Sealed 密封")
    version = services.quote_submit(
        rfq=rfq,
        actor=supplier_user_a,
        prices={rfq.lines.get().pk: SECRET},
        lead_time_days=3,
        valid_until=timezone.localdate() + timedelta(days=9),
        note="",
        attachments=[("price-list.txt", f"unit price {SECRET} CNY".encode())],
    )
    return rfq, version


def _routes(patterns, prefix=""):
    for p in patterns:
        route = str(p.pattern)
        if isinstance(p, URLResolver):
            if route != "admin/":
                yield from _routes(p.url_patterns, prefix + route)
        elif isinstance(p, URLPattern) and not route.startswith("^") and "(?P<" not in route:
            yield prefix + route


def _sealed_urls(rfq, attachment):
    ids = {"rfq_id": rfq.pk, "attachment_id": attachment.pk}
    urls = ["/", "/procurement/rfqs/", "/api/rfqs"]
    for route in sorted(set(_routes(get_resolver().url_patterns))):
        params = PARAM.findall(route)
        if params and set(params) <= set(ids) and set(params) & set(ids):
            urls.append("/" + PARAM.sub(lambda m: str(ids[m[1]]), route))
    return urls


def _assert_no_price(response, url):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode(errors="replace")
    assert not any(leak in text for leak in LEAKS), f"GET {url} ({response.status_code}) shows the price"


@pytest.mark.parametrize("role", ["buyer", "finance"])
def test_no_url_shows_a_sealed_price_to_internal_users(client, sealed, role):
    rfq, version = sealed
    user = UserFactory(username=f"sealed-{role}", role=role)
    client.force_login(user)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user, name='t')[1]}"}
    urls = _sealed_urls(rfq, version.attachments.get())
    assert len(urls) >= 15, urls  # portal pages, API, export, attachment downloads
    for url in urls:
        _assert_no_price(client.get(url, **(bearer if url.startswith("/api/") else {})), url)


def test_each_buyer_surface_refuses_or_hides_prices_before_close_and_shows_them_after(client, buyer, sealed):
    rfq, version = sealed
    attachment = version.attachments.get()
    client.force_login(buyer)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=buyer, name='t')[1]}"}
    refused = {
        f"/procurement/rfqs/{rfq.pk}/comparison/": None,
        f"/procurement/rfqs/{rfq.pk}/comparison.csv": None,
        f"/procurement/quote-attachments/{attachment.pk}/": 404,
        f"/api/rfqs/{rfq.pk}/quote-lines": 409,
        f"/api/rfqs/{rfq.pk}/comparison": 409,
        f"/api/rfqs/{rfq.pk}/quote-attachments": 409,
        f"/api/quote-attachments/{attachment.pk}": 404,
    }
    for url, status in refused.items():
        response = client.get(url, **(bearer if url.startswith("/api/") else {}))
        assert response.status_code != 200 and (status is None or response.status_code == status), url
        if status == 409:
            assert response.json()["code"] == "quotes_sealed"
    detail = client.get(f"/procurement/rfqs/{rfq.pk}/").content.decode()
    assert "Supplier A 甲" in detail  # who quoted is shown, not what
    assert client.get(f"/api/rfqs/{rfq.pk}/quotes", **bearer).json()[0]["current_version"] == 1

    services.rfq_close(rfq=rfq, actor=buyer, reason="closed early for the test")
    for url in refused:
        response = client.get(url, **(bearer if url.startswith("/api/") else {}))
        assert response.status_code == 200, url
    csv_text = client.get(f"/procurement/rfqs/{rfq.pk}/comparison.csv").content.decode()
    assert SECRET in csv_text


def test_no_admin_screen_shows_a_sealed_price(client, sealed):
    rfq, version = sealed
    line, attachment = version.lines.get(), version.attachments.get()
    client.force_login(UserFactory(username="root", role="staff", is_staff=True, is_superuser=True))
    pages = [
        "/admin/procurement/quoteline/",
        "/admin/procurement/quoteversion/",
        f"/admin/procurement/quoteversion/{version.pk}/change/",
        "/admin/procurement/quoteattachment/",
        "/admin/procurement/rfq/",
        f"/admin/procurement/rfq/{rfq.pk}/change/",
        f"/admin/procurement/quoteline/?q={SECRET}",
        f"/admin/procurement/quoteline/?unit_price={SECRET}",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 302), url
        _assert_no_price(response, url)
    for hidden in (
        f"/admin/procurement/quoteline/{line.pk}/change/",
        f"/admin/procurement/quoteattachment/{attachment.pk}/change/",
    ):
        response = client.get(hidden)
        assert response.status_code in (302, 404), hidden  # "does not exist" for the admin
        _assert_no_price(client.get(hidden, follow=True), hidden)
    services.rfq_close(
        rfq=rfq, actor=UserFactory(username="closer", role="buyer"), reason="closed early for the test"
    )
    assert "7654" in client.get("/admin/procurement/quoteline/").content.decode()
    assert "price-list.txt" in client.get("/admin/procurement/quoteattachment/").content.decode()


def test_the_stored_hash_cannot_be_used_to_guess_a_sealed_price(sealed):
    """The hash is salted with a random value that no screen shows: hashing a guessed price with
    everything else known does not reproduce it."""
    rfq, version = sealed
    version = QuoteVersion.objects.get(pk=version.pk)
    attachment = version.attachments.get()
    guess = hashlib.sha256(
        quote_canonical_bytes(
            rfq_id=rfq.pk,
            supplier_id=version.quote.supplier_id,
            version=1,
            lead_time_days=3,
            valid_until=version.valid_until,
            note="",
            prices={rfq.lines.get().pk: SECRET},
            attachments=[(attachment.name, attachment.sha256)],
        )
    ).hexdigest()
    assert len(version.salt) == 32 and guess != version.sha256
    assert services.rfq.quote_version_digest(version) == version.sha256


def test_a_supplier_sees_its_own_prices_but_never_a_competitors(client, buyer, supplier_b, sealed):
    from tests.factories import make_supplier_user

    rfq, _ = sealed
    services.rfq_invite(rfq=rfq, supplier=supplier_b, actor=buyer)
    bob = make_supplier_user(supplier_b, "bob-sealed")
    services.quote_submit(
        rfq=rfq,
        actor=bob,
        prices={rfq.lines.get().pk: "1111"},
        lead_time_days=3,
        valid_until=timezone.localdate() + timedelta(days=9),
    )
    client.force_login(bob)
    page = client.get(f"/procurement/rfqs/{rfq.pk}/").content.decode()
    assert "1111" in page and "7654" not in page
    services.rfq_close(rfq=rfq, actor=buyer, reason="closed early for the test")
    assert "7654" not in client.get(f"/procurement/rfqs/{rfq.pk}/").content.decode()
    assert client.get(f"/procurement/rfqs/{rfq.pk}/comparison/").status_code == 403
