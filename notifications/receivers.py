"""Who hears about what: the notifications app sits at the top of the dependency chain and
listens to the document transitions of the apps below it (and to core's document_expiring
signal), so no business app needs to know about notifications."""

from __future__ import annotations

from django.db.models import Q
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django_fsm.signals import post_transition

from core.models import Role, User
from core.signals import document_expiring
from core.texts import Text
from procurement.signals import (
    po_change_proposed,
    rfq_question_answered,
    rfq_question_asked,
    shipping_notice_sent,
)

from .services import notify


def supplier_users(supplier_id: int):
    return User.objects.filter(membership__supplier_id=supplier_id, is_active=True)


def finance_users():
    return User.objects.filter(role=Role.FINANCE, is_active=True)


def _on(label: str, name: str):
    """Register ``fn(instance, reason)`` for transition ``name`` of model ``label``."""

    def register(fn):
        _HANDLERS[(label, name)] = fn
        return fn

    return register


_HANDLERS: dict = {}


@receiver(post_transition, dispatch_uid="notifications.on_transition")
def on_transition(sender, instance, name, source, target, **kwargs):
    if kwargs.get("exception") is not None:
        return
    handler = _HANDLERS.get((sender._meta.label, name))
    if handler is not None:
        handler(instance, _reason((kwargs.get("method_kwargs") or {}).get("reason", "") or ""))


def _reason(reason):
    """A reason as a notification parameter: the portal's own words stay a code with parameters
    (read in the recipient's language), a typed reason is cut to 500 characters."""
    return reason.as_json() if isinstance(reason, Text) else reason[:500]


@_on("procurement.RFQ", "publish")
def rfq_published(rfq, reason):
    for invitation in rfq.invitations.all():
        _invite(rfq, invitation.supplier_id)


def _invite(rfq, supplier_id):
    notify(
        users=supplier_users(supplier_id),
        kind="rfq_invitation",
        params={
            "number": rfq.number,
            "title": rfq.title,
            "deadline": f"{timezone.localtime(rfq.deadline):%Y-%m-%d %H:%M}" if rfq.deadline else "—",
            "buyer": rfq.legal_entity.name,
        },
        url=reverse("rfq-detail", args=[rfq.pk]),
    )


@receiver(post_save, sender="procurement.RFQInvitation", dispatch_uid="notifications.late_invitation")
def invitation_added(sender, instance, created, **kwargs):
    """A supplier invited after the RFQ was published hears about it at once."""
    if created and instance.rfq.state == "published":
        _invite(instance.rfq, instance.supplier_id)


@_on("procurement.PurchaseOrder", "send")
def purchase_order_sent(po, reason):
    notify(
        users=supplier_users(po.supplier_id),
        kind="po_to_acknowledge",
        params={"number": po.number, "revision": po.revision},
        url=reverse("po-detail", args=[po.pk]),
    )


def _invoice_rejected(invoice, reason):
    notify(
        users=supplier_users(invoice.supplier_id),
        kind="invoice_rejected",
        params={"number": invoice.invoice_number or invoice.file.original_name, "reasons": reason},
        url=reverse("invoice-detail", args=[invoice.pk]),
    )


_on("invoicing.Invoice", "fail_validation")(_invoice_rejected)
_on("invoicing.Invoice", "reject_match")(_invoice_rejected)


@_on("settlement.ExceptionCase", "request_credit_note")
def credit_note_requested(case, reason):
    """Finance's request for a credit note (红字发票) reaches the supplier's users, with its message."""
    invoice = case.invoice
    notify(
        users=supplier_users(invoice.supplier_id),
        kind="credit_note_requested",
        params={
            "number": invoice.invoice_number or invoice.file.original_name,
            "message": case.credit_note_request[:500] or reason,
        },
        url=reverse("invoice-detail", args=[invoice.pk]),
    )


@_on("settlement.Statement", "send")
def statement_sent(statement, reason):
    notify(
        users=supplier_users(statement.supplier_id),
        kind="statement_to_confirm",
        params={"number": statement.number, "amount": statement.gross_total, "currency": statement.currency},
        url=reverse("statement-detail", args=[statement.pk]),
    )


@_on("invoicing.Invoice", "raise_exception")
def match_exception(invoice, reason):
    notify(
        users=finance_users(),
        kind="match_exception",
        params={"number": invoice.invoice_number, "supplier": invoice.supplier.name, "reasons": reason},
        url=reverse("invoice-detail", args=[invoice.pk]),
    )


def _quantity(value) -> str:
    return f"{value.normalize():f}"


def _po_buyer(po):
    """The buyer responsible for a PO: its requester (the one who created or last revised it)."""
    return [po.requester]


@_on("procurement.PurchaseOrder", "reject")
def purchase_order_rejected(po, reason):
    notify(
        users=_po_buyer(po),
        kind="po_rejected",
        params={
            "number": po.number,
            "revision": po.revision,
            "supplier": po.supplier.name,
            "reason": reason,
        },
        url=reverse("po-detail", args=[po.pk]),
    )


@receiver(po_change_proposed, dispatch_uid="notifications.po_change_proposed")
def on_po_change_proposed(sender, *, proposal, **kwargs):
    po = proposal.po
    notify(
        users=_po_buyer(po),
        kind="po_change_proposed",
        params={
            "number": po.number,
            "supplier": po.supplier.name,
            "lines": proposal.lines.count(),
            "reason": proposal.reason[:500],
        },
        url=reverse("po-detail", args=[po.pk]) + f"#proposal-{proposal.pk}",
    )


def _change_decided(kind):
    def handler(proposal, reason):
        po = proposal.po
        notify(
            users=supplier_users(po.supplier_id),
            kind=kind,
            params={
                "number": po.number,
                "revision": proposal.resulting_revision or po.revision,
                "reason": reason,
            },
            url=reverse("po-detail", args=[po.pk]) + f"#proposal-{proposal.pk}",
        )

    return handler


