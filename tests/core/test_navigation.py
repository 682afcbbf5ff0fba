"""Every role's pages render with its navigation (a broken link would be a 500 here)."""

import pytest


@pytest.mark.parametrize("who", ["buyer", "finance", "supplier_user_a"])
def test_each_role_can_open_home_and_every_nav_link(db, client, request, who):
    import re

    user = request.getfixturevalue(who)
    client.force_login(user)
    home = client.get("/")
    assert home.status_code == 200
    links = set(
        re.findall(r'<nav aria-label="[^"]*">(.*?)</nav>', home.content.decode(), re.S)[0].split('href="')[1:]
    )
    for href in {chunk.split('"', 1)[0] for chunk in links}:
        assert client.get(href).status_code == 200, href


@pytest.mark.parametrize(
    "who, expected",
    [
        (
            "buyer",
            [
                "/procurement/rfqs/",
                "/contracts/",
                "/procurement/pos/",
                "/procurement/receipts/",
                "/suppliers/",
            ],
        ),
        (
            "supplier_user_a",
            [
                "/procurement/rfqs/",
                "/procurement/pos/",
                "/invoices/upload/",
                "/invoices/",
                "/settlement/statements/",
            ],
        ),
        (
            "finance",
            [
                "/settlement/matching/exceptions/",
                "/settlement/statements/",
                "/settlement/payments/",
                "/suppliers/bank-accounts/",
            ],
        ),
    ],
)
def test_each_role_finds_its_work_in_the_navigation(db, client, request, who, expected):
    import re

    client.force_login(request.getfixturevalue(who))
    nav = re.findall(r'<nav aria-label="[^"]*">(.*?)</nav>', client.get("/").content.decode(), re.S)[0]
    hrefs = re.findall(r'href="([^"]+)"', nav)
    assert [path for path in expected if path not in hrefs] == []


@pytest.mark.parametrize(
    "path, current",
    [
        ("/procurement/pos/", "/procurement/pos/"),
        ("/procurement/pos/?state=sent", "/procurement/pos/"),
        ("/invoices/upload/", "/invoices/upload/"),
        ("/", "/"),
    ],
)
def test_the_nav_marks_the_page_shown_as_current(db, client, supplier_user_a, path, current):
    import re

    client.force_login(supplier_user_a)
    page = client.get(path).content.decode()
    nav = re.findall(r'<nav aria-label="[^"]*">(.*?)</nav>', page, re.S)[0]
    assert re.findall(r'href="([^"]+)" aria-current="page"', nav) == [current]


def test_a_document_page_marks_its_list_as_current():
    from core.templatetags.portal_nav import is_current

    assert is_current("/procurement/pos/12/", "/procurement/pos/")
    assert not is_current("/invoices/upload/", "/invoices/")
    assert not is_current("/invoices/", "/")
    assert is_current("/", "/")
