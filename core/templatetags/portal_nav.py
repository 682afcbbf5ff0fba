"""``{% nav 'po-list' %}``: the ``href`` of a main-navigation link, plus ``aria-current="page"``
when the page shown is that link's page or a document under it (``/procurement/pos/12/`` is under
``/procurement/pos/``; ``/invoices/upload/`` is not under ``/invoices/``)."""

from functools import lru_cache

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html

register = template.Library()


@lru_cache(maxsize=1024)
def _href(urlconf, prefix: str, name: str, args: tuple) -> str:
    return reverse(name, urlconf=urlconf, args=args)


def href(name: str, *args) -> str:
    """``reverse(name, args=args)``, worked out once per URL configuration and script prefix: every
    page's navigation has some twenty links, the same on every request."""
    return _href(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), name, args)


def is_current(path: str, href: str) -> bool:
    if path == href:
        return True
    rest = path[len(href) :] if href != "/" and path.startswith(href) else ""
    return rest[:1].isdigit()


@register.simple_tag(takes_context=True)
def nav(context, name: str, *args) -> str:
    url = href(name, *args)
    request = context.get("request")
    if request is not None and is_current(request.path, url):
        return format_html('href="{}" aria-current="page"', url)
    return format_html('href="{}"', url)
