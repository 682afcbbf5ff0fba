"""Reads of requisitions, always scoped to the user.

Who sees what:
* a requester: their own requisitions (their draft is their cart); a budget owner also the
  submitted-or-later requisitions of the cost centres they own; an approver the ones they decide;
* internal users (buyer, finance, staff): every requisition once submitted (never someone's cart);
* supplier users: nothing (requisitions are the buyer organisation's internal demand).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import (
    CharField,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Cast, Coalesce, RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import ContractState, PriceLine
from core.errors import NotFound
from procurement.models import Item, POState, PurchaseOrderLine, RFQState
from suppliers.models import SupplierState

from . import budget as budget_math
from .models import (
    CONVERTIBLE_STATES,
    ApprovalStep,
    Budget,
    CatalogLeadTime,
    CostCentre,
    RequesterProfile,
    Requisition,
    RequisitionLine,
    RequisitionState,
)

ZERO = Decimal("0")


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def may_browse_catalog(user) -> bool:
    """Requesters and internal users; never supplier users."""
    return _active(user) and not user.is_supplier_user and (user.is_internal or user.is_requester)


def requester_profile(user):
    """The user's requester profile (cost centre) or None."""
    if not _active(user):
        return None
    return (
        RequesterProfile.objects.select_related("cost_centre__legal_entity", "cost_centre__budget_owner")
        .filter(user=user)
        .first()
    )


# --------------------------------------------------------------------------------------------
# Catalog: the active contract price lines
# --------------------------------------------------------------------------------------------


def _in_force(qs: QuerySet[PriceLine], on_date: date) -> QuerySet[PriceLine]:
    """Lines of the version in force of an active contract, valid on ``on_date`` (the same rule
    as contracts.selectors.active_price_for)."""
    return qs.filter(
        version__contract__state=ContractState.ACTIVE,
        version__contract__valid_from__lte=on_date,
        version__contract__valid_to__gte=on_date,
        version__contract__current_version_id=F("version_id"),
        valid_from__lte=on_date,
        valid_to__gte=on_date,
    )


def open_po_quantity_subquery():
    """Quantity on purchase-order lines that will consume a price line but have not yet: POs in
    draft or pending approval at their first revision (a revised PO was consumed already)."""
    return Coalesce(
        Subquery(
            PurchaseOrderLine.objects.filter(
                contract_line_ref=Cast(OuterRef("pk"), output_field=CharField()),
                po__state__in=[POState.DRAFT, POState.PENDING_APPROVAL],
                po__revision=1,
            )
            .values("contract_line_ref")
            .annotate(total=Sum("quantity"))
            .values("total")[:1],
            output_field=DecimalField(max_digits=18, decimal_places=6),
        ),
        Value(ZERO),
        output_field=DecimalField(max_digits=18, decimal_places=6),
    )


def _annotated(qs: QuerySet[PriceLine]) -> QuerySet[PriceLine]:
    items = Item.objects.filter(code=OuterRef("item_code"))
    supplier = OuterRef("version__contract__supplier_id")
    return qs.select_related("version__contract__supplier").annotate(
        item_pk=Subquery(items.values("pk")[:1]),
        category=Subquery(items.values("category")[:1]),
        open_po_qty=open_po_quantity_subquery(),
        lead_time_days=Coalesce(
            Subquery(
                CatalogLeadTime.objects.filter(supplier_id=supplier, item_code=OuterRef("item_code")).values(
                    "days"
                )[:1]
            ),
            Subquery(CatalogLeadTime.objects.filter(supplier_id=supplier, item_code="").values("days")[:1]),
            output_field=IntegerField(),
        ),
    )


