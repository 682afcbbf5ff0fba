from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from core import bounds
from core.api import TransitionLogBase
from core.errors import DomainError, NotFound, PermissionDenied
from core.pagination import PageIn, paginate
from core.selectors import transition_log_for

from . import selectors, services

router = Router(tags=["master data"])


class LegalEntityOut(Schema):
    id: int
    name: str
    tax_id: str
    default_currency: str


class ItemOut(Schema):
    id: int
    code: str
    name: str
    unit: str
    default_tax_rate: str
    category: str
    is_service: bool


@router.get("/legal-entities", response=list[LegalEntityOut])
def legal_entity_list(request):
    return selectors.legal_entity_list(request.auth)


@router.get("/items", response=list[ItemOut])
def item_list(request):
    return selectors.item_list(request.auth)


@router.get("/items/{int:item_id}", response=ItemOut)
def item_detail(request, item_id: int):
    return selectors.item_get(request.auth, item_id)


# --------------------------------------------------------------------------------------------
# Purchase orders, receipts
# --------------------------------------------------------------------------------------------


class TransitionLogOut(TransitionLogBase):
    actor: str | None

    @staticmethod
    def resolve_actor(obj):
        return obj.actor.username if obj.actor else None


class POLineOut(Schema):
    id: int
    line_no: int
    item_id: int
    item_code: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    tax_rate: Decimal | None
    net_amount: Decimal
    contract_price: Decimal | None
    price_above_contract: bool
    required_date: date | None
    promised_date: date | None
    received_qty: Decimal

    @staticmethod
    def resolve_item_code(obj):
        return obj.item.code


class POOut(Schema):
    id: int
    number: str
    legal_entity_id: int
    supplier_id: int
    supplier_name: str
    currency: str
    requester: str
    state: str
    revision: int
    delivery_address: str
    payment_terms: str
    net_total: Decimal
    tax_total: Decimal
    gross_total: Decimal
    created_at: datetime
    lines: list[POLineOut]

    @staticmethod
    def resolve_supplier_name(obj):
        return obj.supplier.name

    @staticmethod
    def resolve_requester(obj):
        return obj.requester.username

    @staticmethod
    def resolve_lines(obj):
        return list(selectors.purchase_order_lines(obj))


class POLineIn(Schema):
    item_id: int
    quantity: bounds.Quantity
    unit_price: bounds.Price | None = None
    tax_rate: str | None = Field(None, description='e.g. "0.13"; "exempt"; omit for the default')
    description: str = ""
    required_date: bounds.DateNotPast | None = None


class POIn(Schema):
    legal_entity_id: int
    supplier_id: int
    currency: bounds.Currency | None = None
    notes: str = ""
    delivery_address: str = Field("", max_length=300)
    payment_terms: str = Field("", max_length=200)
    lines: list[POLineIn] = []


class ReasonIn(Schema):
    reason: str = ""


class AcknowledgeIn(Schema):
    promised_dates: dict[int, bounds.DateNotPast] = Field(
        default_factory=dict, description="PO line id → promised date"
    )
    reason: str = ""


class ReviseLineIn(Schema):
    line_id: int
    quantity: bounds.Quantity | None = None
    unit_price: bounds.Price | None = None
    required_date: bounds.DateNotPast | None = None


class ReviseIn(Schema):
    reason: str = ""
    changes: list[ReviseLineIn] = []


class ShippingLineIn(Schema):
    po_line_id: int
    quantity: bounds.Quantity


class ShippingNoticeIn(Schema):
    shipped_on: bounds.SaneDate | None = None
    expected_on: bounds.SaneDate | None = None
    carrier: str = ""
    tracking_no: str = ""
    lines: list[ShippingLineIn] = []


class ShippingNoticeOut(Schema):
    id: int
    shipped_on: date
    expected_on: date | None
    carrier: str
    tracking_no: str


class ReceiptLineIn(Schema):
    po_line_id: int
    accepted_qty: bounds.QuantityOrZero = Decimal("0")
    rejected_qty: bounds.QuantityOrZero = Decimal("0")
    reason: str = ""


