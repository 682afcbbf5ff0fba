"""Notifications of supplier B's user for the access walker (tests/core/test_access_walker.py);
an integration endpoint and a delivery (administrators' pages only: no supplier user reaches them)."""

from notifications.models import Delivery, Endpoint, Notification
from tests.factories import UserFactory


def build(supplier_a, supplier_b, alice, bob, *, foreign_id, marker):
    own = Notification.objects.create(user=alice, kind="invoice_rejected", params={"number": "OWN-1"})
    Notification.objects.create(
        pk=foreign_id, user=bob, kind="invoice_rejected", params={"number": marker, "reasons": marker}
    )
    admin = UserFactory(username="walker-admin", role="staff", is_staff=True)
    endpoint = Endpoint.objects.create(
        kind="webhook",
        name=marker,
        url="https://erp.example.com/h",
        events=["invoice.approved"],
        created_by=admin,
    )
    delivery = Delivery.objects.create(
        endpoint=endpoint, event="invoice.approved", payload={"marker": marker}
    )
    return {
        "own": {"notification_id": own.pk},
        "foreign": {"notification_id": foreign_id},
        "shared": {"endpoint_id": endpoint.pk, "delivery_id": delivery.pk},
    }