def catalog(
    user,
    *,
    q: str = "",
    supplier_id: int | None = None,
    category: str = "",
    on_date: date | None = None,
) -> QuerySet[PriceLine]:
    """What may be ordered today: per supplier and item the one price line procurement would use
    (contracts.selectors.active_price_for), of approved suppliers, for items in the item master.
    Each row is annotated with ``item_pk``, ``category``, ``lead_time_days`` and ``open_po_qty``;
    ``catalog_remaining(line)`` gives the contracted quantity still available."""
    if not may_browse_catalog(user):
        return PriceLine.objects.none()
    on_date = on_date or timezone.localdate()
    # Per supplier and item the line procurement would use, computed once for the whole
    # catalog (a window over the lines in force, not a correlated subquery per row).
    winners = (
        _in_force(PriceLine.objects.all(), on_date)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("version__contract__supplier_id"), F("item_code")],
                order_by=[F("valid_from").desc(), F("version__contract__valid_from").desc(), F("pk").desc()],
            )
        )
        .filter(rank=1)
        .values("pk")
    )
    qs = (
        PriceLine.objects.filter(pk__in=winners)
        .filter(version__contract__supplier__state=SupplierState.APPROVED)
        .filter(Exists(Item.objects.filter(code=OuterRef("item_code"))))
    )
    if q.strip():
        term = q.strip()
        qs = qs.filter(
            Q(item_code__icontains=term)
            | Q(item_name__icontains=term)
            | Q(version__contract__supplier__name__icontains=term)
        )
    if supplier_id:
        qs = qs.filter(version__contract__supplier_id=supplier_id)
    if category:
        qs = qs.filter(Exists(Item.objects.filter(code=OuterRef("item_code"), category=category)))
    return _annotated(qs).order_by("item_name", "version__contract__supplier__name", "pk")


def catalog_remaining(line: PriceLine) -> Decimal | None:
    """Contracted quantity still available (None: no cap): the cap less what approved POs
    consumed and what draft / pending POs will consume."""
    if line.quantity_cap is None:
        return None
    open_qty = getattr(line, "open_po_qty", None)
    if open_qty is None:
        open_qty = price_line_open_po_quantity(line)
    return max(line.quantity_cap - line.quantity_ordered - open_qty, ZERO)


def price_line_open_po_quantity(line: PriceLine) -> Decimal:
    return (
        PurchaseOrderLine.objects.filter(
            contract_line_ref=str(line.pk),
            po__state__in=[POState.DRAFT, POState.PENDING_APPROVAL],
            po__revision=1,
        ).aggregate(total=Sum("quantity"))["total"]
        or ZERO
    )


def catalog_categories(user) -> list[str]:
    if not may_browse_catalog(user):
        return []
    return list(
        Item.objects.exclude(category="").order_by("category").values_list("category", flat=True).distinct()
    )


def catalog_suppliers(user) -> list[tuple[int, str]]:
    seen = {}
    for line in (
        catalog(user)
        .select_related(None)
        .values_list("version__contract__supplier_id", "version__contract__supplier__name")
    ):
        seen[line[0]] = line[1]
    return sorted(seen.items(), key=lambda kv: kv[1])


def price_line_for_cart(user, price_line_id: int) -> PriceLine:
    """A price line the user may order from, in whatever state (the service explains why an
    expired or suspended one is refused). Unknown ids and non-requesters get 404."""
    if not may_browse_catalog(user):
        raise NotFound(_("Price line %(price_line_id)s not found.") % {"price_line_id": price_line_id})
    line = _annotated(PriceLine.objects.filter(pk=price_line_id)).first()
    if line is None:
        raise NotFound(_("Price line %(price_line_id)s not found.") % {"price_line_id": price_line_id})
    return line


def lead_time_for(*, supplier_id: int, item_code: str) -> int | None:
    rows = dict(
        CatalogLeadTime.objects.filter(supplier_id=supplier_id, item_code__in=[item_code, ""]).values_list(
            "item_code", "days"
        )
    )
    return rows.get(item_code, rows.get(""))


# --------------------------------------------------------------------------------------------
# Requisitions
# --------------------------------------------------------------------------------------------


def requisition_list(user) -> QuerySet[Requisition]:
    qs = Requisition.objects.select_related("requester", "cost_centre", "legal_entity")
    if not _active(user) or user.is_supplier_user:
        return qs.none()
    if user.is_internal:
        return qs.exclude(state=RequisitionState.DRAFT)
    decides = Exists(ApprovalStep.objects.filter(requisition=OuterRef("pk"), approver=user))
    return qs.filter(
        Q(requester=user)
        | (Q(cost_centre__budget_owner=user) & ~Q(state=RequisitionState.DRAFT))
        | (decides & ~Q(state=RequisitionState.DRAFT))
    )


def requisition_get(user, requisition_id: int) -> Requisition:
    requisition = requisition_list(user).filter(pk=requisition_id).first()
    if requisition is None:
        raise NotFound(_("Requisition %(requisition_id)s not found.") % {"requisition_id": requisition_id})
    return requisition