class ReceiptIn(Schema):
    receipt_date: bounds.DateNotFuture | None = None
    note: str = ""
    lines: list[ReceiptLineIn] = []


class ReturnLineIn(Schema):
    po_line_id: int
    quantity: bounds.Quantity
    reason: str = ""


class ReturnIn(Schema):
    return_date: bounds.DateNotFuture | None = None
    note: str = ""
    lines: list[ReturnLineIn] = []


class ReceiptLineOut(Schema):
    po_line_id: int
    line_no: int
    accepted_qty: Decimal
    rejected_qty: Decimal
    returned_qty: Decimal
    reason: str

    @staticmethod
    def resolve_line_no(obj):
        return obj.po_line.line_no


class ReceiptOut(Schema):
    id: int
    number: str
    kind: str
    receipt_date: date
    note: str
    lines: list[ReceiptLineOut]

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.select_related("po_line"))


def _po(request, po_id):
    return selectors.purchase_order_get(request.auth, po_id)


@router.get("/purchase-orders", response=list[POOut], tags=["purchase orders"])
def purchase_order_list(request, response: HttpResponse, page: Query[PageIn], state: str | None = None):
    """Purchase orders by cursor (``Link`` / ``X-Next-Cursor`` headers; docs/integration.md)."""
    qs = selectors.purchase_order_list(request.auth).prefetch_related("lines__item")
    return paginate(request, response, qs.filter(state=state) if state else qs, page, scope="purchase-orders")


@router.post("/purchase-orders", response={201: POOut}, tags=["purchase orders"])
def purchase_order_create(request, payload: POIn):
    from suppliers.selectors import supplier_get

    entity = selectors.legal_entity_list(request.auth).filter(pk=payload.legal_entity_id).first()
    if entity is None:
        raise NotFound(
            _("Legal entity %(legal_entity_id)s not found.") % {"legal_entity_id": payload.legal_entity_id}
        )
    supplier = supplier_get(request.auth, payload.supplier_id)
    lines = [
        {
            "item": selectors.item_get(request.auth, line.item_id),
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "description": line.description,
            "required_date": line.required_date,
            **({"tax_rate": line.tax_rate} if line.tax_rate is not None else {}),
        }
        for line in payload.lines
    ]
    po = services.purchase_order_create(
        legal_entity=entity,
        supplier=supplier,
        actor=request.auth,
        currency=payload.currency,
        notes=payload.notes,
        lines=lines,
        delivery_address=payload.delivery_address,
        payment_terms=payload.payment_terms,
    )
    return Status(201, po)


@router.get("/purchase-orders/by-number/{number}", response=POOut, tags=["purchase orders"])
def purchase_order_by_number(request, number: str):
    return selectors.purchase_order_by_number(request.auth, number)


@router.get("/purchase-orders/{int:po_id}", response=POOut, tags=["purchase orders"])
def purchase_order_detail(request, po_id: int):
    return _po(request, po_id)


@router.get("/purchase-orders/{int:po_id}/lines", response=list[POLineOut], tags=["purchase orders"])
def purchase_order_line_list(request, po_id: int):
    return selectors.purchase_order_lines(_po(request, po_id))


@router.post("/purchase-orders/{int:po_id}/lines", response={201: POLineOut}, tags=["purchase orders"])
def purchase_order_line_add(request, po_id: int, payload: POLineIn):
    po = _po(request, po_id)
    extra = {"tax_rate": payload.tax_rate} if payload.tax_rate is not None else {}
    line = services.purchase_order_line_add(
        po=po,
        item=selectors.item_get(request.auth, payload.item_id),
        quantity=payload.quantity,
        unit_price=payload.unit_price,
        description=payload.description,
        required_date=payload.required_date,
        actor=request.auth,
        **extra,
    )
    return Status(201, line)


class POLineUpdateIn(Schema):
    """Only the fields sent change. ``unit_price: null`` goes back to the contract price."""

    quantity: bounds.Quantity | None = None
    unit_price: bounds.Price | None = None
    tax_rate: str | None = Field(None, description='e.g. "0.13"; "exempt"')
    description: str | None = None
    required_date: bounds.DateNotPast | None = None


