"""Reads of master data. Legal entities and items are shared reference data: every
authenticated user may read them (suppliers need the buyer's tax ids and item codes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    CharField,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Round
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, NotFound, PermissionDenied
from core.models import Role, TransitionLog
from core.money import q2
from suppliers.scorecard import AcknowledgementEvent, DeliveryEvent, ReturnEvent, SupplierScore
from suppliers.scorecard import supplier_score as score_supplier
from suppliers.selectors import supplier_id_for

from .models import (
    PO_SUPPLIER_VISIBLE,
    RFQ,
    RFQ_OPENED,
    ApprovalRule,
    GoodsReceipt,
    GoodsReceiptLine,
    Integrity,
    Item,
    LegalEntity,
    POChangeProposal,
    POState,
    PurchaseOrder,
    PurchaseOrderApproval,
    PurchaseOrderLine,
    Quote,
    QuoteAttachment,
    QuoteLine,
    QuoteNoBid,
    QuoteVersion,
    ReceiptKind,
    RFQInvitation,
    RFQLine,
    RFQQuestion,
    RFQState,
)


def legal_entity_list(user) -> QuerySet[LegalEntity]:
    return (
        LegalEntity.objects.all() if user.is_authenticated and user.is_active else LegalEntity.objects.none()
    )


def item_list(user) -> QuerySet[Item]:
    return Item.objects.all() if user.is_authenticated and user.is_active else Item.objects.none()


def item_get(user, item_id: int) -> Item:
    item = item_list(user).filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("Item %(item_id)s not found.") % {"item_id": item_id})
    return item


# --------------------------------------------------------------------------------------------
# Purchase orders and receipts
# --------------------------------------------------------------------------------------------


def _visible(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def purchase_order_list(user) -> QuerySet[PurchaseOrder]:
    """Internal users: every PO. Supplier users: their own supplier's POs once sent."""
    qs = PurchaseOrder.objects.select_related("supplier", "legal_entity", "requester")
    if not _visible(user):
        return qs.none()
    if user.is_internal:
        return qs
    supplier_id = supplier_id_for(user)
    if supplier_id is None:
        return qs.none()
    # a PO the supplier proposed changes to (so it was sent) stays visible while the revision
    # made from the proposal waits for internal approval
    proposed = Exists(POChangeProposal.objects.filter(po=OuterRef("pk")))
    in_approval = Q(state__in=[POState.PENDING_APPROVAL, POState.APPROVED]) & Q(proposed)
    return qs.filter(Q(state__in=PO_SUPPLIER_VISIBLE) | in_approval, supplier_id=supplier_id)


def purchase_order_get(user, po_id: int) -> PurchaseOrder:
    po = purchase_order_list(user).filter(pk=po_id).first()
    if po is None:
        raise NotFound(_("Purchase order %(po_id)s not found.") % {"po_id": po_id})
    return po


def purchase_order_by_number(user, number: str) -> PurchaseOrder:
    po = purchase_order_list(user).filter(number=number).first()
    if po is None:
        raise NotFound(_("Purchase order %(number)s not found.") % {"number": number})
    return po


def purchase_order_lines(po: PurchaseOrder) -> QuerySet[PurchaseOrderLine]:
    """Lines of a PO the caller has already been allowed to see."""
    return po.lines.select_related("item").order_by("line_no")


def purchase_order_line_get(user, po_id: int, po_line_id: int) -> PurchaseOrderLine:
    """A line of a PO the user may see (404 otherwise, also for a line of another PO)."""
    po = purchase_order_get(user, po_id)
    line = purchase_order_lines(po).filter(pk=po_line_id).first()
    if line is None:
        raise NotFound(
            _("Line %(po_line_id)s is not on purchase order %(number)s.")
            % {"po_line_id": po_line_id, "number": po.number}
        )
    return line


def receipt_lines_for_po(po: PurchaseOrder) -> QuerySet[GoodsReceiptLine]:
    """Receipt and return lines of a PO the caller has already been allowed to see (for matching)."""
    return (
        GoodsReceiptLine.objects.filter(po_line__po=po)
        .select_related("receipt", "po_line")
        .order_by("receipt__receipt_date", "receipt_id", "po_line__line_no")
    )


def goods_receipts_for_po(po: PurchaseOrder) -> QuerySet[GoodsReceipt]:
    return po.receipts.prefetch_related("lines__po_line").order_by("receipt_date", "id")


