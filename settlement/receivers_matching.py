"""Signal receivers of settlement (matching).

* A validated invoice is matched: ``pass_validation`` enqueues ``settlement.match_invoice``.
* A cancelled invoice gives its claims back and leaves the exception desk.
* A changed PO line or goods-receipt line re-checks the match results that depend on its PO
  (one task per transaction, after commit).
* After ``migrate`` the global default tolerance policy exists.
"""

import logging

from django.db import connection, transaction
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


logger = logging.getLogger(__name__)
_PENDING = "_settlement_stale_po_ids"


def _flush_pending() -> None:
    pending = getattr(connection, _PENDING, None)
    if not pending:
        return
    ids = sorted(pending)
    pending.clear()
    from .tasks import refresh_match_staleness

    try:
        refresh_match_staleness.delay(ids)
    except Exception:  # the broker is down; the change itself is committed
        logger.exception("could not enqueue the staleness refresh for POs %s", ids)


def _po_changed(po_id: int | None) -> None:
    if po_id is None:
        return
    pending = getattr(connection, _PENDING, None)
    if pending is None:
        pending = set()
        setattr(connection, _PENDING, pending)
    pending.add(po_id)
    transaction.on_commit(_flush_pending)  # the first flush sends them all; later ones find nothing


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
