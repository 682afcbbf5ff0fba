"""API of requisitions: the catalog, the requester's cart, requisitions (approval, cancel, close,
history, delivery status), buyers' conversion and sourcing, budgets. Everything is scoped by
the selectors: another requester's requisition is a 404, supplier users see nothing."""

from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema, Status

from core import bounds
from core.api import TransitionLogBase
from core.errors import PermissionDenied
from core.selectors import transition_log_for
from procurement.selectors import item_get
from suppliers.selectors import supplier_get

from . import selectors, services

router = Router(tags=["requisitions"])


class CatalogEntryOut(Schema):
    price_line_id: int = Field(..., alias="pk")
    item_id: int | None = Field(None, alias="item_pk")
    item_code: str
    item_name: str
    category: str | None
    supplier_id: int
    supplier_name: str
    contract_number: str
    unit: str
    unit_price: Decimal
    currency: str
    tax_rate: Decimal
    lead_time_days: int | None
    remaining_quantity: Decimal | None = Field(None, description="null: the contract has no quantity cap")
    valid_to: date

    @staticmethod
    def resolve_supplier_id(obj):
        return obj.version.contract.supplier_id

    @staticmethod
    def resolve_supplier_name(obj):
        return obj.version.contract.supplier.name

    @staticmethod
    def resolve_contract_number(obj):
        return obj.version.contract.number

    @staticmethod
    def resolve_remaining_quantity(obj):
        return selectors.catalog_remaining(obj)


class ReceiptOut(Schema):
    number: str
    receipt_date: date
    kind: str
    accepted_qty: Decimal
    rejected_qty: Decimal
    returned_qty: Decimal


class LineOut(Schema):
    id: int
    line_no: int
    kind: str
    description: str
    item_code: str | None
    supplier_id: int | None
    supplier_name: str | None
    price_line_id: int | None
    quantity: Decimal
    unit: str
    unit_price: Decimal | None
    tax_rate: Decimal | None
    amount: Decimal

    @staticmethod
    def resolve_item_code(obj):
        return obj.item.code if obj.item_id else None

    @staticmethod
    def resolve_supplier_name(obj):
        return obj.supplier.name if obj.supplier_id else None


class LineStatusOut(LineOut):
    progress: str = Field(
        ...,
        description="in_cart, waiting_for_approval, to_source, in_rfq, to_order, not_ordered, rejected, "
        "cancelled, ordered, confirmed, shipped, partly_received, received, po_cancelled",
    )
    status: str = Field(..., description="the progress in words (translated)")
    po_number: str
    po_state: str
    promised_date: date | None
    expected_on: date | None
    carrier: str
    tracking_no: str
    received_qty: Decimal | None
    receipts: list[ReceiptOut]
    rfq_number: str


class StepOut(Schema):
    step_no: int
    kind: str
    min_amount: Decimal | None
    label: str
    approver: str | None
    role: str
    escalation: bool
    approved_by: str | None
    approved_at: datetime | None

    @staticmethod
    def resolve_approver(obj):
        return obj.approver.get_username() if obj.approver_id else None

    @staticmethod
    def resolve_approved_by(obj):
        return obj.approved_by.get_username() if obj.approved_by_id else None


class RequisitionOut(Schema):
    id: int
    number: str
    state: str
    requester: str
    cost_centre: str
    legal_entity_id: int
    currency: str
    needed_by: date | None
    delivery_address: str
    note: str
    total: Decimal
    over_budget: bool
    submitted_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_requester(obj):
        return obj.requester.get_username()

    @staticmethod
    def resolve_cost_centre(obj):
        return obj.cost_centre.code


class RequisitionDetailOut(RequisitionOut):
    lines: list[LineStatusOut]
    steps: list[StepOut]

    @staticmethod
    def resolve_lines(obj):
        return [_with_status(st) for st in selectors.line_statuses(obj)]

    @staticmethod
    def resolve_steps(obj):
        return list(selectors.approval_steps(obj))


class CartOut(RequisitionOut):
    lines: list[LineOut]

    @staticmethod
    def resolve_lines(obj):
        return list(selectors.requisition_lines(obj))


class ConvertLineOut(LineOut):
    requisition_id: int
    requisition_number: str
    legal_entity_id: int
    needed_by: date | None

    @staticmethod
    def resolve_requisition_number(obj):
        return obj.requisition.number

    @staticmethod
    def resolve_legal_entity_id(obj):
        return obj.requisition.legal_entity_id

    @staticmethod
    def resolve_needed_by(obj):
        return obj.requisition.needed_by


