"""Business gauges for Prometheus, computed at scrape time (registered in apps.py)."""

from __future__ import annotations

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily


def invoices_by_state():
    from invoicing.models import Invoice, InvoiceState

    family = GaugeMetricFamily("portal_invoices", "Invoices by state", labels=["state"])
    counts = dict(Invoice.objects.order_by().values_list("state").annotate(n=Count("id")))
    for state in InvoiceState.values:
        family.add_metric([state], counts.get(state, 0))
    yield family
