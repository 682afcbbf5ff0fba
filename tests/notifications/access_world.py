"""Notifications of supplier B's user for the access walker (tests/core/test_access_walker.py)."""

from notifications.models import Notification


def build(supplier_a, supplier_b, alice, bob, *, foreign_id, marker):
    own = Notification.objects.create(user=alice, kind="invoice_rejected", params={"number": "OWN-1"})
    Notification.objects.create(
        pk=foreign_id, user=bob, kind="invoice_rejected", params={"number": marker, "reasons": marker}
    )
    return {"own": {"notification_id": own.pk}, "foreign": {"notification_id": foreign_id}}