@router.patch(
    "/purchase-orders/{int:po_id}/lines/{int:po_line_id}", response=POLineOut, tags=["purchase orders"]
)
def purchase_order_line_update(request, po_id: int, po_line_id: int, payload: POLineUpdateIn):
    """Change a line of a draft PO (409 ``po_not_editable`` in any other state: revise instead)."""
    line = selectors.purchase_order_line_get(request.auth, po_id, po_line_id)
    changes = payload.dict(exclude_unset=True)
    if changes.get("quantity", 0) is None:
        raise DomainError(_("quantity cannot be null."), code="invalid_quantity")
    return services.purchase_order_line_update(po=line.po, line=line, actor=request.auth, **changes)


@router.delete(
    "/purchase-orders/{int:po_id}/lines/{int:po_line_id}", response=POOut, tags=["purchase orders"]
)
def purchase_order_line_remove(request, po_id: int, po_line_id: int):
    """Remove a line of a draft PO (409 ``po_not_editable`` in any other state)."""
    line = selectors.purchase_order_line_get(request.auth, po_id, po_line_id)
    return services.purchase_order_line_remove(po=line.po, line=line, actor=request.auth)


@router.get("/purchase-orders/{int:po_id}/history", response=list[TransitionLogOut], tags=["purchase orders"])
def purchase_order_history(request, po_id: int):
    return transition_log_for(_po(request, po_id))


def _simple(name):
    def action(request, po_id: int, payload: ReasonIn):
        fn = getattr(services, f"purchase_order_{name}")
        return fn(po=_po(request, po_id), actor=request.auth, reason=payload.reason)

    action.__name__ = f"purchase_order_{name}"
    return action


for _name in ("submit", "approve", "decline", "send", "reject", "cancel", "close"):
    router.post(
        f"/purchase-orders/{{int:po_id}}/{_name}",
        response=POOut,
        tags=["purchase orders"],
        operation_id=f"purchase_order_{_name}",
        summary=f"{_name.capitalize()} a purchase order",
    )(_simple(_name))


@router.post("/purchase-orders/{int:po_id}/acknowledge", response=POOut, tags=["purchase orders"])
def purchase_order_acknowledge(request, po_id: int, payload: AcknowledgeIn):
    return services.purchase_order_acknowledge(
        po=_po(request, po_id),
        actor=request.auth,
        promised_dates=payload.promised_dates,
        reason=payload.reason,
    )


@router.post("/purchase-orders/{int:po_id}/revise", response=POOut, tags=["purchase orders"])
def purchase_order_revise(request, po_id: int, payload: ReviseIn):
    return services.purchase_order_revise(
        po=_po(request, po_id),
        actor=request.auth,
        reason=payload.reason,
        changes=[c.dict() for c in payload.changes],
    )


@router.post(
    "/purchase-orders/{int:po_id}/shipping-notices",
    response={201: ShippingNoticeOut},
    tags=["purchase orders"],
)
def shipping_notice_create(request, po_id: int, payload: ShippingNoticeIn):
    data = payload.dict()
    data["lines"] = [line.dict() for line in payload.lines]
    return Status(201, services.shipping_notice_create(po=_po(request, po_id), actor=request.auth, **data))


@router.get("/purchase-orders/{int:po_id}/receipts", response=list[ReceiptOut], tags=["goods receipts"])
def goods_receipt_list(request, po_id: int):
    return selectors.goods_receipts_for_po(_po(request, po_id))


@router.post("/purchase-orders/{int:po_id}/receipts", response={201: ReceiptOut}, tags=["goods receipts"])
def goods_receipt_create(request, po_id: int, payload: ReceiptIn):
    receipt = services.goods_receipt_create(
        po=_po(request, po_id),
        actor=request.auth,
        receipt_date=payload.receipt_date,
        note=payload.note,
        lines=[line.dict() for line in payload.lines],
    )
    return Status(201, receipt)