def approval_rule_for(po: PurchaseOrder) -> ApprovalRule:
    """The rule with the highest threshold at or below the PO's net total; without any rule:
    one buyer."""
    rule = (
        ApprovalRule.objects.filter(legal_entity_id=po.legal_entity_id, min_amount__lte=po.net_total)
        .order_by("-min_amount")
        .first()
    )
    return rule or ApprovalRule(
        legal_entity_id=po.legal_entity_id, min_amount=0, role=Role.BUYER, approvers_required=1
    )


def po_approvals(po: PurchaseOrder) -> QuerySet[PurchaseOrderApproval]:
    return po.approvals.filter(revision=po.revision).select_related("approver")


# Lists (core.listing): each row carries what its columns read — related rows joined, per-row
# numbers as correlated subqueries — so a page costs the same queries whatever the rows.

_AMOUNT = DecimalField(max_digits=20, decimal_places=2)
_QUANTITY = DecimalField(max_digits=24, decimal_places=6)


def _count(qs: QuerySet, key: str):
    """The number of rows of ``qs`` (already filtered on ``OuterRef``) grouped by ``key``."""
    return Coalesce(
        Subquery(qs.order_by().values(key).annotate(n=Count("pk")).values("n")[:1]),
        Value(0),
        output_field=IntegerField(),
    )


def _sum(qs: QuerySet, key: str, expression, output_field):
    return Coalesce(
        Subquery(qs.order_by().values(key).annotate(total=Sum(expression)).values("total")[:1]),
        Value(0),
        output_field=output_field,
    )


def purchase_order_rows(user) -> QuerySet[PurchaseOrder]:
    """The PO list: ``purchase_order_list`` (same scoping) with the gross total computed in SQL as
    ``gross_sort`` (each line's net and tax rounded to the cent, as ``gross_total`` and the PO
    page round them: shown and sorted by, so no line is loaded), and the earliest required and
    promised line dates as ``required_by`` / ``promised_by``. One query per page of the list."""
    lines = PurchaseOrderLine.objects.filter(po=OuterRef("pk"))
    net = Round(F("quantity") * F("unit_price"), 2)
    tax = Round(net * Coalesce(F("tax_rate"), Value(Decimal("0"))), 2)
    return purchase_order_list(user).annotate(
        gross_sort=_sum(lines, "po", net + tax, _AMOUNT),
        required_by=Subquery(lines.order_by().values("po").annotate(d=Min("required_date")).values("d")[:1]),
        promised_by=Subquery(lines.order_by().values("po").annotate(d=Min("promised_date")).values("d")[:1]),
    )


def goods_receipt_list(user) -> QuerySet[GoodsReceipt]:
    """Goods receipts and returns of the POs the user may see (``purchase_order_list``): internal
    users every one, a supplier user those of its own supplier's POs. Each row carries its line
    count and accepted / rejected / returned quantity totals."""
    lines = GoodsReceiptLine.objects.filter(receipt=OuterRef("pk"))
    qs = GoodsReceipt.objects.select_related("po__supplier", "po__legal_entity").annotate(
        line_count=_count(lines, "receipt"),
        accepted_total=_sum(lines, "receipt", F("accepted_qty"), _QUANTITY),
        rejected_total=_sum(lines, "receipt", F("rejected_qty"), _QUANTITY),
        returned_total=_sum(lines, "receipt", F("returned_qty"), _QUANTITY),
    )
    if not _visible(user):
        return qs.none()
    if user.is_internal:
        return qs
    return qs.filter(po__in=purchase_order_list(user).values("pk"))


# --------------------------------------------------------------------------------------------
# RFQs and sealed quotes
# --------------------------------------------------------------------------------------------


def rfq_list(user) -> QuerySet[RFQ]:
    """Internal users: every RFQ. Supplier users: only published-or-later RFQs they are invited to."""
    qs = RFQ.objects.select_related("legal_entity")
    if not _visible(user):
        return qs.none()
    if user.is_internal:
        return qs
    supplier_id = supplier_id_for(user)
    if supplier_id is None:
        return qs.none()
    invited = RFQInvitation.objects.filter(rfq=OuterRef("pk"), supplier_id=supplier_id)
    return qs.filter(Exists(invited)).exclude(state=RFQState.DRAFT)


def rfq_get(user, rfq_id: int) -> RFQ:
    rfq = rfq_list(user).filter(pk=rfq_id).first()
    if rfq is None:
        raise NotFound(_("RFQ %(rfq_id)s not found.") % {"rfq_id": rfq_id})
    return rfq