class TransitionLogOut(TransitionLogBase):
    actor: str | None

    @staticmethod
    def resolve_actor(obj):
        return obj.actor.get_username() if obj.actor else None


class BudgetOut(Schema):
    cost_centre: str
    starts_on: date
    ends_on: date
    currency: str
    amount: Decimal
    pending: Decimal
    committed: Decimal
    spent: Decimal
    available: Decimal


class PurchaseOrderRef(Schema):
    id: int
    number: str
    supplier_id: int
    legal_entity_id: int
    state: str


class RFQRef(Schema):
    id: int
    number: str
    state: str


class CartLineIn(Schema):
    price_line_id: int
    quantity: bounds.Quantity


class FreeTextIn(Schema):
    description: str
    quantity: bounds.Quantity
    estimated_unit_price: bounds.Price | None = None
    unit: str = "EA"
    item_id: int | None = None


class QuantityIn(Schema):
    quantity: bounds.Quantity | None = None


class SubmitIn(Schema):
    needed_by: bounds.SaneDate | None = None  # the past: needed_by_in_past (the service)
    delivery_address: str = Field("", max_length=300)
    note: str = ""
    cost_centre_id: int | None = Field(
        None, description="one of the requester's cost centres (default: the cart's)"
    )


class ReasonIn(Schema):
    reason: str = ""


class ConvertIn(Schema):
    line_ids: list[int] = []
    requisition_ids: list[int] = []


class SourceIn(Schema):
    supplier_id: int = 0
    item_id: int = 0
    unit_price: bounds.Price | None = None
    tax_rate: str | None = Field(None, description='e.g. "0.13"; "exempt" or omitted: no VAT')


class RFQLineIn(Schema):
    line_id: int
    item_id: int | None = None


class RFQIn(Schema):
    title: str = ""
    lines: list[RFQLineIn] = []


STATUS_FIELDS = (
    "progress",
    "status",
    "po_number",
    "po_state",
    "promised_date",
    "expected_on",
    "carrier",
    "tracking_no",
    "received_qty",
    "receipts",
    "rfq_number",
)


def _with_status(st):
    """The requisition line carrying its delivery status (for LineStatusOut)."""
    for name in STATUS_FIELDS:
        setattr(st.line, name, getattr(st, name))
    return st.line


def _internal(request):
    """Requisitions are the buying organisation's internal demand: supplier users get 403 on
    every endpoint here (before any lookup)."""
    if request.auth.is_supplier_user:
        raise PermissionDenied(gettext("Requisitions are internal to the buying organisation."))
    return request.auth


def _require_catalog_user(user) -> None:
    if not selectors.may_browse_catalog(user):
        raise PermissionDenied(gettext("The catalog is for requesters and buyers."))


# ---- catalog and cart ------------------------------------------------------------------------


@router.get("/catalog", response=list[CatalogEntryOut])
def catalog(
    request,
    q: str = "",
    supplier_id: int | None = None,
    category: str = "",
    limit: int = Query(100, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10**9),
):
    _internal(request)
    _require_catalog_user(request.auth)
    limit = max(1, min(limit, 500))
    offset = max(offset, 0)
    return list(
        selectors.catalog(request.auth, q=q, supplier_id=supplier_id, category=category)[
            offset : offset + limit
        ]
    )


@router.get("/cart", response={200: CartOut, 204: None})
def cart_detail(request):
    """The requester's cart; 204 when they have none (the first added line creates it)."""
    _internal(request)
    if selectors.requester_profile(request.auth) is None or request.auth.is_supplier_user:
        raise PermissionDenied(
            gettext("Only requesters with a cost centre have a cart."), code="not_a_requester"
        )
    cart = selectors.cart_get(request.auth)
    return cart if cart is not None else Status(204, None)


@router.post("/cart/lines", response={201: LineOut})
def cart_add(request, payload: CartLineIn):
    _internal(request)
    line = selectors.price_line_for_cart(request.auth, payload.price_line_id)
    return Status(201, services.cart_add(actor=request.auth, price_line=line, quantity=payload.quantity))


@router.post("/cart/free-text", response={201: LineOut})
def cart_add_free_text(request, payload: FreeTextIn):
    _internal(request)
    item = item_get(request.auth, payload.item_id) if payload.item_id else None
    line = services.cart_add_free_text(
        actor=request.auth,
        description=payload.description,
        quantity=payload.quantity,
        estimated_unit_price=payload.estimated_unit_price,
        unit=payload.unit,
        item=item,
    )
    return Status(201, line)