@router.post("/purchase-orders/{int:po_id}/returns", response={201: ReceiptOut}, tags=["goods receipts"])
def goods_return_create(request, po_id: int, payload: ReturnIn):
    receipt = services.goods_return_create(
        po=_po(request, po_id),
        actor=request.auth,
        return_date=payload.return_date,
        note=payload.note,
        lines=[line.dict() for line in payload.lines],
    )
    return Status(201, receipt)


@router.get("/purchase-orders/{int:po_id}/pdf", tags=["purchase orders"], response={200: None})
def purchase_order_pdf(request, po_id: int):
    from .pdf import purchase_order_pdf_response

    return purchase_order_pdf_response(_po(request, po_id))


# --------------------------------------------------------------------------------------------
# RFQs and sealed quotes
# --------------------------------------------------------------------------------------------


class RFQLineOut(Schema):
    id: int
    line_no: int
    item_id: int
    description: str
    quantity: Decimal
    required_date: date | None


class RFQOut(Schema):
    id: int
    number: str
    title: str
    legal_entity_id: int
    currency: str
    state: str
    deadline: datetime | None
    lines: list[RFQLineOut]

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.order_by("line_no"))


class RFQLineIn(Schema):  # bounds: rfq_quantity, _required_date (services.rfq, 422 with their codes)
    item_id: int
    quantity: Decimal
    required_date: date | None = None
    description: str = ""


class RFQIn(Schema):
    legal_entity_id: int
    title: str
    currency: bounds.Currency | None = None
    deadline: datetime | None = None
    lines: list[RFQLineIn] = []
    supplier_ids: list[int] = []


class PublishIn(Schema):
    deadline: datetime | None = None
    reason: str = ""


class InviteIn(Schema):
    supplier_id: int = 0


class QuoteHeaderOut(Schema):
    """What a buyer may see of a quote before the RFQ is closed: no prices."""

    supplier_id: int
    supplier_name: str
    current_version: int

    @staticmethod
    def resolve_supplier_name(obj):
        return obj.supplier.name


class QuoteIn(Schema):
    prices: dict[int, Decimal] = Field(default_factory=dict, description="RFQ line id → unit price")
    lead_time_days: int = -1
    valid_until: date | None = None
    note: str = ""
    no_bids: dict[int, str] = Field(
        default_factory=dict,
        description="RFQ line id → reason (may be empty) for each line not quoted (no-bid); "
        "every line needs a price or a no-bid",
    )
    keep_attachment_ids: list[int] | None = Field(
        None,
        description="attachments of the current version to carry over to the new one; "
        "omit to keep all, [] to drop all. Add files with POST …/quote/attachments.",
    )


class QuoteAttachmentOut(Schema):
    id: int
    supplier_id: int
    version: int
    name: str
    content_type: str
    size: int
    sha256: str

    @staticmethod
    def resolve_supplier_id(obj):
        return obj.version.quote.supplier_id

    @staticmethod
    def resolve_version(obj):
        return obj.version.version


class QuoteVersionOut(Schema):
    version: int
    sha256: str
    lead_time_days: int
    valid_until: date
    note: str
    submitted_at: datetime
    attachments: list[QuoteAttachmentOut]
    no_bids: dict[int, str]

    @staticmethod
    def resolve_attachments(obj):
        return list(obj.attachments.select_related("version__quote"))

    @staticmethod
    def resolve_no_bids(obj):
        return {nb.rfq_line_id: nb.reason for nb in obj.no_bids.all()}


class QuoteLineOut(Schema):
    supplier_id: int
    version: int
    rfq_line_id: int
    unit_price: Decimal
    integrity: str

    @staticmethod
    def resolve_supplier_id(obj):
        return obj.version.quote.supplier_id

    @staticmethod
    def resolve_version(obj):
        return obj.version.version

    @staticmethod
    def resolve_integrity(obj):
        return obj.version.integrity


class SupplierScoreOut(Schema):
    """The supplier's score over the last year (0–100) and the measures behind it."""

    score: Decimal | None
    deliveries: int
    on_time_rate: Decimal | None
    quality_rate: Decimal | None
    acknowledgements: int
    avg_ack_hours: Decimal | None
    ack_speed: Decimal | None
    unacknowledged: int


