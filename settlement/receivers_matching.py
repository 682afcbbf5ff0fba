"""Signal receivers of settlement (matching).

* A validated invoice is matched: ``pass_validation`` enqueues ``settlement.match_invoice``.
* A cancelled invoice gives its claims back and leaves the exception desk.
* A changed PO line or goods-receipt line re-checks the match results that depend on its PO
  (one task per PO and transaction, recorded in it and sent after commit).
* After ``migrate`` the global default tolerance policy exists.
"""

from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver
from django_fsm.signals import post_transition

from core.queue import enqueue_on_commit
from core.texts import text
from invoicing.models import Invoice
from procurement.models import GoodsReceiptLine, PurchaseOrderLine

from . import home_matching  # noqa: F401 - registers the home-page panels of matching


@receiver(post_transition, sender=Invoice, dispatch_uid="settlement_match_on_validation")
def match_validated_invoice(sender, instance, name, source, target, **kwargs):
    if kwargs.get("exception") is not None:
        return
    if name == "pass_validation":
        from .tasks import match_invoice

        enqueue_on_commit(match_invoice, instance.pk)
    elif name == "cancel":
        from .models import CaseResolution
        from .services.matching import invoice_left_desk

        invoice_left_desk(instance, resolution=CaseResolution.CLOSED, reason=text("match.invoice_cancelled"))


def _po_changed(po_id: int | None) -> None:
    """One staleness refresh per changed PO and transaction, recorded in it (core.queue)."""
    if po_id is None:
        return
    from .tasks import refresh_match_staleness

    enqueue_on_commit(refresh_match_staleness, [po_id], dedupe=True)


@receiver(post_save, sender=PurchaseOrderLine, dispatch_uid="settlement_stale_po_line_saved")
@receiver(post_delete, sender=PurchaseOrderLine, dispatch_uid="settlement_stale_po_line_deleted")
def po_line_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        _po_changed(instance.po_id)


@receiver(post_save, sender=GoodsReceiptLine, dispatch_uid="settlement_stale_receipt_line_saved")
@receiver(post_delete, sender=GoodsReceiptLine, dispatch_uid="settlement_stale_receipt_line_deleted")
def receipt_line_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        _po_changed(
            PurchaseOrderLine.objects.filter(pk=instance.po_line_id).values_list("po_id", flat=True).first()
        )


@receiver(post_migrate, dispatch_uid="settlement_default_tolerance_policy")
def create_default_policy(sender, app_config=None, **kwargs):
    if app_config is None or app_config.label != "settlement":
        return
    from django.db import connections

    from .models import TolerancePolicy
    from .services.match_policies import tolerance_policy_ensure_default

    using = kwargs.get("using") or "default"
    if TolerancePolicy._meta.db_table in connections[using].introspection.table_names():
        tolerance_policy_ensure_default()