def rfq_rows(user) -> QuerySet[RFQ]:
    """The RFQ list: ``rfq_list`` (same scoping) with ``line_count``. Internal users also get
    ``invited_count`` and ``quote_count`` (who quoted is not sealed, only prices are); a supplier
    user gets only ``own_quote_version`` (its current quote version, None before quoting) and
    nothing about the other suppliers."""
    qs = rfq_list(user).annotate(line_count=_count(RFQLine.objects.filter(rfq=OuterRef("pk")), "rfq"))
    if _visible(user) and user.is_internal:
        return qs.annotate(
            invited_count=_count(RFQInvitation.objects.filter(rfq=OuterRef("pk")), "rfq"),
            quote_count=_count(Quote.objects.filter(rfq=OuterRef("pk"), current_version__gt=0), "rfq"),
        )
    own = Quote.objects.filter(
        rfq=OuterRef("pk"), supplier_id=supplier_id_for(user) or 0, current_version__gt=0
    )
    return qs.annotate(own_quote_version=Subquery(own.values("current_version")[:1]))


def quote_list(user, rfq: RFQ) -> QuerySet[Quote]:
    """Quote headers (who quoted, which version, when): no prices, so safe while sealed.
    A supplier user sees only its own quote."""
    qs = rfq.quotes.select_related("supplier")
    if user.is_internal:
        return qs
    return qs.filter(supplier_id=supplier_id_for(user) or 0)


def quote_latest_version(quote: Quote) -> QuoteVersion | None:
    return quote.versions.filter(version=quote.current_version).first()


def quote_lines(user, rfq: RFQ) -> QuerySet[QuoteLine]:
    """Quoted prices of the latest versions. Supplier users: their own, always. Buyers: only
    once the RFQ is closed — before that the quotes are sealed (Conflict ``quotes_sealed``)."""
    qs = QuoteLine.objects.filter(
        version__quote__rfq=rfq, version__version=F("version__quote__current_version")
    ).select_related("version__quote__supplier", "rfq_line__item")
    if not user.is_internal:
        return qs.filter(version__quote__supplier_id=supplier_id_for(user) or 0)
    if not rfq.is_opened:
        raise Conflict(_("The quotes are sealed until the RFQ is closed."), code="quotes_sealed")
    return qs


def quote_no_bids(user, rfq: RFQ) -> QuerySet[QuoteNoBid]:
    """Lines declined (no-bid) in the latest quote versions, scoped like ``quote_lines``: a
    supplier user its own, always; buyers only once the RFQ is closed (which lines a supplier
    declined is part of its sealed quote)."""
    qs = QuoteNoBid.objects.filter(
        version__quote__rfq=rfq, version__version=F("version__quote__current_version")
    ).select_related("version__quote__supplier", "rfq_line")
    if not user.is_internal:
        return qs.filter(version__quote__supplier_id=supplier_id_for(user) or 0)
    if not rfq.is_opened:
        raise Conflict(_("The quotes are sealed until the RFQ is closed."), code="quotes_sealed")
    return qs


def rfq_questions(user, rfq: RFQ) -> QuerySet[RFQQuestion]:
    """Questions on an RFQ: internal users see all of them with who asked; a supplier user its
    own supplier's questions and every answered one (the view never shows it who asked those)."""
    qs = rfq.questions.select_related("supplier", "asked_by", "answered_by")
    if user.is_internal:
        return qs
    own = supplier_id_for(user) or 0
    return qs.filter(Q(supplier_id=own) | Q(answered_at__isnull=False))


def rfq_question_get(user, rfq: RFQ, question_id: int) -> RFQQuestion:
    """One question the user may see (``rfq_questions``); any other is a 404."""
    question = rfq_questions(user, rfq).filter(pk=question_id).first()
    if question is None:
        raise NotFound(_("Question %(question_id)s not found.") % {"question_id": question_id})
    return question


def rfq_purchase_orders(user, rfq: RFQ) -> QuerySet[PurchaseOrder]:
    """The purchase orders created from this RFQ's award that the user may see."""
    return purchase_order_list(user).filter(rfq=rfq).order_by("number")


def rfq_award_lines(user, rfq: RFQ) -> list:
    """The award of each RFQ line (supplier, price, lowest or not, reason, PO): internal users only."""
    if not user.is_internal:
        raise PermissionDenied(_("Only buyers see the award."))
    from .models import AwardLine

    return list(
        AwardLine.objects.filter(rfq_line__rfq=rfq)
        .select_related("rfq_line__item", "supplier", "po_line__po", "awarded_by")
        .order_by("rfq_line__line_no")
    )


@dataclass
class SupplierLineResult:
    """What a supplier may know of the award of one line: its own outcome, nothing of others."""

    line: RFQLine
    outcome: str  # "won", "lost", "no_bid", "not_quoted"
    unit_price: Decimal | None = None  # its own awarded price