class ComparisonCellOut(Schema):
    supplier_id: int
    supplier_name: str
    unit_price: Decimal
    line_total: Decimal
    lead_time_days: int
    valid_until: date
    score: Decimal | None = Field(description="supplier score 0–100 (null: no history)")
    score_detail: SupplierScoreOut | None
    integrity: str
    is_lowest: bool
    note: str
    version: int


class NoBidOut(Schema):
    supplier_id: int
    supplier_name: str
    reason: str


class ComparisonRowOut(Schema):
    rfq_line_id: int
    line_no: int
    quantity: Decimal
    cells: list[ComparisonCellOut]
    no_bids: list[NoBidOut]


class QuestionIn(Schema):
    question: str = ""


class AnswerIn(Schema):
    answer: str = ""


class QuestionOut(Schema):
    """A question on an RFQ; ``supplier_id`` is null for a supplier reading another's question."""

    id: int
    question: str
    asked_at: datetime
    answer: str
    answered_at: datetime | None
    supplier_id: int | None


class AwardLineOut(Schema):
    """The buyer's view of the award of one line."""

    rfq_line_id: int
    line_no: int
    supplier_id: int
    supplier_name: str
    unit_price: Decimal
    was_lowest: bool
    reason: str
    po_id: int | None
    po_number: str | None


class SupplierResultOut(Schema):
    """A supplier's view: its own outcome per line (won, lost, no_bid, not_quoted), never others'."""

    rfq_line_id: int
    line_no: int
    outcome: str
    unit_price: Decimal | None


class AwardDecisionIn(Schema):
    rfq_line_id: int
    supplier_id: int
    reason: str = ""


class AwardIn(Schema):
    decisions: list[AwardDecisionIn] = []


def _rfq(request, rfq_id):
    return selectors.rfq_get(request.auth, rfq_id)


@router.get("/rfqs", response=list[RFQOut], tags=["sourcing"])
def rfq_list(request):
    return selectors.rfq_list(request.auth).prefetch_related("lines")


@router.post("/rfqs", response={201: RFQOut}, tags=["sourcing"])
def rfq_create(request, payload: RFQIn):
    from suppliers.selectors import supplier_get

    entity = selectors.legal_entity_list(request.auth).filter(pk=payload.legal_entity_id).first()
    if entity is None:
        raise NotFound(
            _("Legal entity %(legal_entity_id)s not found.") % {"legal_entity_id": payload.legal_entity_id}
        )
    with transaction.atomic():
        rfq = services.rfq_create(
            legal_entity=entity,
            title=payload.title,
            actor=request.auth,
            currency=payload.currency,
            deadline=payload.deadline,
            lines=[
                {
                    "item": selectors.item_get(request.auth, line.item_id),
                    "quantity": line.quantity,
                    "required_date": line.required_date,
                    "description": line.description,
                }
                for line in payload.lines
            ],
        )
        for supplier_id in payload.supplier_ids:
            services.rfq_invite(rfq=rfq, supplier=supplier_get(request.auth, supplier_id), actor=request.auth)
    return Status(201, rfq)


@router.get("/rfqs/{int:rfq_id}", response=RFQOut, tags=["sourcing"])
def rfq_detail(request, rfq_id: int):
    return _rfq(request, rfq_id)


@router.get("/rfqs/{int:rfq_id}/history", response=list[TransitionLogOut], tags=["sourcing"])
def rfq_history(request, rfq_id: int):
    return transition_log_for(_rfq(request, rfq_id))


@router.post("/rfqs/{int:rfq_id}/invitations", response={201: dict}, tags=["sourcing"])
def rfq_invite(request, rfq_id: int, payload: InviteIn):
    from suppliers.selectors import supplier_get

    rfq = _rfq(request, rfq_id)
    if not request.auth.is_internal:
        raise PermissionDenied(_("Only buyers invite suppliers."))
    invitation = services.rfq_invite(
        rfq=rfq, supplier=supplier_get(request.auth, payload.supplier_id), actor=request.auth
    )
    return Status(201, {"rfq_id": rfq.pk, "supplier_id": invitation.supplier_id})


