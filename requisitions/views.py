"""Portal pages of requisitions: requesters (catalog, cart, my requisitions), approvers, buyers
(requisitions to convert, sourcing) and budgets. Views read through selectors and write through
services only; domain errors become messages (core.middleware)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError, NotFound, PermissionDenied
from core.selectors import transition_log_for
from procurement.selectors import item_get, item_list
from suppliers.selectors import supplier_get, supplier_list

from . import selectors, services
from .models import RequisitionState

ACTIONS = ("approve", "reject", "cancel", "close")
CATALOG_PAGE_SIZE = 50


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DomainError(_("%(value)s is not a date.") % {"value": value}, code="invalid_date") from None


def _require_catalog_user(user) -> None:
    if not selectors.may_browse_catalog(user):
        raise PermissionDenied(_("The catalog is for requesters and buyers."))


def _require_requester(user) -> None:
    if selectors.requester_profile(user) is None or user.is_supplier_user:
        raise PermissionDenied(_("Only requesters with a cost centre have a cart."))


def _require_buyer(user) -> None:
    if not (user.is_buyer or user.is_superuser):
        raise PermissionDenied(_("Only buyers convert requisitions."))


def _require_not_supplier(user) -> None:
    if user.is_supplier_user:
        raise PermissionDenied(_("Requisitions are internal to the buying organisation."))


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# ---- requester: catalog and cart ---------------------------------------------------------------


@login_required
def catalog(request):
    _require_catalog_user(request.user)
    q = request.GET.get("q", "")
    supplier_id = _int(request.GET.get("supplier"))
    category = request.GET.get("category", "")
    rows = selectors.catalog(request.user, q=q, supplier_id=supplier_id, category=category)
    page = Paginator(rows, CATALOG_PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.remaining = selectors.catalog_remaining(row)
    return render(
        request,
        "requisitions/catalog.html",
        {
            "page": page,
            "q": q,
            "supplier_id": supplier_id,
            "category": category,
            "suppliers": selectors.catalog_suppliers(request.user),
            "categories": selectors.catalog_categories(request.user),
            "can_order": selectors.requester_profile(request.user) is not None,
        },
    )


def _cost_centre_choices(profile, today):
    """The requester's cost centres (default first), each with what its budget has left."""
    centres = {
        c.pk: c for c in selectors.cost_centre_list(profile.user).filter(pk__in=profile.cost_centre_ids())
    }
    rows = []
    for pk in profile.cost_centre_ids():
        centre = centres.get(pk)
        if centre is None:
            continue
        budget = selectors.budget_for(centre, today)
        rows.append(
            {
                "centre": centre,
                "budget": budget,
                "position": selectors.budget_position(budget) if budget else None,
            }
        )
    return rows


def _cart_page(request, *, submitted=None, error=None, status=200):
    cart = selectors.cart_get(request.user)
    profile = selectors.requester_profile(request.user)
    today = timezone.localdate()
    centres = _cost_centre_choices(profile, today)
    chosen = _int((submitted or {}).get("cost_centre")) or (
        cart.cost_centre_id if cart else profile.cost_centre_id
    )
    current = next((c for c in centres if c["centre"].pk == chosen), centres[0] if centres else None)
    return render(
        request,
        "requisitions/cart.html",
        {
            "cart": cart,
            "lines": selectors.requisition_lines(cart) if cart else [],
            "profile": profile,
            "centres": centres,
            "chosen_centre": current["centre"] if current else profile.cost_centre,
            "budget": current["budget"] if current else None,
            "position": current["position"] if current else None,
            "items": item_list(request.user),
            "today": today,
            "submitted": submitted or {},
            "submit_error": error,
        },
        status=status,
    )


@login_required
def cart(request):
    _require_requester(request.user)
    return _cart_page(request)


@login_required
@require_POST
def cart_add(request):
    _require_requester(request.user)
    line = selectors.price_line_for_cart(request.user, _int(request.POST.get("price_line")) or 0)
    services.cart_add(actor=request.user, price_line=line, quantity=request.POST.get("quantity") or "0")
    messages.success(request, _("Added %(item)s to your cart.") % {"item": line.item_name})
    back = request.META.get("HTTP_REFERER") or ""
    if request.POST.get("next") == "catalog":  # back to the same search, never off-site
        safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
        return redirect(back if safe else "requisition-catalog")
    return redirect("requisition-cart")


@login_required
@require_POST
def cart_free_text(request):
    _require_requester(request.user)
    item_id = _int(request.POST.get("item"))
    services.cart_add_free_text(
        actor=request.user,
        description=request.POST.get("description", ""),
        quantity=request.POST.get("quantity") or "0",
        estimated_unit_price=request.POST.get("estimated_unit_price") or None,
        unit=request.POST.get("unit", "EA"),
        item=item_get(request.user, item_id) if item_id else None,
    )
    return redirect("requisition-cart")


@login_required
@require_POST
def cart_line_update(request, req_line_id: int):
    _require_requester(request.user)
    line = selectors.requisition_line_get(request.user, req_line_id)
    services.cart_line_update(actor=request.user, line=line, quantity=request.POST.get("quantity") or "0")
    return redirect("requisition-cart")


@login_required
@require_POST
def cart_line_remove(request, req_line_id: int):
    _require_requester(request.user)
    line = selectors.requisition_line_get(request.user, req_line_id)
    services.cart_line_remove(actor=request.user, line=line)
    return redirect("requisition-cart")