def my_requisitions(user) -> QuerySet[Requisition]:
    return requisition_list(user).filter(requester=user).exclude(state=RequisitionState.DRAFT)


def cart_get(user) -> Requisition | None:
    """The user's draft requisition (their cart), or None when they have none yet."""
    if not _active(user):
        return None
    return requisition_list(user).filter(requester=user, state=RequisitionState.DRAFT).first()


def requisition_lines(requisition: Requisition) -> QuerySet[RequisitionLine]:
    """Lines of a requisition the caller has already been allowed to see."""
    return requisition.lines.select_related(
        "supplier", "item", "price_line__version__contract", "po_line__po", "rfq_line__rfq"
    ).order_by("line_no")


def requisition_line_get(user, line_id: int) -> RequisitionLine:
    line = (
        RequisitionLine.objects.select_related("requisition", "supplier", "item", "rfq_line__rfq")
        .filter(pk=line_id, requisition__in=requisition_list(user))
        .first()
    )
    if line is None:
        raise NotFound(_("Requisition line %(line_id)s not found.") % {"line_id": line_id})
    return line


def approval_steps(requisition: Requisition) -> QuerySet[ApprovalStep]:
    return requisition.steps.select_related("approver", "approved_by").order_by("step_no")


def current_step(requisition: Requisition) -> ApprovalStep | None:
    if requisition.state != RequisitionState.SUBMITTED:
        return None
    return approval_steps(requisition).filter(approved_at__isnull=True).first()


def requisitions_to_approve(user) -> list[Requisition]:
    """Submitted requisitions whose next step this user may decide (never their own)."""
    if not _active(user) or user.is_supplier_user:
        return []
    candidates = (
        requisition_list(user)
        .filter(state=RequisitionState.SUBMITTED)
        .exclude(requester=user)
        .filter(
            Exists(
                ApprovalStep.objects.filter(requisition=OuterRef("pk"), approved_at__isnull=True).filter(
                    Q(approver=user) | Q(approver__isnull=True, role=user.role)
                    if not user.is_superuser
                    else Q(approver=user) | Q(approver__isnull=True)
                )
            )
        )
    )
    out = []
    for requisition in candidates.order_by("submitted_at", "pk"):
        step = current_step(requisition)
        if step is not None and step.can_decide(user):
            out.append(requisition)
    return out


def may_decide(user, requisition: Requisition) -> bool:
    step = current_step(requisition)
    return step is not None and step.can_decide(user)


# ---- what the requester sees of their order ---------------------------------------------------


@dataclass
class LineStatus:
    """Where one requisition line stands, in the requester's words."""

    line: RequisitionLine
    progress: str  # a stable code: in_cart, waiting_for_approval, to_source, in_rfq, to_order,
    # not_ordered, rejected, cancelled, ordered, confirmed, shipped, partly_received, received,
    # po_cancelled
    status: str  # the same in words, translated
    po_number: str = ""
    po_state: str = ""
    po_state_display: str = ""
    promised_date: date | None = None
    expected_on: date | None = None
    carrier: str = ""
    tracking_no: str = ""
    ordered_qty: Decimal | None = None
    received_qty: Decimal | None = None
    receipts: list[dict] = field(default_factory=list)
    rfq_number: str = ""


def line_statuses(requisition: Requisition) -> list[LineStatus]:
    """PO, receipt and delivery status of every line (read-only view of procurement's data
    for a requisition the caller may see)."""
    from procurement.models import GoodsReceiptLine, ShippingNoticeLine

    lines = list(requisition_lines(requisition))
    po_line_ids = [line.po_line_id for line in lines if line.po_line_id]
    receipts = defaultdict(list)
    for r in (
        GoodsReceiptLine.objects.filter(po_line_id__in=po_line_ids)
        .select_related("receipt")
        .order_by("receipt__receipt_date", "receipt_id")
    ):
        receipts[r.po_line_id].append(
            {
                "number": r.receipt.number,
                "receipt_date": r.receipt.receipt_date,
                "kind": r.receipt.kind,
                "accepted_qty": r.accepted_qty,
                "rejected_qty": r.rejected_qty,
                "returned_qty": r.returned_qty,
            }
        )
    shipments = {}
    for s in (
        ShippingNoticeLine.objects.filter(po_line_id__in=po_line_ids)
        .select_related("notice")
        .order_by("notice__created_at", "notice_id")
    ):
        shipments[s.po_line_id] = s.notice  # the latest notice per line
    out = []
    for line in lines:
        st = LineStatus(line=line, progress="", status="")
        st.progress, st.status = _line_progress(line, requisition)
        if line.rfq_line_id and line.rfq_line:
            st.rfq_number = line.rfq_line.rfq.number
        if line.po_line_id:
            po_line, po = line.po_line, line.po_line.po
            st.po_number, st.po_state, st.po_state_display = po.number, po.state, po.get_state_display()
            st.promised_date = po_line.promised_date
            st.ordered_qty, st.received_qty = po_line.quantity, po_line.received_qty
            st.receipts = receipts.get(po_line.pk, [])
            notice = shipments.get(po_line.pk)
            if notice is not None:
                st.expected_on, st.carrier, st.tracking_no = (
                    notice.expected_on,
                    notice.carrier,
                    notice.tracking_no,
                )
            st.progress, st.status = _delivery_progress(po, po_line, notice)
        out.append(st)
    return out