@router.post("/rfqs/{int:rfq_id}/publish", response=RFQOut, tags=["sourcing"])
def rfq_publish(request, rfq_id: int, payload: PublishIn):
    return services.rfq_publish(
        rfq=_rfq(request, rfq_id), actor=request.auth, deadline=payload.deadline, reason=payload.reason
    )


@router.post("/rfqs/{int:rfq_id}/close", response=RFQOut, tags=["sourcing"])
def rfq_close(request, rfq_id: int, payload: ReasonIn):
    rfq = _rfq(request, rfq_id)
    if not request.auth.is_buyer:
        raise PermissionDenied(_("Only buyers close RFQs."))
    return services.rfq_close(rfq=rfq, actor=request.auth, reason=payload.reason)


@router.post("/rfqs/{int:rfq_id}/cancel", response=RFQOut, tags=["sourcing"])
def rfq_cancel(request, rfq_id: int, payload: ReasonIn):
    return services.rfq_cancel(rfq=_rfq(request, rfq_id), actor=request.auth, reason=payload.reason)


@router.get("/rfqs/{int:rfq_id}/quotes", response=list[QuoteHeaderOut], tags=["sourcing"])
def quote_list(request, rfq_id: int):
    """Who has quoted (never prices): buyers see every supplier, a supplier only itself."""
    return selectors.quote_list(request.auth, _rfq(request, rfq_id))


@router.get("/rfqs/{int:rfq_id}/quote-lines", response=list[QuoteLineOut], tags=["sourcing"])
def quote_line_list(request, rfq_id: int):
    """Quoted prices: a supplier its own; buyers only after closing (409 ``quotes_sealed`` before)."""
    return selectors.quote_lines(request.auth, _rfq(request, rfq_id))


@router.post("/rfqs/{int:rfq_id}/quote", response={201: QuoteVersionOut}, tags=["sourcing"])
def quote_submit(request, rfq_id: int, payload: QuoteIn):
    """Submit or revise the caller's supplier's quote (a new version each time)."""
    rfq = _rfq(request, rfq_id)
    if payload.valid_until is None:
        raise services.rfq.InvalidInput("valid_until is required.", code="invalid_validity")
    version = services.quote_submit(
        rfq=rfq,
        actor=request.auth,
        prices=payload.prices,
        lead_time_days=payload.lead_time_days,
        valid_until=payload.valid_until,
        note=payload.note,
        no_bids=payload.no_bids,
        keep_attachments=payload.keep_attachment_ids,
    )
    return Status(201, version)


@router.post("/rfqs/{int:rfq_id}/quote/attachments", response={201: QuoteVersionOut}, tags=["sourcing"])
def quote_attachments_add(request, rfq_id: int, files: list[UploadedFile] = File(None)):
    """Attach files (multipart field ``files``, repeatable) to the caller's supplier's quote: a new
    version with the same prices and the files added; a file named like an attached one replaces
    it. Accepted: PDF, PNG, JPEG, OFD, .xlsx, .docx, .txt/.csv (checked by content), each at most
    ``QUOTE_ATTACHMENT_MAX_BYTES`` (10 MiB), at most 10 per version."""
    rfq = _rfq(request, rfq_id)
    version = services.quote_attachments_add(
        rfq=rfq, actor=request.auth, attachments=[services.quote_attachment_read(f) for f in files or ()]
    )
    return Status(201, version)


@router.get("/rfqs/{int:rfq_id}/quote-attachments", response=list[QuoteAttachmentOut], tags=["sourcing"])
def quote_attachment_list(request, rfq_id: int):
    """Attachments of the current quotes: a supplier its own; buyers only after closing (409
    ``quotes_sealed`` before — files can reveal prices)."""
    return selectors.quote_attachment_list(request.auth, _rfq(request, rfq_id))