@router.patch("/cart/lines/{int:req_line_id}", response=LineOut)
def cart_line_update(request, req_line_id: int, payload: QuantityIn):
    _internal(request)
    line = selectors.requisition_line_get(request.auth, req_line_id)
    return services.cart_line_update(actor=request.auth, line=line, quantity=payload.quantity)


@router.delete("/cart/lines/{int:req_line_id}", response={204: None})
def cart_line_remove(request, req_line_id: int):
    _internal(request)
    line = selectors.requisition_line_get(request.auth, req_line_id)
    services.cart_line_remove(actor=request.auth, line=line)
    return Status(204, None)


@router.post("/cart/submit", response=RequisitionDetailOut)
def cart_submit(request, payload: SubmitIn):
    _internal(request)
    return services.requisition_submit(
        actor=request.auth,
        needed_by=payload.needed_by,
        delivery_address=payload.delivery_address,
        note=payload.note,
        cost_centre_id=payload.cost_centre_id,
    )


# ---- requisitions ----------------------------------------------------------------------------


@router.get("/", response=list[RequisitionOut])
def requisition_list(request, state: str | None = None, mine: bool = False):
    _internal(request)
    qs = selectors.requisition_list(request.auth).exclude(state="draft").prefetch_related("lines")
    if mine:
        qs = qs.filter(requester=request.auth)
    return qs.filter(state=state) if state else qs


@router.get("/to-approve", response=list[RequisitionOut])
def requisitions_to_approve(request):
    _internal(request)
    return selectors.requisitions_to_approve(request.auth)


@router.get("/budgets", response=list[BudgetOut])
def budget_list(request):
    _internal(request)
    return [
        {
            "cost_centre": row.budget.cost_centre.code,
            "starts_on": row.budget.starts_on,
            "ends_on": row.budget.ends_on,
            "currency": row.budget.currency,
            "amount": row.budget.amount,
            "pending": row.position.pending,
            "committed": row.position.committed,
            "spent": row.position.spent,
            "available": row.position.available,
        }
        for row in selectors.budget_overview(request.auth)
    ]


@router.get("/to-convert", response=list[ConvertLineOut])
def lines_to_convert(request):
    _internal(request)
    return selectors.lines_to_convert(request.auth)


@router.get("/to-source", response=list[ConvertLineOut])
def lines_to_source(request):
    _internal(request)
    return selectors.lines_to_source(request.auth)


@router.post("/convert", response={201: list[PurchaseOrderRef]})
def convert(request, payload: ConvertIn):
    _internal(request)
    pos = services.requisitions_convert(
        actor=request.auth, line_ids=payload.line_ids, requisition_ids=payload.requisition_ids
    )
    return Status(201, pos)


@router.post("/lines/{int:req_line_id}/source", response=LineOut)
def line_source(request, req_line_id: int, payload: SourceIn):
    _internal(request)
    line = selectors.requisition_line_get(request.auth, req_line_id)
    return services.requisition_line_source(
        line=line,
        actor=request.auth,
        supplier=supplier_get(request.auth, payload.supplier_id),
        item=item_get(request.auth, payload.item_id),
        unit_price=payload.unit_price,
        tax_rate=payload.tax_rate,
    )


@router.post("/rfq", response={201: RFQRef})
def rfq_start(request, payload: RFQIn):
    _internal(request)
    pairs = [
        (
            selectors.requisition_line_get(request.auth, entry.line_id),
            item_get(request.auth, entry.item_id) if entry.item_id else None,
        )
        for entry in payload.lines
    ]
    rfq = services.requisition_rfq_start(actor=request.auth, title=payload.title, lines=pairs)
    return Status(201, rfq)


def _requisition(request, requisition_id: int):
    return selectors.requisition_get(request.auth, requisition_id)


@router.get("/{int:requisition_id}", response=RequisitionDetailOut)
def requisition_detail(request, requisition_id: int):
    _internal(request)
    return _requisition(request, requisition_id)


@router.get("/{int:requisition_id}/history", response=list[TransitionLogOut])
def requisition_history(request, requisition_id: int):
    _internal(request)
    return transition_log_for(_requisition(request, requisition_id))


def _action(name):
    def action(request, requisition_id: int, payload: ReasonIn):
        _internal(request)
        fn = getattr(services, f"requisition_{name}")
        return fn(
            requisition=_requisition(request, requisition_id), actor=request.auth, reason=payload.reason
        )

    action.__name__ = f"requisition_{name}"
    return action


for _name in ("approve", "reject", "cancel", "close"):
    router.post(
        f"/{{int:requisition_id}}/{_name}",
        response=RequisitionDetailOut,
        operation_id=f"requisition_{_name}",
        summary=f"{_name.capitalize()} a requisition",
    )(_action(_name))