def _line_progress(line: RequisitionLine, requisition: Requisition) -> tuple[str, str]:
    """(code, words) for a line that is not on a purchase order."""
    state = requisition.state
    if state == RequisitionState.DRAFT:
        return "in_cart", _("in cart")
    if state == RequisitionState.SUBMITTED:
        return "waiting_for_approval", _("waiting for approval")
    if state in (RequisitionState.REJECTED, RequisitionState.CANCELLED):
        return state, requisition.get_state_display()
    rfq = line.rfq_line.rfq if line.rfq_line_id and line.rfq_line else None
    if rfq is not None and rfq.state not in (RFQState.CANCELLED, RFQState.AWARDED):
        return "in_rfq", _("being sourced (RFQ %(number)s)") % {"number": rfq.number}
    if state == RequisitionState.CLOSED:
        return "not_ordered", _("not ordered (requisition closed)")
    if line.is_orderable:
        return "to_order", _("approved, waiting to be ordered")
    return "to_source", _("waiting for a buyer to source it")


def _delivery_progress(po, po_line, notice) -> tuple[str, str]:
    """(code, words) for a line on a purchase order."""
    if po.state == POState.CANCELLED:
        return "po_cancelled", _("order %(po)s cancelled") % {"po": po.number}
    if po_line.received_qty >= po_line.quantity:
        return "received", _("received")
    if po_line.received_qty > 0:
        return "partly_received", _("partly received (%(received)s of %(ordered)s)") % {
            "received": f"{po_line.received_qty.normalize():f}",
            "ordered": f"{po_line.quantity.normalize():f}",
        }
    if notice is not None:
        return "shipped", _("shipped, expected %(date)s") % {"date": notice.expected_on or "—"}
    if po_line.promised_date:
        return "confirmed", _("confirmed by the supplier for %(date)s") % {"date": po_line.promised_date}
    return "ordered", _("ordered (%(state)s)") % {"state": po.get_state_display()}


# ---- buyers: conversion and sourcing ---------------------------------------------------------


def _buyer(user) -> bool:
    return _active(user) and (user.is_buyer or user.is_superuser)


def _open_rfq_q() -> Q:
    return Q(rfq_line__isnull=False) & ~Q(rfq_line__rfq__state__in=[RFQState.CANCELLED, RFQState.AWARDED])


def lines_to_convert(user) -> QuerySet[RequisitionLine]:
    """Approved lines with a supplier, item and price, not yet on a purchase order."""
    if not _buyer(user):
        return RequisitionLine.objects.none()
    return (
        RequisitionLine.objects.filter(
            requisition__state__in=CONVERTIBLE_STATES,
            po_line__isnull=True,
            supplier__isnull=False,
            item__isnull=False,
            unit_price__isnull=False,
        )
        .exclude(_open_rfq_q())
        .select_related("requisition__requester", "requisition__legal_entity", "supplier", "item")
        .order_by("supplier__name", "requisition__legal_entity__name", "requisition__number", "line_no")
    )