def rfq_supplier_results(user, rfq: RFQ) -> list[SupplierLineResult]:
    """A supplier user's won/lost per line once the RFQ is awarded (empty before): never the
    name or price of whoever won a line it lost."""
    if user.is_internal or rfq.state != RFQState.AWARDED:
        return []
    from .models import AwardLine

    own = supplier_id_for(user) or 0
    won = dict(
        AwardLine.objects.filter(rfq_line__rfq=rfq, supplier_id=own).values_list("rfq_line_id", "unit_price")
    )
    quoted = set(quote_lines(user, rfq).values_list("rfq_line_id", flat=True))
    declined = set(quote_no_bids(user, rfq).values_list("rfq_line_id", flat=True))
    results = []
    for line in rfq.lines.select_related("item").order_by("line_no"):
        if line.pk in won:
            results.append(SupplierLineResult(line, "won", won[line.pk]))
        elif line.pk in quoted:
            results.append(SupplierLineResult(line, "lost"))
        elif line.pk in declined:
            results.append(SupplierLineResult(line, "no_bid"))
        else:
            results.append(SupplierLineResult(line, "not_quoted"))
    return results


# Quote attachments are sealed like the prices (a price list or a signed quote PDF reveals the
# price): a supplier user sees only its own supplier's files, always; buyers and other internal
# users see none — not even the names — until the RFQ is closed, and every supplier's after.
# Any other case is a 404 (the file "does not exist" for that user).


def _attachments_for(user) -> QuerySet[QuoteAttachment]:
    qs = QuoteAttachment.objects.select_related("version__quote__rfq", "version__quote__supplier")
    if not _visible(user):
        return qs.none()
    if user.is_internal:
        return qs.filter(version__quote__rfq__state__in=RFQ_OPENED)
    return qs.filter(version__quote__supplier_id=supplier_id_for(user) or 0)


def quote_attachment_get(user, attachment_id: int) -> QuoteAttachment:
    attachment = _attachments_for(user).filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound(_("Attachment %(attachment_id)s not found.") % {"attachment_id": attachment_id})
    return attachment


def quote_attachment_list(user, rfq: RFQ) -> QuerySet[QuoteAttachment]:
    """The attachments of the current quote versions of an RFQ the user may see: a supplier user
    its own; buyers every supplier's once closed (Conflict ``quotes_sealed`` before)."""
    if user.is_internal and not rfq.is_opened:
        raise Conflict(_("The quotes are sealed until the RFQ is closed."), code="quotes_sealed")
    return (
        _attachments_for(user)
        .filter(version__quote__rfq=rfq, version__version=F("version__quote__current_version"))
        .order_by("version__quote__supplier__name", "name", "id")
    )


SCORE_WINDOW_DAYS = 365


def supplier_scores(
    user, supplier_ids, *, as_of: datetime | None = None, window_days: int = SCORE_WINDOW_DAYS
) -> dict[int, SupplierScore]:
    """Each supplier's score over the last ``window_days`` from real procurement data: goods
    receipt lines against the promised dates of the supplier's acknowledgement (on time), accepted
    vs rejected and returned quantities (quality), and the time from sending each PO to the
    supplier's acknowledgement or rejection (transition log). Internal users: any supplier;
    a supplier user: only its own. The arithmetic is ``suppliers.scorecard.supplier_score`` (pure)."""
    as_of = as_of or timezone.now()
    since = as_of - timedelta(days=window_days)
    ids = {int(i) for i in supplier_ids}
    if not _visible(user):
        ids = set()
    elif not user.is_internal:
        ids &= {supplier_id_for(user) or 0}
    if not ids:
        return {}
    receipt_lines = GoodsReceiptLine.objects.filter(
        po_line__po__supplier_id__in=ids,
        receipt__receipt_date__gte=timezone.localdate(since),
        receipt__receipt_date__lte=timezone.localdate(as_of),
    ).values_list(
        "receipt__kind",
        "receipt__receipt_date",
        "po_line__po__supplier_id",
        "po_line__promised_date",
        "accepted_qty",
        "rejected_qty",
        "returned_qty",
    )
    deliveries, returns = [], []
    for kind, on, supplier_id, promised, accepted, rejected, returned in receipt_lines:
        if kind == ReceiptKind.RETURN:
            returns.append(ReturnEvent(supplier_id, on, returned))
        elif accepted + rejected > 0:
            deliveries.append(DeliveryEvent(supplier_id, on, promised, accepted + rejected, rejected))
    acknowledgements = _acknowledgement_events(ids, since=since, as_of=as_of)
    return {
        supplier_id: score_supplier(
            supplier_id,
            as_of=as_of,
            deliveries=deliveries,
            returns=returns,
            acknowledgements=acknowledgements,
        )
        for supplier_id in ids
    }


