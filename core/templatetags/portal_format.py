"""Template filters for every figure a person reads, in the active language (see core.formatting):

``{{ po.net_total|amount:po.currency }}`` ``{{ line.quantity|qty }}`` ``{{ line.unit_price|price }}``
``{{ line.tax_rate|rate }}`` ``{{ v.percent|pct }}`` ``{{ v.percent|signed_pct }}`` ``{{ v.difference|variance:v.kind }}``
``{{ value|figure:v.kind }}`` ``{{ d|day }}`` ``{{ dt|moment }}`` and ``{{ x|plain }}`` for form
fields (exact, ungrouped)."""

from django import template

from core import formatting

register = template.Library()


@register.filter
def amount(value, currency=None):
    return formatting.amount(value, currency)


@register.filter
def qty(value):
    return formatting.quantity(value)


@register.filter
def price(value):
    return formatting.price(value)


@register.filter
def rate(value):
    return formatting.rate(value)


@register.filter
def pct(value):
    return formatting.percent(value)


@register.filter
def signed_pct(value):
    return formatting.percent(value, signed=True)


@register.filter
def variance(value, kind="amount"):
    return formatting.variance(value, kind=kind)


@register.filter
def figure(value, kind="amount"):
    return formatting.figure(value, kind=kind)


@register.filter
def plain(value):
    return formatting.plain(value)


@register.filter
def day(value):
    return formatting.day(value)


@register.filter
def moment(value):
    return formatting.moment(value)
