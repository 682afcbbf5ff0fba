"""``{% nav 'po-list' %}``: the ``href`` of a main-navigation link, plus ``aria-current="page"``
when the page shown is that link's page or a document under it (``/procurement/pos/12/`` is under
``/procurement/pos/``; ``/invoices/upload/`` is not under ``/invoices/``)."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()


def is_current(path: str, href: str) -> bool:
    if path == href:
        return True
    rest = path[len(href) :] if href != "/" and path.startswith(href) else ""
    return rest[:1].isdigit()


@register.simple_tag(takes_context=True)
def nav(context, name: str, *args) -> str:
    href = reverse(name, args=args)
    request = context.get("request")
    if request is not None and is_current(request.path, href):
        return format_html('href="{}" aria-current="page"', href)
    return format_html('href="{}"', href)
