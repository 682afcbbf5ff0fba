"""Error pages sit inside the portal's layout, read in the person's language and offer a way back;
the 500 page renders even when the request's context (user, session, database) cannot be built."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from core import error_pages

pytestmark = pytest.mark.django_db


def _get(client, user, path, language):
    client.force_login(user)
    client.cookies["django_language"] = language
    return client.get(path, HTTP_ACCEPT_LANGUAGE=language)


@pytest.mark.parametrize(
    ("language", "title", "home"),
    [("zh-hans", 'lang="zh-hans"', "首页"), ("en", "Page not found", "Back to the home page")],
)
def test_a_missing_document_is_a_404_inside_the_layout_with_a_way_home(client, buyer, language, title, home):
    response = _get(client, buyer, "/procurement/pos/987654/", language)
    assert response.status_code == 404
    html = response.content.decode()
    assert title in html and home in html
    assert 'class="error-page"' in html
    assert '<nav aria-label="' in html  # the main navigation, as on every page
    assert f'href="{reverse("home")}"' in html


def test_a_404_in_chinese_carries_no_english_page_title(client, buyer):
    html = _get(client, buyer, "/no/such/page/", "zh-hans").content.decode()
    assert "Page not found" not in html and "Not Found" not in html
    assert "首页" in html  # the navigation and the way back, in Chinese


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_forbidden_page_is_a_403_inside_the_layout(client, supplier_user_a, language):
    # a supplier user may not open the buyers' item master
    response = _get(client, supplier_user_a, reverse("requisition-convert"), language)
    assert response.status_code == 403
    html = response.content.decode()
    assert 'class="error-page"' in html and '<nav aria-label="' in html
    assert f'lang="{language}"' in html
    if language == "en":
        assert "You may not open this page" in html


def test_the_way_back_offers_the_page_the_person_came_from_on_this_portal_only(client, buyer):
    client.force_login(buyer)
    came_from = reverse("po-list")
    html = client.get(
        "/procurement/pos/987654/", HTTP_REFERER=f"http://testserver{came_from}"
    ).content.decode()
    assert f'href="{came_from}"' in html
    html = client.get("/procurement/pos/987654/", HTTP_REFERER="https://evil.example/po/").content.decode()
    assert "evil.example" not in html


def test_the_500_page_renders_without_the_request_context_or_the_database(monkeypatch):
    def no_database(*args, **kwargs):
        raise AssertionError("the 500 page touched the database")

    monkeypatch.setattr(connection, "cursor", no_database)
    request = RequestFactory().get("/anything/")  # no user, no session: as after a crash
    for language, words in (("en", "Something went wrong on our side"), ("zh-hans", 'lang="zh-hans"')):
        with translation.override(language):
            response = error_pages.server_error(request)
        html = response.content.decode()
        assert response.status_code == 500
        assert words in html and 'class="error-page"' in html
        assert f'href="{reverse("home")}"' in html
        assert "<nav" not in html  # nobody is known to be signed in


def test_a_400_page_is_inside_the_layout():
    request = RequestFactory().get("/x/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    with translation.override("en"):
        response = error_pages.bad_request(request)
    assert response.status_code == 400
    assert "The request could not be read" in response.content.decode()