@login_required
@require_POST
def cart_submit(request):
    """Submit the cart; on any refusal the cart page comes back with what was typed."""
    _require_requester(request.user)
    submitted = {k: request.POST.get(k, "") for k in ("needed_by", "delivery_address", "note", "cost_centre")}
    try:
        requisition = services.requisition_submit(
            actor=request.user,
            needed_by=_date(submitted["needed_by"]),
            delivery_address=submitted["delivery_address"],
            note=submitted["note"],
            cost_centre_id=_int(submitted["cost_centre"]),
        )
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        return _cart_page(request, submitted=submitted, error=exc.message, status=400)
    messages.success(request, _("Requisition %(number)s submitted.") % {"number": requisition.number})
    return redirect("requisition-detail", requisition_id=requisition.pk)


# ---- requisitions ----------------------------------------------------------------------------


@login_required
def requisition_list(request):
    _require_not_supplier(request.user)
    user = request.user
    qs = selectors.requisition_list(user).exclude(state=RequisitionState.DRAFT)
    mine = not user.is_internal or request.GET.get("mine") == "1"
    if mine:
        qs = qs.filter(requester=user)
    state = request.GET.get("state") or ""
    if state:
        qs = qs.filter(state=state)
    return render(
        request,
        "requisitions/list.html",
        {
            "requisitions": qs.prefetch_related("lines")[:200],
            "state": state,
            "states": RequisitionState.choices,
            "mine": mine,
        },
    )


@login_required
def requisition_detail(request, requisition_id: int):
    _require_not_supplier(request.user)
    user = request.user
    requisition = selectors.requisition_get(user, requisition_id)
    if requisition.state == RequisitionState.DRAFT:
        return redirect("requisition-cart")
    actions = []
    if selectors.may_decide(user, requisition):
        actions += ["approve", "reject"]
    owner_or_buyer = requisition.requester_id == user.pk or user.is_buyer or user.is_superuser
    if owner_or_buyer and requisition.state in (RequisitionState.SUBMITTED, RequisitionState.APPROVED):
        actions.append("cancel")
    if owner_or_buyer and requisition.state in (RequisitionState.PARTLY_ORDERED, RequisitionState.ORDERED):
        actions.append("close")
    position = selectors.budget_position(requisition.budget) if requisition.budget else None
    return render(
        request,
        "requisitions/detail.html",
        {
            "requisition": requisition,
            "statuses": selectors.line_statuses(requisition),
            "steps": selectors.approval_steps(requisition),
            "history": transition_log_for(requisition),
            "actions": actions,
            "position": position,
        },
    )


@login_required
@require_POST
def requisition_action(request, requisition_id: int, action: str):
    _require_not_supplier(request.user)
    requisition = selectors.requisition_get(request.user, requisition_id)
    if action not in ACTIONS:
        raise NotFound(_("No action %(action)s.") % {"action": action})
    getattr(services, f"requisition_{action}")(
        requisition=requisition, actor=request.user, reason=request.POST.get("reason", "")
    )
    return redirect("requisition-detail", requisition_id=requisition.pk)


@login_required
def approvals(request):
    _require_not_supplier(request.user)
    return render(
        request,
        "requisitions/approvals.html",
        {"requisitions": selectors.requisitions_to_approve(request.user)},
    )


@login_required
def budgets(request):
    _require_not_supplier(request.user)
    return render(request, "requisitions/budgets.html", {"rows": selectors.budget_overview(request.user)})


# ---- buyers: conversion and sourcing -----------------------------------------------------------


@login_required
def convert(request):
    _require_buyer(request.user)
    user = request.user
    return render(
        request,
        "requisitions/convert.html",
        {
            "groups": selectors.conversion_preview(selectors.lines_to_convert(user)),
            "to_source": selectors.lines_to_source(user),
            "in_rfq": selectors.lines_in_rfq(user),
            "suppliers": supplier_list(user).filter(state="approved"),
            "items": item_list(user),
        },
    )


@login_required
@require_POST
def convert_run(request):
    _require_buyer(request.user)
    line_ids = [i for i in (_int(v) for v in request.POST.getlist("line")) if i]
    pos = services.requisitions_convert(actor=request.user, line_ids=line_ids)
    messages.success(
        request,
        _("Created purchase orders %(numbers)s.") % {"numbers": ", ".join(po.number for po in pos)},
    )
    return redirect("requisition-convert")


@login_required
@require_POST
def line_source(request, req_line_id: int):
    _require_buyer(request.user)
    line = selectors.requisition_line_get(request.user, req_line_id)
    services.requisition_line_source(
        line=line,
        actor=request.user,
        supplier=supplier_get(request.user, _int(request.POST.get("supplier")) or 0),
        item=item_get(request.user, _int(request.POST.get("item")) or 0),
        unit_price=request.POST.get("unit_price") or "",
        tax_rate=request.POST.get("tax_rate") or None,
    )
    return redirect("requisition-convert")


@login_required
@require_POST
def rfq_start(request):
    _require_buyer(request.user)
    pairs = []
    for value in request.POST.getlist("line"):
        line = selectors.requisition_line_get(request.user, _int(value) or 0)
        item_id = _int(request.POST.get(f"item_{line.pk}"))
        pairs.append((line, item_get(request.user, item_id) if item_id else None))
    rfq = services.requisition_rfq_start(actor=request.user, title=request.POST.get("title", ""), lines=pairs)
    messages.success(
        request, _("RFQ %(number)s started: invite suppliers and publish it.") % {"number": rfq.number}
    )
    return redirect("rfq-detail", rfq_id=rfq.pk)