def _acknowledgement_events(supplier_ids, *, since, as_of) -> list[AcknowledgementEvent]:
    """One event per sending of a PO (a revision is sent again): the first acknowledgement or
    rejection after it is the supplier's answer; a PO revised or cancelled by the buyer before
    any answer is not held against the supplier."""
    po_keys = (
        PurchaseOrder.objects.filter(supplier_id__in=supplier_ids)
        .annotate(key=Cast("pk", CharField()))
        .values("key")
    )
    logs = list(
        TransitionLog.objects.filter(
            content_type=ContentType.objects.get_for_model(PurchaseOrder),
            object_id__in=po_keys,
            transition__in=["send", "acknowledge", "reject", "revise", "cancel"],
            at__gte=since,
            at__lte=as_of,
        )
        .order_by("object_id", "at", "id")
        .values_list("object_id", "transition", "at")
    )
    suppliers = dict(
        PurchaseOrder.objects.filter(pk__in={int(key) for key, _, _ in logs}).values_list("pk", "supplier_id")
    )
    pos = {str(pk): supplier_id for pk, supplier_id in suppliers.items()}
    events, open_send = [], {}
    for object_id, name, at in logs:
        if name == "send":
            open_send[object_id] = at
        elif name in ("revise", "cancel"):
            open_send.pop(object_id, None)
        elif object_id in open_send:
            events.append(AcknowledgementEvent(pos[object_id], open_send.pop(object_id), at))
    return events + [AcknowledgementEvent(pos[key], sent, None) for key, sent in open_send.items()]


@dataclass
class ComparisonCell:
    supplier_id: int
    supplier_name: str
    quote_line_id: int
    unit_price: Decimal
    line_total: Decimal
    lead_time_days: int
    valid_until: object
    integrity: str
    score: SupplierScore | None
    is_lowest: bool = False
    note: str = ""
    version: int = 0

    @property
    def validity_expired(self) -> bool:
        return self.valid_until is not None and self.valid_until < timezone.localdate()


@dataclass
class NoBidCell:
    supplier_id: int
    supplier_name: str
    reason: str


@dataclass
class ComparisonRow:
    line: RFQLine
    cells: list[ComparisonCell] = field(default_factory=list)
    no_bids: list[NoBidCell] = field(default_factory=list)

    @property
    def lowest(self) -> ComparisonCell | None:
        return next((c for c in self.cells if c.is_lowest), None)


def rfq_comparison(user, rfq: RFQ) -> list[ComparisonRow]:
    """Per RFQ line every supplier's quote side by side, the lowest price marked (buyers only,
    only after closing). A quote whose hash does not verify is shown but never marked lowest."""
    if not user.is_internal:
        raise PermissionDenied(_("Only buyers compare quotes."))
    lines = quote_lines(user, rfq)
    rows = {
        line.pk: ComparisonRow(line=line) for line in rfq.lines.select_related("item").order_by("line_no")
    }
    lines = list(lines)
    scores = supplier_scores(user, {ql.version.quote.supplier_id for ql in lines})
    for ql in lines:
        version = ql.version
        supplier = version.quote.supplier
        row = rows[ql.rfq_line_id]
        row.cells.append(
            ComparisonCell(
                supplier_id=supplier.pk,
                supplier_name=supplier.name,
                quote_line_id=ql.pk,
                unit_price=ql.unit_price,
                line_total=q2(ql.unit_price * row.line.quantity),
                lead_time_days=version.lead_time_days,
                valid_until=version.valid_until,
                integrity=version.integrity,
                score=scores.get(supplier.pk),
                note=version.note,
                version=version.version,
            )
        )
    for nb in quote_no_bids(user, rfq):
        supplier = nb.version.quote.supplier
        rows[nb.rfq_line_id].no_bids.append(
            NoBidCell(supplier_id=supplier.pk, supplier_name=supplier.name, reason=nb.reason)
        )
    for row in rows.values():
        row.cells.sort(key=lambda c: (c.unit_price, c.lead_time_days, c.supplier_name))
        trusted = [c for c in row.cells if c.integrity != Integrity.MISMATCH]
        if trusted:
            best = min(c.unit_price for c in trusted)
            for c in trusted:
                c.is_lowest = c.unit_price == best
    return list(rows.values())
