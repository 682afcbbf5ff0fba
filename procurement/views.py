"""Portal pages of procurement (htmx-enhanced forms). Views read through selectors and write
through services only; domain errors become messages (core.middleware)."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_fsm import has_transition_perm

from core import bounds
from core.documents import panels_for_document
from core.errors import DomainError, NotFound, PermissionDenied
from core.listing import Column, Filter, ListSpec, list_response
from core.money import q6
from core.selectors import transition_log_for
from suppliers.selectors import supplier_get, supplier_list

from . import selectors, services
from .models import PO_RECEIVABLE, PO_SUPPLIER_VISIBLE, POState, ReceiptKind, RFQState

PO_ACTIONS = ("submit", "approve", "decline", "send", "reject", "cancel", "close")
PO_REASON_REQUIRED = {"decline", "reject", "cancel"}
RFQ_ACTIONS = ("publish", "close", "cancel")


def _date(value: str | None, field: str = "date"):
    return bounds.parse_date(value, field=field)  # a malformed date is a clear error, not a 500


def _not_past(value, field: str):
    """A delivery date a person types: today or later."""
    typed = _date(value, field)
    return bounds.date_not_past(typed, field=field) if typed else None


def _blank(value) -> str:
    return "" if value is None else str(value)


@login_required
def item_list(request):
    return render(request, "procurement/items.html", {"items": selectors.item_list(request.user)})


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
    link=lambda po: reverse("po-detail", args=[po.pk]),
)
_PO_SUPPLIER = Column(
    "supplier", gettext_lazy("Supplier"), lambda po: po.supplier.name, sort="supplier__name"
)
_PO_TAIL = (
    Column(
        "entity", gettext_lazy("Legal entity"), lambda po: po.legal_entity.name, sort="legal_entity__name"
    ),
    Column("state", gettext_lazy("State"), lambda po: po.get_state_display(), sort="state"),
    Column("created", gettext_lazy("Order date"), lambda po: _local_date(po.created_at), sort="created_at"),
    Column("required", gettext_lazy("Required by"), lambda po: po.required_by, sort="required_by"),
    Column("promised", gettext_lazy("Promised by"), lambda po: po.promised_by, sort="promised_by"),
    Column(
        "total", gettext_lazy("Total incl. tax"), lambda po: po.gross_total, sort="gross_sort", numeric=True
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
    names = {
        t.name for t in po.get_available_state_transitions() if has_transition_perm(getattr(po, t.name), user)
    }
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
        raise NotFound(f"No action {action}.")
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


# ---- RFQs ------------------------------------------------------------------------------------


_RFQ_HEAD = (
    Column(
        "number",
        gettext_lazy("Number"),
        lambda r: r.number,
        sort="number",
        link=lambda r: reverse("rfq-detail", args=[r.pk]),
    ),
    Column("title", gettext_lazy("Title"), lambda r: r.title, sort="title"),
    Column("entity", gettext_lazy("Legal entity"), lambda r: r.legal_entity.name, sort="legal_entity__name"),
    Column("state", gettext_lazy("State"), lambda r: r.get_state_display(), sort="state"),
    Column(
        "deadline",
        gettext_lazy("Deadline"),
        lambda r: localtime(r.deadline).strftime("%Y-%m-%d %H:%M") if r.deadline else None,
        sort="deadline",
    ),
    Column("lines", gettext_lazy("Lines"), lambda r: r.line_count, sort="line_count", numeric=True),
)
_RFQ_CREATED = Column(
    "created", gettext_lazy("Created"), lambda r: _local_date(r.created_at), sort="created_at"
)
_RFQ_FILTERS = (
    Filter("q", gettext_lazy("Search"), "search", ("number", "title")),
    Filter("deadline_from", gettext_lazy("Deadline from"), "date_from", ("deadline__date",)),
    Filter("deadline_to", gettext_lazy("Deadline to"), "date_to", ("deadline__date",)),
)
RFQ_LIST = ListSpec(
    columns=(
        *_RFQ_HEAD,
        Column(
            "invited",
            gettext_lazy("Invited suppliers"),
            lambda r: r.invited_count,
            sort="invited_count",
            numeric=True,
        ),
        Column("quotes", gettext_lazy("Quotes"), lambda r: r.quote_count, sort="quote_count", numeric=True),
        _RFQ_CREATED,
    ),
    filters=(
        _RFQ_FILTERS[0],
        Filter("state", gettext_lazy("State"), "choice", ("state",), choices=tuple(RFQState.choices)),
        *_RFQ_FILTERS[1:],
    ),
    default_sort="-created",
    csv_name="rfqs",
)
RFQ_LIST_SUPPLIER = ListSpec(
    columns=(
        *_RFQ_HEAD,
        Column(
            "own_quote",
            gettext_lazy("Your quote version"),
            lambda r: r.own_quote_version,
            sort="own_quote_version",
            numeric=True,
        ),
        _RFQ_CREATED,
    ),
    filters=(
        _RFQ_FILTERS[0],
        Filter(
            "state",
            gettext_lazy("State"),
            "choice",
            ("state",),
            choices=tuple((c, label) for c, label in RFQState.choices if c != RFQState.DRAFT),
        ),
        *_RFQ_FILTERS[1:],
    ),
    default_sort="-created",
    csv_name="rfqs",
)


@login_required
def rfq_list(request):
    rfqs = selectors.rfq_rows(request.user)
    spec = RFQ_LIST if request.user.is_internal else RFQ_LIST_SUPPLIER
    return list_response(request, rfqs, spec, "procurement/rfq_list.html")


@login_required
def rfq_create(request):
    if not request.user.is_buyer:
        raise PermissionDenied(_("Only buyers create RFQs."))
    if request.method == "POST":
        entity = (
            selectors.legal_entity_list(request.user).filter(pk=request.POST.get("legal_entity") or 0).first()
        )
        if entity is None:
            raise DomainError(_("Choose a legal entity."), code="legal_entity_required")
        rfq = services.rfq_create(
            legal_entity=entity,
            title=request.POST.get("title", ""),
            actor=request.user,
            currency=request.POST.get("currency") or None,
        )
        return redirect("rfq-detail", rfq_id=rfq.pk)
    return render(
        request, "procurement/rfq_new.html", {"entities": selectors.legal_entity_list(request.user)}
    )


@login_required
def rfq_detail(request, rfq_id: int):
    rfq = selectors.rfq_get(request.user, rfq_id)
    user = request.user
    own_lines, own_version, attachments = {}, None, []
    if user.is_supplier_user:
        own_lines = {ql.rfq_line_id: ql.unit_price for ql in selectors.quote_lines(user, rfq)}
        own_quote = selectors.quote_list(user, rfq).first()
        own_version = selectors.quote_latest_version(own_quote) if own_quote else None
    if user.is_supplier_user or rfq.is_opened:
        attachments = selectors.quote_attachment_list(user, rfq)
    context = {
        "rfq": rfq,
        "lines": rfq.lines.select_related("item").order_by("line_no"),
        "quotes": selectors.quote_list(user, rfq),  # headers only: no prices while sealed
        "invitations": rfq.invitations.select_related("supplier") if user.is_internal else [],
        "history": transition_log_for(rfq),
        "own_lines": own_lines,
        "own_version": own_version,
        "attachments": attachments,
        "max_attachments": services.MAX_ATTACHMENTS,
        "max_attachment_mib": services.quote_attachment_max_bytes() // (1024 * 1024),
        "is_buyer": user.is_buyer,
        "can_quote": user.is_supplier_user
        and rfq.state == RFQState.PUBLISHED
        and (rfq.deadline is None or rfq.deadline > timezone.now()),
        "suppliers": supplier_list(user).filter(state="approved") if user.is_buyer else [],
        "items": selectors.item_list(user) if user.is_buyer and rfq.state == RFQState.DRAFT else [],
    }
    return render(request, "procurement/rfq_detail.html", context)


@login_required
@require_POST
def rfq_line_add(request, rfq_id: int):
    rfq = selectors.rfq_get(request.user, rfq_id)
    if not request.user.is_buyer:
        raise PermissionDenied(_("Only buyers edit RFQs."))
    services.rfq_line_add(
        rfq=rfq,
        item=selectors.item_get(request.user, int(request.POST.get("item") or 0)),
        quantity=request.POST.get("quantity") or "0",
        required_date=_date(request.POST.get("required_date")),
        actor=request.user,
    )
    return redirect("rfq-detail", rfq_id=rfq.pk)


@login_required
@require_POST
def rfq_invite(request, rfq_id: int):
    rfq = selectors.rfq_get(request.user, rfq_id)
    if not request.user.is_buyer:
        raise PermissionDenied(_("Only buyers invite suppliers."))
    supplier = supplier_get(request.user, int(request.POST.get("supplier") or 0))
    services.rfq_invite(rfq=rfq, supplier=supplier, actor=request.user)
    return redirect("rfq-detail", rfq_id=rfq.pk)


@login_required
@require_POST
def rfq_action(request, rfq_id: int, action: str):
    rfq = selectors.rfq_get(request.user, rfq_id)
    if not request.user.is_buyer:
        raise PermissionDenied(_("Only buyers publish, close or cancel RFQs."))
    if action not in RFQ_ACTIONS:
        raise NotFound(f"No action {action}.")
    reason = request.POST.get("reason", "")
    if action == "publish":
        raw = request.POST.get("deadline") or ""
        try:
            deadline = parse_datetime(raw) if raw else None
        except ValueError:  # well formed but no such moment (2026-13-45T10:00)
            deadline = None
        if deadline is not None and timezone.is_naive(deadline):
            deadline = timezone.make_aware(deadline)
        services.rfq_publish(rfq=rfq, actor=request.user, deadline=deadline, reason=reason)
    elif action == "close":
        services.rfq_close(rfq=rfq, actor=request.user, reason=reason)
    else:
        services.rfq_cancel(rfq=rfq, actor=request.user, reason=reason)
    return redirect("rfq-detail", rfq_id=rfq.pk)


@login_required
@require_POST
def quote_submit(request, rfq_id: int):
    rfq = selectors.rfq_get(request.user, rfq_id)
    prices = {line.pk: request.POST.get(f"price_{line.pk}") or "" for line in rfq.lines.all()}
    prices = {k: v for k, v in prices.items() if v}
    attachments = [services.quote_attachment_read(f) for f in request.FILES.getlist("attachments")]
    # The form lists the current attachments as "keep" checkboxes; unticked ones are dropped.
    keep = request.POST.getlist("keep_attachment") if request.POST.get("attachments_listed") else None
    services.quote_submit(
        rfq=rfq,
        actor=request.user,
        prices=prices,
        lead_time_days=request.POST.get("lead_time_days") or -1,
        valid_until=request.POST.get("valid_until") or "",
        note=request.POST.get("note", ""),
        attachments=attachments,
        keep_attachments=keep,
    )
    messages.success(request, _("Quote submitted."))
    return redirect("rfq-detail", rfq_id=rfq.pk)


@login_required
def rfq_comparison(request, rfq_id: int):
    rfq = selectors.rfq_get(request.user, rfq_id)
    rows = selectors.rfq_comparison(request.user, rfq)
    return render(
        request,
        "procurement/rfq_comparison.html",
        {"rfq": rfq, "rows": rows, "attachments": selectors.quote_attachment_list(request.user, rfq)},
    )


@login_required
def rfq_comparison_csv(request, rfq_id: int):
    """Export of the comparison: like every buyer surface, refused while the quotes are sealed."""
    rfq = selectors.rfq_get(request.user, rfq_id)
    rows = selectors.rfq_comparison(request.user, rfq)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{rfq.number}-comparison.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        [
            "line",
            "item",
            "quantity",
            "supplier",
            "unit_price",
            "line_total",
            "lead_time_days",
            "score",
            "on_time_rate",
            "quality_rate",
            "avg_ack_hours",
            "lowest",
            "integrity",
        ]
    )
    for row in rows:
        for c in row.cells:
            writer.writerow(
                [
                    row.line.line_no,
                    row.line.item.code,
                    row.line.quantity,
                    c.supplier_name,
                    c.unit_price,
                    c.line_total,
                    c.lead_time_days,
                    *(
                        ("", "", "", "")
                        if c.score is None
                        else (
                            _blank(c.score.score),
                            _blank(c.score.on_time_rate),
                            _blank(c.score.quality_rate),
                            _blank(c.score.avg_ack_hours),
                        )
                    ),
                    "yes" if c.is_lowest else "",
                    c.integrity,
                ]
            )
    return response


@login_required
@require_POST
def rfq_award(request, rfq_id: int):
    rfq = selectors.rfq_get(request.user, rfq_id)
    decisions = []
    for line in rfq.lines.all():
        supplier_id = request.POST.get(f"award_{line.pk}")
        if supplier_id:
            decisions.append(
                {
                    "rfq_line_id": line.pk,
                    "supplier_id": int(supplier_id),
                    "reason": request.POST.get(f"reason_{line.pk}", ""),
                }
            )
    pos = services.rfq_award(rfq=rfq, actor=request.user, decisions=decisions)
    messages.success(request, _("Awarded: %(n)s draft purchase order(s) created.") % {"n": len(pos)})
    return redirect("rfq-detail", rfq_id=rfq.pk)


@login_required
def quote_attachment(request, attachment_id: int):
    attachment = selectors.quote_attachment_get(request.user, attachment_id)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