_on("procurement.POChangeProposal", "accept")(_change_decided("po_change_accepted"))
_on("procurement.POChangeProposal", "decline")(_change_decided("po_change_declined"))


@receiver(shipping_notice_sent, dispatch_uid="notifications.shipping_notice")
def on_shipping_notice(sender, *, notice, **kwargs):
    po = notice.po
    lines = ", ".join(
        f"#{nl.po_line.line_no} × {_quantity(nl.quantity)}" for nl in notice.lines.select_related("po_line")
    )
    notify(
        users=_po_buyer(po),
        kind="shipping_notice",
        params={
            "number": po.number,
            "supplier": po.supplier.name,
            "shipped_on": f"{notice.shipped_on:%Y-%m-%d}",
            "expected_on": f"{notice.expected_on:%Y-%m-%d}" if notice.expected_on else "—",
            "carrier": notice.carrier or "—",
            "tracking_no": notice.tracking_no,
            "lines": lines,
        },
        url=reverse("po-detail", args=[po.pk]) + "#shipping-notices",
    )


@receiver(post_save, sender="procurement.QuoteVersion", dispatch_uid="notifications.quote_submitted")
def quote_submitted(sender, instance, created, **kwargs):
    """Every submitted quote version (``quote_submit`` creates one per submission) tells the
    RFQ's buyer who quoted, never what: prices stay sealed."""
    if not created:
        return
    quote = instance.quote
    rfq = quote.rfq
    notify(
        users=[rfq.buyer],
        kind="quote_submitted",
        params={
            "number": rfq.number,
            "title": rfq.title,
            "supplier": quote.supplier.name,
            "version": instance.version,
        },
        url=reverse("rfq-detail", args=[rfq.pk]),
    )


def buyers_responsible_for(supplier_id: int):
    """The buyers who work with a supplier: requesters of its open POs, authors of its current
    contracts, buyers of its open RFQs; nobody yet: every active buyer (someone must hear)."""
    from contracts.models import Contract
    from procurement.models import RFQ, PurchaseOrder

    open_po = ~Q(state__in=["closed", "cancelled", "received"])
    ids = set(
        PurchaseOrder.objects.filter(open_po, supplier_id=supplier_id).values_list("requester_id", flat=True)
    )
    ids |= set(
        Contract.objects.filter(supplier_id=supplier_id, state__in=["in_approval", "active"]).values_list(
            "created_by_id", flat=True
        )
    )
    ids |= set(
        RFQ.objects.filter(
            invitations__supplier_id=supplier_id, state__in=["published", "closed"]
        ).values_list("buyer_id", flat=True)
    )
    buyers = User.objects.filter(role=Role.BUYER, is_active=True)
    responsible = buyers.filter(pk__in=ids)
    return responsible if responsible.exists() else buyers


@receiver(document_expiring, dispatch_uid="notifications.document_expiring")
def on_document_expiring(
    sender, *, document: str, owner: str, date, supplier_id=None, users=(), url="", **kwargs
):
    """The users the sender names (a contract's author) and the supplier's users; for a
    supplier's qualification document also the buyers responsible for that supplier."""
    recipients = list(users) + (list(supplier_users(supplier_id)) if supplier_id else [])
    if supplier_id and sender._meta.label == "suppliers.QualificationDocument":
        recipients += list(buyers_responsible_for(supplier_id))
    notify(
        users=recipients,
        kind="document_expiring",
        params={"document": document, "owner": owner, "date": f"{date:%Y-%m-%d}"},
        url=url,
    )


# ---- sourcing: questions and answers on RFQs, the award's result ----------------------------


def _rfq_params(rfq, **extra):
    return {"number": rfq.number, "title": rfq.title, **extra}


@receiver(rfq_question_asked, dispatch_uid="notifications.rfq_question_asked")
def rfq_question_asked_notify(sender, question, **kwargs):
    """The RFQ's buyer hears of a new question (other buyers see it on the RFQ page)."""
    rfq = question.rfq
    notify(
        users=[rfq.buyer],
        kind="rfq_question",
        params=_rfq_params(rfq, question=question.question[:500]),
        url=reverse("rfq-detail", args=[rfq.pk]),
    )


@receiver(rfq_question_answered, dispatch_uid="notifications.rfq_question_answered")
def rfq_question_answered_notify(sender, question, **kwargs):
    """Every invited supplier's users hear the answer (and the question, never who asked it)."""
    rfq = question.rfq
    supplier_ids = rfq.invitations.values_list("supplier_id", flat=True)
    notify(
        users=User.objects.filter(membership__supplier_id__in=supplier_ids, is_active=True),
        kind="rfq_answer",
        params=_rfq_params(rfq, question=question.question[:500], answer=question.answer[:1000]),
        url=reverse("rfq-detail", args=[rfq.pk]),
    )


@_on("procurement.RFQ", "award")
def rfq_awarded(rfq, reason):
    """Each supplier that quoted hears how many of its quoted lines it won (the page says which)."""
    from procurement.models import AwardLine, Quote, QuoteLine

    for quote in Quote.objects.filter(rfq=rfq, current_version__gt=0):
        quoted = QuoteLine.objects.filter(
            version__quote=quote, version__version=quote.current_version
        ).count()
        won = AwardLine.objects.filter(rfq_line__rfq=rfq, supplier_id=quote.supplier_id).count()
        notify(
            users=supplier_users(quote.supplier_id),
            kind="rfq_result",
            params=_rfq_params(rfq, won=won, quoted=quoted),
            url=reverse("rfq-detail", args=[rfq.pk]),
        )
