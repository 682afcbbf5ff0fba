"""The invitation e-mail's link works: seen broken as /suppliers/invitations/%7Btoken%7D/ when the
page and the API built it with build_absolute_uri before the token was put in."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

from core.models import User
from suppliers.models import Supplier, SupplierInvitation
from tests.factories import make_uscc

pytestmark = pytest.mark.django_db


def _link_in_the_mail() -> str:
    assert len(mail.outbox) == 1
    links = re.findall(r"https?://\S+", mail.outbox[0].body)
    assert links, mail.outbox[0].body
    assert len(set(links)) == 1  # the Chinese and the English paragraph carry the same link
    return links[0]


def _register_through_the_link(client, link):
    parts = urlsplit(link)
    assert "%7B" not in link and "{" not in link
    page = client.get(parts.path)
    assert page.status_code == 200, page.content.decode()[:500]
    assert "tax_id" in page.content.decode()
    return client.post(
        parts.path,
        {
            "username": "newsupplier",
            "password": "a-long-enough-password-9",
            "name": "深圳新供应商有限公司",
            "tax_id": make_uscc("91440300MA"),
        },
    )


def test_a_buyer_invites_on_the_page_and_the_supplier_registers_by_following_the_mailed_link(
    client, buyer, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_BASE_URL = "https://portal.example.cn/"
    client.force_login(buyer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/suppliers/invite/", {"email": "sales@new.example.cn"}, follow=True)
    assert response.status_code == 200 and "sales@new.example.cn" in response.content.decode()
    link = _link_in_the_mail()
    assert link.startswith("https://portal.example.cn/suppliers/invitations/")
    assert mail.outbox[0].to == ["sales@new.example.cn"]
    client.logout()
    response = _register_through_the_link(client, link)
    assert response.status_code == 302
    supplier = Supplier.objects.get(name="深圳新供应商有限公司")
    user = User.objects.get(username="newsupplier")
    assert user.membership.supplier == supplier and supplier.state == "draft"
    assert supplier.created_by == user
    assert SupplierInvitation.objects.get().used_by == user


def test_an_invitation_made_through_the_api_mails_a_link_that_opens_the_registration_page(
    client, buyer, django_capture_on_commit_callbacks
):
    client.force_login(buyer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/suppliers/invitations", {"email": "api@new.example.cn"}, content_type="application/json"
        )
    assert response.status_code == 201
    link = _link_in_the_mail()
    client.logout()
    assert _register_through_the_link(client, link).status_code == 302
    assert User.objects.get(username="newsupplier").membership.supplier.name == "深圳新供应商有限公司"


def test_the_invitation_mail_speaks_the_portals_language_whatever_the_buyers_page(
    buyer, django_capture_on_commit_callbacks, client
):
    """The invitee is nobody yet: the mail is in the portal's language (Chinese), only."""
    client.force_login(buyer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/suppliers/invite/", {"email": "x@new.example.cn"}, HTTP_ACCEPT_LANGUAGE="en")
    body = mail.outbox[0].body
    assert "供应商" in body and "You are invited" not in body


@pytest.mark.parametrize("email", ["", "not-an-address", "a@b", "x" * 250 + "@example.cn"])
def test_an_invitation_to_a_bad_address_is_refused_on_the_page_and_in_the_api(client, buyer, email):
    client.force_login(buyer)
    page = client.post("/suppliers/invite/", {"email": email}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 400
    assert 'id="email-error"' in page.content.decode()
    api = client.post("/api/suppliers/invitations", {"email": email}, content_type="application/json")
    assert api.status_code == 422 and "email" in api.json()["details"]["fields"]
    assert not SupplierInvitation.objects.exists() and not mail.outbox


def test_registration_through_the_api_with_bad_fields_is_a_422_per_field_and_creates_nothing(client, buyer):
    from suppliers.services import supplier_invite

    _inv, token = supplier_invite(email="new@example.cn", actor=buyer)
    response = client.post(
        "/api/suppliers/invitations/accept",
        {"token": token, "username": "", "password": "short", "name": "", "tax_id": "91350100M000100Y44"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    assert set(response.json()["details"]["fields"]) == {"username", "password", "name", "tax_id"}
    assert not Supplier.objects.exists() and not User.objects.filter(role="supplier").exists()
    assert client.get(f"/suppliers/invitations/{token}/").status_code == 200