@router.get("/quote-attachments/{int:attachment_id}", tags=["sourcing"], response={200: None})
def quote_attachment_download(request, attachment_id: int):
    """The file; 404 for another supplier's attachment and for buyers while the RFQ is sealed."""
    attachment = selectors.quote_attachment_get(request.auth, attachment_id)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )


@router.get("/rfqs/{int:rfq_id}/comparison", response=list[ComparisonRowOut], tags=["sourcing"])
def rfq_comparison(request, rfq_id: int):
    rows = selectors.rfq_comparison(request.auth, _rfq(request, rfq_id))
    return [
        {
            "rfq_line_id": row.line.pk,
            "line_no": row.line.line_no,
            "quantity": row.line.quantity,
            "cells": [
                {
                    **c.__dict__,
                    "score": c.score.score if c.score is not None else None,
                    "score_detail": c.score,
                }
                for c in row.cells
            ],
            "no_bids": [nb.__dict__ for nb in row.no_bids],
        }
        for row in rows
    ]


def _question_out(user, question) -> dict:
    from suppliers.selectors import supplier_id_for

    own = user.is_internal or question.supplier_id == supplier_id_for(user)
    return {
        "id": question.pk,
        "question": question.question,
        "asked_at": question.asked_at,
        "answer": question.answer,
        "answered_at": question.answered_at,
        "supplier_id": question.supplier_id if own else None,
    }


@router.get("/rfqs/{int:rfq_id}/questions", response=list[QuestionOut], tags=["sourcing"])
def rfq_question_list(request, rfq_id: int):
    """Questions on the RFQ: buyers all (with who asked); a supplier its own and every answered one."""
    rfq = _rfq(request, rfq_id)
    return [_question_out(request.auth, q) for q in selectors.rfq_questions(request.auth, rfq)]


@router.post("/rfqs/{int:rfq_id}/questions", response={201: QuestionOut}, tags=["sourcing"])
def rfq_question_ask(request, rfq_id: int, payload: QuestionIn):
    """An invited supplier asks a question (until the deadline); the RFQ's buyer is notified."""
    question = services.rfq_question_ask(
        rfq=_rfq(request, rfq_id), actor=request.auth, question=payload.question
    )
    return Status(201, _question_out(request.auth, question))


@router.post("/rfqs/{int:rfq_id}/questions/{int:question_id}/answer", response=QuestionOut, tags=["sourcing"])
def rfq_question_answer(request, rfq_id: int, question_id: int, payload: AnswerIn):
    """A buyer answers; every invited supplier is notified of the question and the answer."""
    rfq = _rfq(request, rfq_id)
    question = selectors.rfq_question_get(request.auth, rfq, question_id)
    answered = services.rfq_question_answer(question=question, actor=request.auth, answer=payload.answer)
    return _question_out(request.auth, answered)


@router.get("/rfqs/{int:rfq_id}/award", response=list[AwardLineOut], tags=["sourcing"])
def rfq_award_list(request, rfq_id: int):
    """The award per line with its reason and PO (buyers only; a supplier reads /results)."""
    return [
        {
            "rfq_line_id": a.rfq_line_id,
            "line_no": a.rfq_line.line_no,
            "supplier_id": a.supplier_id,
            "supplier_name": a.supplier.name,
            "unit_price": a.unit_price,
            "was_lowest": a.was_lowest,
            "reason": a.reason,
            "po_id": a.po_line.po_id if a.po_line else None,
            "po_number": a.po_line.po.number if a.po_line else None,
        }
        for a in selectors.rfq_award_lines(request.auth, _rfq(request, rfq_id))
    ]


@router.get("/rfqs/{int:rfq_id}/results", response=list[SupplierResultOut], tags=["sourcing"])
def rfq_supplier_results(request, rfq_id: int):
    """A supplier's own won/lost per line once the RFQ is awarded (empty before and for buyers)."""
    return [
        {
            "rfq_line_id": r.line.pk,
            "line_no": r.line.line_no,
            "outcome": r.outcome,
            "unit_price": r.unit_price,
        }
        for r in selectors.rfq_supplier_results(request.auth, _rfq(request, rfq_id))
    ]


