"""Portal pages of procurement (htmx-enhanced forms). Views read through selectors and write
through services only; domain errors become messages (core.middleware)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_fsm import has_transition_perm

from core import bounds
from core.chips import state_label
from core.documents import panels_for_document
from core.errors import DomainError, NotFound, PermissionDenied
from core.listing import Column, Filter, ListSpec, list_response, pk_link
from core.money import q6
from core.selectors import transition_log_for
from suppliers.selectors import supplier_get, supplier_list

from . import selectors, services
from .models import PO_RECEIVABLE, PO_SUPPLIER_VISIBLE, POState, ReceiptKind

PO_ACTIONS = ("submit", "approve", "decline", "send", "reject", "cancel", "close")
PO_REASON_REQUIRED = {"decline", "reject", "cancel"}


def _date(value: str | None, field: str = "date"):
    return bounds.parse_date(value, field=field)  # a malformed date is a clear error, not a 500


def _not_past(value, field: str):
    """A delivery date a person types: today or later."""
    typed = _date(value, field)
    return bounds.date_not_past(typed, field=field) if typed else None


def _blank(value) -> str:
    return "" if value is None else str(value)


# ---- purchase orders -------------------------------------------------------------------------


# Lists (core.listing). Internal users and supplier users get different specs: a supplier user
# has no supplier column or filter (it is always its own), sees only the states it may see, and
# nothing about other suppliers (no invitation or quote counts on RFQs).


def _local_date(value):
    return localtime(value).date() if value else None


def _quantity(value) -> str:
    """A quantity without trailing zeros (``6``, ``2.5``), the same from every database."""
    return f"{q6(value or 0).normalize():f}"


_PO_NUMBER = Column(
    "number",
    gettext_lazy("Number"),
    lambda po: po.number,
    sort="number",
    link=pk_link("po-detail"),
)
_PO_SUPPLIER = Column(
    "supplier", gettext_lazy("Supplier"), lambda po: po.supplier.name, sort="supplier__name"
)
_PO_TAIL = (
    Column(
        "entity", gettext_lazy("Legal entity"), lambda po: po.legal_entity.name, sort="legal_entity__name"
    ),
    Column("state", gettext_lazy("State"), state_label, sort="state"),
    Column("created", gettext_lazy("Order date"), lambda po: _local_date(po.created_at), sort="created_at"),
    Column("required", gettext_lazy("Required by"), lambda po: po.required_by, sort="required_by"),
    Column("promised", gettext_lazy("Promised by"), lambda po: po.promised_by, sort="promised_by"),
    Column(
        "total",
        gettext_lazy("Total incl. tax"),
        lambda po: po.gross_sort,  # = gross_total, summed in SQL (purchase_order_rows)
        sort="gross_sort",
        numeric=True,
        currency=lambda po: po.currency,
    ),
    Column("currency", gettext_lazy("Currency"), lambda po: po.currency),
)
_PO_SEARCH = Filter("q", gettext_lazy("PO number"), "search", ("number",))
_PO_DATES = (
    Filter("ordered_from", gettext_lazy("Ordered from"), "date_from", ("created_at__date",)),
    Filter("ordered_to", gettext_lazy("Ordered to"), "date_to", ("created_at__date",)),
)
PO_LIST = ListSpec(
    columns=(_PO_NUMBER, _PO_SUPPLIER, *_PO_TAIL),
    filters=(
        _PO_SEARCH,
        Filter(
            "supplier",
            gettext_lazy("Supplier (name or tax id)"),
            "search",
            ("supplier__name", "supplier__tax_id"),
        ),
        Filter("state", gettext_lazy("State"), "choice", ("state",), choices=tuple(POState.choices)),
        *_PO_DATES,
    ),
    default_sort="-created",
    csv_name="purchase-orders",
)
PO_LIST_SUPPLIER = ListSpec(
    columns=(_PO_NUMBER, *_PO_TAIL),
    filters=(
        _PO_SEARCH,
        Filter(
            "state",
            gettext_lazy("State"),
            "choice",
            ("state",),
            choices=tuple((c, label) for c, label in POState.choices if c in PO_SUPPLIER_VISIBLE),
        ),
        *_PO_DATES,
    ),
    default_sort="-created",
    csv_name="purchase-orders",
)


@login_required
def po_list(request):
    pos = selectors.purchase_order_rows(request.user)
    spec = PO_LIST if request.user.is_internal else PO_LIST_SUPPLIER
    return list_response(request, pos, spec, "procurement/po_list.html")


@login_required
def po_create(request):
    if not request.user.is_buyer:
        raise PermissionDenied(_("Only buyers create purchase orders."))
    if request.method == "POST":
        entity = (
            selectors.legal_entity_list(request.user).filter(pk=request.POST.get("legal_entity") or 0).first()
        )
        if entity is None:
            raise DomainError(_("Choose a legal entity."), code="legal_entity_required")
        supplier = supplier_get(request.user, int(request.POST.get("supplier") or 0))
        po = services.purchase_order_create(
            legal_entity=entity,
            supplier=supplier,
            actor=request.user,
            currency=request.POST.get("currency") or None,
            notes=request.POST.get("notes", ""),
            delivery_address=request.POST.get("delivery_address", ""),
            payment_terms=request.POST.get("payment_terms", ""),
        )
        return redirect("po-detail", po_id=po.pk)
    return render(
        request,
        "procurement/po_new.html",
        {
            "entities": selectors.legal_entity_list(request.user),
            "suppliers": supplier_list(request.user).filter(state="approved"),
        },
    )


def _po_actions(po, user) -> list[str]:
    from .views_po import approval_blocker

    names = {
        t.name for t in po.get_available_state_transitions() if has_transition_perm(getattr(po, t.name), user)
    }
    if approval_blocker(po, user):  # four-eyes, approver role, already approved: no button
        names -= {"approve", "decline"}
    return [a for a in PO_ACTIONS if a in names]


@login_required
def po_detail(request, po_id: int):
    po = selectors.purchase_order_get(request.user, po_id)
    context = {
        "po": po,
        "lines": selectors.purchase_order_lines(po),
        "actions": _po_actions(po, request.user),
        "reason_required": PO_REASON_REQUIRED,
        "history": transition_log_for(po),
        "receipts": selectors.goods_receipts_for_po(po),
        "panels": panels_for_document(request.user, po),
        "approvals": selectors.po_approvals(po),
        "rule": selectors.approval_rule_for(po) if request.user.is_internal else None,
        "revisions": po.revisions.all() if request.user.is_internal else [],
        "can_edit": request.user.is_buyer and po.state == POState.DRAFT,
        "can_receive": request.user.is_buyer and po.state in PO_RECEIVABLE,
        "can_acknowledge": request.user.is_supplier_user and po.state == POState.SENT,
        "can_ship": request.user.is_supplier_user
        and po.state in (POState.ACKNOWLEDGED, POState.PARTIALLY_RECEIVED),
        "can_revise": request.user.is_buyer
        and po.state in (POState.APPROVED, POState.SENT, POState.ACKNOWLEDGED, POState.REJECTED),
        "items": selectors.item_list(request.user)
        if request.user.is_buyer and po.state == POState.DRAFT
        else [],
    }
    from .views_po import po_collaboration_context

    context.update(po_collaboration_context(po, request.user))
    return render(request, "procurement/po_detail.html", context)


@login_required
@require_POST
def po_line_add(request, po_id: int):
    po = selectors.purchase_order_get(request.user, po_id)
    if not request.user.is_buyer:
        raise PermissionDenied(_("Only buyers edit purchase orders."))
    item = selectors.item_get(request.user, int(request.POST.get("item") or 0))
    extra = {}
    if request.POST.get("tax_rate"):
        extra["tax_rate"] = request.POST["tax_rate"]
    services.purchase_order_line_add(
        po=po,
        item=item,
        quantity=request.POST.get("quantity") or "0",
        unit_price=request.POST.get("unit_price") or None,
        required_date=_not_past(request.POST.get("required_date"), "required_date"),
        description=request.POST.get("description", ""),
        actor=request.user,
        **extra,
    )
    return redirect("po-detail", po_id=po.pk)


@login_required
@require_POST
def po_line_edit(request, po_id: int, po_line_id: int):
    """Change a draft PO's line (the form sends every field; an empty unit price means the
    contract price, an empty tax rate keeps the current one)."""
    line = selectors.purchase_order_line_get(request.user, po_id, po_line_id)
    changes = {
        "quantity": request.POST.get("quantity") or "0",
        "unit_price": request.POST.get("unit_price") or None,
        "description": request.POST.get("description", ""),
        "required_date": request.POST.get("required_date") or None,
    }
    if request.POST.get("tax_rate"):
        changes["tax_rate"] = request.POST["tax_rate"]
    services.purchase_order_line_update(po=line.po, line=line, actor=request.user, **changes)
    messages.success(request, _("Line %(n)s changed.") % {"n": line.line_no})
    return redirect("po-detail", po_id=line.po_id)


@login_required
@require_POST
def po_line_remove(request, po_id: int, po_line_id: int):
    line = selectors.purchase_order_line_get(request.user, po_id, po_line_id)
    services.purchase_order_line_remove(po=line.po, line=line, actor=request.user)
    messages.success(request, _("Line %(n)s removed.") % {"n": line.line_no})
    return redirect("po-detail", po_id=line.po_id)


@login_required
@require_POST
def po_action(request, po_id: int, action: str):
    po = selectors.purchase_order_get(request.user, po_id)
    if action not in PO_ACTIONS:
        raise NotFound(_("No action %(action)s.") % {"action": action})
    getattr(services, f"purchase_order_{action}")(
        po=po, actor=request.user, reason=request.POST.get("reason", "")
    )
    return redirect("po-detail", po_id=po.pk)


@login_required
@require_POST
def po_acknowledge(request, po_id: int):
    po = selectors.purchase_order_get(request.user, po_id)
    promised = {
        line.pk: _not_past(request.POST.get(f"promised_{line.pk}"), "promised_date")
        for line in po.lines.all()
    }
    services.purchase_order_acknowledge(po=po, actor=request.user, promised_dates=promised)
    messages.success(request, _("Purchase order acknowledged."))
    return redirect("po-detail", po_id=po.pk)


@login_required
@require_POST
def po_shipping_notice(request, po_id: int):
    po = selectors.purchase_order_get(request.user, po_id)
    lines = [
        {"po_line_id": line.pk, "quantity": request.POST[f"ship_{line.pk}"]}
        for line in po.lines.all()
        if request.POST.get(f"ship_{line.pk}")
    ]
    services.shipping_notice_create(
        po=po,
        actor=request.user,
        shipped_on=_date(request.POST.get("shipped_on"), "shipped_on"),
        expected_on=_date(request.POST.get("expected_on"), "expected_on"),
        carrier=request.POST.get("carrier", ""),
        tracking_no=request.POST.get("tracking_no", ""),
        lines=lines,
    )
    messages.success(request, _("Shipping notice sent."))
    return redirect("po-detail", po_id=po.pk)


@login_required
@require_POST
def po_receipt(request, po_id: int):
    po = selectors.purchase_order_get(request.user, po_id)
    lines = [
        {
            "po_line_id": line.pk,
            "accepted_qty": request.POST.get(f"accepted_{line.pk}") or "0",
            "rejected_qty": request.POST.get(f"rejected_{line.pk}") or "0",
        }
        for line in po.lines.all()
        if request.POST.get(f"accepted_{line.pk}") or request.POST.get(f"rejected_{line.pk}")
    ]
    services.goods_receipt_create(
        po=po,
        actor=request.user,
        lines=lines,
        receipt_date=_date(request.POST.get("receipt_date"), "receipt_date"),
    )
    messages.success(request, _("Goods receipt posted."))
    return redirect("po-detail", po_id=po.pk)


@login_required
@require_POST
def po_return(request, po_id: int):
    po = selectors.purchase_order_get(request.user, po_id)
    lines = [
        {
            "po_line_id": line.pk,
            "quantity": request.POST[f"return_{line.pk}"],
            "reason": request.POST.get("reason", ""),
        }
        for line in po.lines.all()
        if request.POST.get(f"return_{line.pk}")
    ]
    services.goods_return_create(po=po, actor=request.user, lines=lines)
    messages.success(request, _("Return posted."))
    return redirect("po-detail", po_id=po.pk)


@login_required
@require_POST
def po_revise(request, po_id: int):
    po = selectors.purchase_order_get(request.user, po_id)
    changes = []
    for line in po.lines.all():
        qty, price = request.POST.get(f"qty_{line.pk}"), request.POST.get(f"price_{line.pk}")
        if (qty and qty != str(line.quantity)) or (price and price != str(line.unit_price)):
            changes.append({"line_id": line.pk, "quantity": qty or None, "unit_price": price or None})
    services.purchase_order_revise(
        po=po, actor=request.user, reason=request.POST.get("reason", ""), changes=changes
    )
    return redirect("po-detail", po_id=po.pk)


@login_required
def po_pdf(request, po_id: int):
    from .pdf import purchase_order_pdf_response

    return purchase_order_pdf_response(selectors.purchase_order_get(request.user, po_id))


# ---- goods receipts --------------------------------------------------------------------------

_RECEIPT_HEAD = (
    Column("number", gettext_lazy("Number"), lambda r: r.number, sort="number"),
    Column(
        "po",
        gettext_lazy("Purchase order"),
        lambda r: r.po.number,
        sort="po__number",
        link=lambda r: reverse("po-detail", args=[r.po_id]),
    ),
)
_RECEIPT_TAIL = (
    Column(
        "entity",
        gettext_lazy("Legal entity"),
        lambda r: r.po.legal_entity.name,
        sort="po__legal_entity__name",
    ),
    Column("date", gettext_lazy("Date"), lambda r: r.receipt_date, sort="receipt_date"),
    Column("kind", gettext_lazy("Kind"), lambda r: r.get_kind_display(), sort="kind"),
    Column("lines", gettext_lazy("Lines"), lambda r: r.line_count, sort="line_count", numeric=True),
    *(
        Column(
            key,
            label,
            lambda r, attr=f"{key}_total": _quantity(getattr(r, attr)),
            sort=f"{key}_total",
            numeric=True,
        )
        for key, label in (
            ("accepted", gettext_lazy("Accepted")),
            ("rejected", gettext_lazy("Rejected")),
            ("returned", gettext_lazy("Returned")),
        )
    ),
)
_RECEIPT_SEARCH = Filter("q", gettext_lazy("Receipt or PO number"), "search", ("number", "po__number"))
_RECEIPT_REST = (
    Filter("kind", gettext_lazy("Kind"), "choice", ("kind",), choices=tuple(ReceiptKind.choices)),
    Filter("date_from", gettext_lazy("Date from"), "date_from", ("receipt_date",)),
    Filter("date_to", gettext_lazy("Date to"), "date_to", ("receipt_date",)),
)
RECEIPT_LIST = ListSpec(
    columns=(
        *_RECEIPT_HEAD,
        Column("supplier", gettext_lazy("Supplier"), lambda r: r.po.supplier.name, sort="po__supplier__name"),
        *_RECEIPT_TAIL,
    ),
    filters=(
        _RECEIPT_SEARCH,
        Filter(
            "supplier",
            gettext_lazy("Supplier (name or tax id)"),
            "search",
            ("po__supplier__name", "po__supplier__tax_id"),
        ),
        *_RECEIPT_REST,
    ),
    default_sort="-date",
    csv_name="goods-receipts",
)
RECEIPT_LIST_SUPPLIER = ListSpec(
    columns=(*_RECEIPT_HEAD, *_RECEIPT_TAIL),
    filters=(_RECEIPT_SEARCH, *_RECEIPT_REST),
    default_sort="-date",
    csv_name="goods-receipts",
)


@login_required
def receipt_list(request):
    receipts = selectors.goods_receipt_list(request.user)
    spec = RECEIPT_LIST if request.user.is_internal else RECEIPT_LIST_SUPPLIER
    return list_response(request, receipts, spec, "procurement/receipt_list.html")