def lines_to_source(user) -> QuerySet[RequisitionLine]:
    """Approved free-text lines a buyer has not yet given a supplier, item and price (lines in
    an RFQ that is still running are listed separately by ``lines_in_rfq``)."""
    if not _buyer(user):
        return RequisitionLine.objects.none()
    return (
        RequisitionLine.objects.filter(requisition__state__in=CONVERTIBLE_STATES, po_line__isnull=True)
        .filter(Q(supplier__isnull=True) | Q(item__isnull=True) | Q(unit_price__isnull=True))
        .exclude(_open_rfq_q())
        .select_related("requisition__requester", "requisition__legal_entity", "item")
        .order_by("requisition__submitted_at", "requisition__number", "line_no")
    )


def lines_in_rfq(user) -> QuerySet[RequisitionLine]:
    if not _buyer(user):
        return RequisitionLine.objects.none()
    return (
        RequisitionLine.objects.filter(requisition__state__in=CONVERTIBLE_STATES, po_line__isnull=True)
        .filter(_open_rfq_q())
        .select_related("requisition", "rfq_line__rfq")
        .order_by("rfq_line__rfq__number", "requisition__number", "line_no")
    )


@dataclass
class ConversionGroup:
    """The purchase order a set of lines will become: one per supplier, legal entity, currency
    and requester (the PO names the person who asked for the goods as its requester)."""

    supplier: object
    legal_entity: object
    currency: str
    requester: object = None
    lines: list = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def requisition_numbers(self) -> list[str]:
        return sorted({line.requisition.number for line in self.lines})


def conversion_preview(lines) -> list[ConversionGroup]:
    groups: dict[tuple, ConversionGroup] = {}
    for line in lines:
        req = line.requisition
        key = (line.supplier_id, req.legal_entity_id, req.currency, req.requester_id)
        if key not in groups:
            groups[key] = ConversionGroup(line.supplier, req.legal_entity, req.currency, req.requester)
        groups[key].lines.append(line)
    return list(groups.values())


# ---- budgets ---------------------------------------------------------------------------------


def cost_centre_list(user) -> QuerySet[CostCentre]:
    qs = CostCentre.objects.select_related("legal_entity", "budget_owner")
    if not _active(user) or user.is_supplier_user:
        return qs.none()
    if user.is_internal:
        return qs
    return qs.filter(
        Q(requesters__user=user) | Q(other_requesters__user=user) | Q(budget_owner=user)
    ).distinct()


def budget_list(user) -> QuerySet[Budget]:
    return Budget.objects.filter(cost_centre__in=cost_centre_list(user)).select_related("cost_centre")


def budget_for(cost_centre: CostCentre, on_date: date) -> Budget | None:
    return (
        Budget.objects.filter(cost_centre=cost_centre, starts_on__lte=on_date, ends_on__gte=on_date)
        .order_by("-starts_on")
        .first()
    )


_COUNTED = [
    RequisitionState.SUBMITTED,
    RequisitionState.APPROVED,
    RequisitionState.PARTLY_ORDERED,
    RequisitionState.ORDERED,
    RequisitionState.CLOSED,
]


def budget_position(budget: Budget, *, exclude_requisition_id: int | None = None):
    """Pending, committed and spent amounts of one budget (see requisitions.budget)."""
    pending = committed = spent = Decimal("0.00")
    lines = (
        RequisitionLine.objects.filter(requisition__budget=budget, requisition__state__in=_COUNTED)
        .exclude(requisition_id=exclude_requisition_id or 0)
        .select_related("requisition", "po_line__po")
    )
    for line in lines:
        state = line.requisition.state
        if line.po_line_id:
            po_line, po = line.po_line, line.po_line.po
            c, s = budget_math.ordered_line_usage(
                budget_math.OrderedLine(
                    ordered_net=po_line.net_amount,
                    received_qty=po_line.received_qty,
                    quantity=po_line.quantity,
                    unit_price=po_line.unit_price,
                    po_open=po.state not in (POState.CLOSED, POState.CANCELLED),
                    po_cancelled=po.state == POState.CANCELLED,
                )
            )
            committed += c
            spent += s
        elif state == RequisitionState.SUBMITTED:
            pending += line.amount
        elif state != RequisitionState.CLOSED:
            committed += line.amount
    return budget_math.BudgetPosition(amount=budget.amount, pending=pending, committed=committed, spent=spent)


@dataclass
class BudgetRow:
    budget: Budget
    position: budget_math.BudgetPosition


def budget_overview(user) -> list[BudgetRow]:
    return [
        BudgetRow(b, budget_position(b))
        for b in budget_list(user).order_by("cost_centre__code", "-starts_on")
    ]