@router.post("/rfqs/{int:rfq_id}/award", response={201: list[POOut]}, tags=["sourcing"])
def rfq_award(request, rfq_id: int, payload: AwardIn):
    pos = services.rfq_award(
        rfq=_rfq(request, rfq_id), actor=request.auth, decisions=[d.dict() for d in payload.decisions]
    )
    return Status(201, pos)


# --------------------------------------------------------------------------------------------
# PO collaboration: supplier change proposals, shipping notices
# --------------------------------------------------------------------------------------------


class ChangeLineIn(Schema):
    po_line_id: int
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    promised_date: date | None = None


class ChangeProposalIn(Schema):
    reason: str = ""
    lines: list[ChangeLineIn] = []


class ChangeLineOut(Schema):
    po_line_id: int
    line_no: int
    quantity: Decimal | None
    unit_price: Decimal | None
    promised_date: date | None
    old_quantity: Decimal
    old_unit_price: Decimal
    old_promised_date: date | None

    @staticmethod
    def resolve_line_no(obj):
        return obj.po_line.line_no


class ChangeProposalOut(Schema):
    id: int
    po_id: int
    revision: int
    state: str
    reason: str
    proposed_by: str
    proposed_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str
    resulting_revision: int | None
    lines: list[ChangeLineOut]

    @staticmethod
    def resolve_proposed_by(obj):
        return obj.proposed_by.username

    @staticmethod
    def resolve_decided_by(obj):
        return obj.decided_by.username if obj.decided_by else None

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.select_related("po_line"))


class NoticeLineOut(Schema):
    po_line_id: int
    quantity: Decimal


class ShippingNoticeDetailOut(ShippingNoticeOut):
    lines: list[NoticeLineOut]

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())


def _proposal(request, po_id: int, proposal_id: int):
    po = _po(request, po_id)
    proposal = po.change_proposals.filter(pk=proposal_id).first()
    if proposal is None:
        raise NotFound(
            _("Change proposal %(id)s is not on purchase order %(number)s.")
            % {"id": proposal_id, "number": po.number}
        )
    return proposal


@router.get(
    "/purchase-orders/{int:po_id}/change-proposals",
    response=list[ChangeProposalOut],
    tags=["purchase orders"],
)
def po_change_proposal_list(request, po_id: int):
    from .po_selectors import change_proposals_for_po

    return list(change_proposals_for_po(_po(request, po_id)))


@router.post(
    "/purchase-orders/{int:po_id}/change-proposals",
    response={201: ChangeProposalOut},
    tags=["purchase orders"],
)
def po_change_propose(request, po_id: int, payload: ChangeProposalIn):
    """The supplier proposes new quantities, unit prices or promised dates for lines (with a reason)."""
    proposal = services.po_change_propose(
        po=_po(request, po_id),
        actor=request.auth,
        reason=payload.reason,
        lines=[line.dict() for line in payload.lines],
    )
    return Status(201, proposal)


@router.post(
    "/purchase-orders/{int:po_id}/change-proposals/{int:proposal_id}/accept",
    response=ChangeProposalOut,
    tags=["purchase orders"],
)
def po_change_accept(request, po_id: int, proposal_id: int, payload: ReasonIn):
    """The buyer accepts: the changes become the PO's next revision."""
    return services.po_change_accept(
        proposal=_proposal(request, po_id, proposal_id), actor=request.auth, reason=payload.reason
    )


@router.post(
    "/purchase-orders/{int:po_id}/change-proposals/{int:proposal_id}/decline",
    response=ChangeProposalOut,
    tags=["purchase orders"],
)
def po_change_decline(request, po_id: int, proposal_id: int, payload: ReasonIn):
    return services.po_change_decline(
        proposal=_proposal(request, po_id, proposal_id), actor=request.auth, reason=payload.reason
    )


@router.get(
    "/purchase-orders/{int:po_id}/shipping-notices",
    response=list[ShippingNoticeDetailOut],
    tags=["purchase orders"],
)
def shipping_notice_list(request, po_id: int):
    from .po_selectors import shipping_notices_for_po

    return list(shipping_notices_for_po(_po(request, po_id)))
