"""The requester's cart (their draft requisition): add catalog items or free-text lines, change
or remove lines, submit it with a needed-by date and a delivery address."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import PriceLine
from core import bounds
from core.errors import DomainError, NotFound, PermissionDenied
from core.services import transition_locked
from procurement.services import next_number

from .. import budget as budget_math
from .. import selectors
from ..models import Budget, CostCentre, LineKind, Requisition, RequisitionLine, RequisitionState
from ._common import (
    budget_policy,
    check_catalog_lines,
    check_remaining,
    item_for,
    lock,
    price_in_force,
    require_state,
    to_price,
    to_quantity,
)
from .approval import build_steps


def _profile(actor):
    profile = selectors.requester_profile(actor)
    if profile is None or actor.is_supplier_user:
        raise PermissionDenied(
            _("Only requesters with a cost centre can order from the catalog."), code="not_a_requester"
        )
    return profile


def cart_get_or_create(*, actor) -> Requisition:
    """The actor's draft requisition, created on first use (one per requester)."""
    profile = _profile(actor)
    cart = Requisition.objects.filter(requester=actor, state=RequisitionState.DRAFT).first()
    if cart is not None:
        return cart
    centre = profile.cost_centre
    try:
        with transaction.atomic():
            return Requisition.objects.create(
                number=next_number("REQ"),
                requester=actor,
                cost_centre=centre,
                legal_entity=centre.legal_entity,
                currency=centre.legal_entity.default_currency or "CNY",
                delivery_address=profile.delivery_address or centre.delivery_address,
            )
    except IntegrityError:  # created concurrently (one cart per requester): use that one
        return Requisition.objects.get(requester=actor, state=RequisitionState.DRAFT)


def _locked_cart(actor) -> Requisition:
    cart = lock(cart_get_or_create(actor=actor))
    require_state(cart, [RequisitionState.DRAFT], _("change"), code="requisition_not_editable")
    return cart


def _next_line_no(requisition: Requisition) -> int:
    return (requisition.lines.order_by("-line_no").values_list("line_no", flat=True).first() or 0) + 1


def cart_add(*, actor, price_line: PriceLine, quantity) -> RequisitionLine:
    """Add a catalog item (a contract price line). The same item twice adds up on one line.
    Refused: an expired or inactive contract, a suspended supplier, more than the contract's
    remaining quantity, another currency."""
    quantity = to_quantity(quantity)
    with transaction.atomic():
        cart = _locked_cart(actor)
        current = price_in_force(price_line)
        if current.currency != cart.currency:
            raise DomainError(
                _("Item %(item_code)s is priced in %(currency)s; your requisitions are in %(currency2)s.")
                % {"item_code": current.item_code, "currency": current.currency, "currency2": cart.currency},
                code="currency_mismatch",
            )
        existing = (
            cart.lines.filter(
                kind=LineKind.CATALOG,
                price_line__version__contract__supplier_id=current.version.contract.supplier_id,
                price_line__item_code=current.item_code,
            )
            .select_for_update(of=("self",))
            .first()
        )
        total = quantity + (existing.quantity if existing else Decimal("0"))
        bounds.quantity(total)
        bounds.line_amount(total, current.unit_price)
        check_remaining(current, total)
        fields = {
            "price_line": current,
            "item": item_for(current),
            "supplier": current.version.contract.supplier,
            "unit": current.unit,
            "unit_price": current.unit_price,
            "tax_rate": current.tax_rate,
            "description": current.item_name[:300] or current.item_code,
        }
        if existing is not None:
            for name, value in fields.items():
                setattr(existing, name, value)
            existing.quantity = total
            existing.save()
            return existing
        return RequisitionLine.objects.create(
            requisition=cart, line_no=_next_line_no(cart), kind=LineKind.CATALOG, quantity=quantity, **fields
        )


def cart_add_free_text(
    *, actor, description: str, quantity, estimated_unit_price, unit: str = "EA", item=None
) -> RequisitionLine:
    """Ask for something the catalog does not have; a buyer sources it (directly or by RFQ).
    The estimated net unit price counts against the budget until the buyer prices it."""
    description = (description or "").strip()
    if not description:
        raise DomainError(_("Describe what you need."), code="description_required")
    quantity = to_quantity(quantity)
    if estimated_unit_price in (None, ""):
        raise DomainError(
            _("Give an estimated unit price: the budget check needs it."), code="estimate_required"
        )
    price = to_price(estimated_unit_price, field="estimated unit price")
    bounds.line_amount(quantity, price)
    with transaction.atomic():
        cart = _locked_cart(actor)
        return RequisitionLine.objects.create(
            requisition=cart,
            line_no=_next_line_no(cart),
            kind=LineKind.FREE_TEXT,
            description=description[:300],
            quantity=quantity,
            unit=(unit or "EA").strip()[:20] or "EA",
            unit_price=price,
            item=item,
        )


def _cart_line(actor, line: RequisitionLine) -> tuple[Requisition, RequisitionLine]:
    cart = _locked_cart(actor)
    locked = cart.lines.select_for_update(of=("self",)).filter(pk=line.pk).first()
    if locked is None:
        raise NotFound(_("Line %(pk)s is not in your cart.") % {"pk": line.pk})
    return cart, locked


def cart_line_update(*, actor, line: RequisitionLine, quantity) -> RequisitionLine:
    quantity = to_quantity(quantity)
    with transaction.atomic():
        _, line = _cart_line(actor, line)
        bounds.line_amount(quantity, line.unit_price)
        if line.kind == LineKind.CATALOG:
            check_remaining(price_in_force(line.price_line), quantity)
        line.quantity = quantity
        line.save(update_fields=["quantity"])
        return line


def cart_line_remove(*, actor, line: RequisitionLine) -> None:
    with transaction.atomic():
        _, line = _cart_line(actor, line)
        line.delete()


def requisition_submit(
    *,
    actor,
    needed_by: date | None,
    delivery_address: str = "",
    note: str = "",
    today: date | None = None,
    cost_centre_id: int | None = None,
) -> Requisition:
    """Submit the cart, charged to ``cost_centre_id`` (one of the requester's cost centres;
    default: the cart's). Every catalog line is checked again (contract in force, supplier not
    suspended, remaining quantity) and re-priced at the contract price in force; the total is
    checked against the cost centre's budget (refused, or escalated to an extra approval, per
    REQUISITION_BUDGET_OVERRUN); the approval steps are fixed from the rules."""
    today = today or timezone.localdate()
    with transaction.atomic():
        cart = _locked_cart(actor)
        lines = list(cart.lines.select_related("price_line__version__contract__supplier"))  # cart row locked
        if not lines:
            raise DomainError(_("Your cart is empty: add something before submitting."), code="cart_empty")
        if needed_by is None:
            raise DomainError(_("Say by when you need it."), code="needed_by_required")
        if needed_by < today:
            raise DomainError(
                _("The needed-by date %(needed_by)s is in the past.")
                % {"needed_by": format(needed_by, "%Y-%m-%d")},
                code="needed_by_in_past",
            )
        if cost_centre_id and int(cost_centre_id) != cart.cost_centre_id:
            _charge_to(cart, actor, int(cost_centre_id))
        bounds.date_sane(needed_by, field="needed_by", today=today)
        address = (delivery_address or cart.delivery_address or "").strip()
        if not address:
            raise DomainError(_("Give a delivery address."), code="delivery_address_required")
        catalog_lines = [line for line in lines if line.kind == LineKind.CATALOG]
        current = check_catalog_lines(catalog_lines, currency=cart.currency)
        for line in catalog_lines:
            price = current[line.pk]
            if price.pk != line.price_line_id or price.unit_price != line.unit_price:
                line.price_line, line.unit_price, line.tax_rate = price, price.unit_price, price.tax_rate
                line.save(update_fields=["price_line", "unit_price", "tax_rate"])
        total = sum((line.amount for line in lines), Decimal("0.00"))

        budget = selectors.budget_for(cart.cost_centre, today)
        if budget is not None:  # serialise every check against this budget until commit
            budget = Budget.objects.select_for_update().get(pk=budget.pk)
        position = (
            selectors.budget_position(budget, exclude_requisition_id=cart.pk)
            if budget is not None
            else budget_math.BudgetPosition(amount=Decimal("0.00"))
        )
        verdict = budget_math.check(requested=total, available=position.available, policy=budget_policy())
        if verdict.action == budget_math.REFUSE:
            raise _budget_error(cart, budget, verdict, today)
        over_budget = verdict.action == budget_math.ESCALATE

        cart.needed_by = needed_by
        cart.delivery_address = address[:300]
        cart.note = (note or "").strip()
        cart.budget = budget
        cart.over_budget = over_budget
        cart.submitted_at = timezone.now()
        reason = ""
        if over_budget:
            reason = f"over budget by {verdict.over_by} {cart.currency}: escalated"
        transition_locked(cart, "submit", actor=actor, reason=reason)
        build_steps(cart, total=total)
        return cart


def _charge_to(cart: Requisition, actor, cost_centre_id: int) -> None:
    """Move the (locked) cart to another of the requester's cost centres."""
    profile = _profile(actor)
    if cost_centre_id not in profile.cost_centre_ids():
        raise DomainError(
            _("You may not charge this cost centre: choose one of yours."),
            code="cost_centre_not_yours",
            details={"field": "cost_centre", "cost_centre_id": cost_centre_id},
        )
    centre = CostCentre.objects.select_related("legal_entity").get(pk=cost_centre_id)
    currency = centre.legal_entity.default_currency or "CNY"
    if currency != cart.currency:
        raise DomainError(
            _("Cost centre %(code)s spends %(currency)s; this requisition is in %(cart_currency)s.")
            % {"code": centre.code, "currency": currency, "cart_currency": cart.currency},
            code="currency_mismatch",
            details={"field": "cost_centre"},
        )
    cart.cost_centre, cart.legal_entity = centre, centre.legal_entity
    cart.save(update_fields=["cost_centre", "legal_entity"])


def _budget_error(requisition, budget, verdict, today) -> DomainError:
    centre = requisition.cost_centre
    if budget is None:
        return DomainError(
            _("Cost centre %(code)s has no budget for %(today)s.")
            % {"code": centre.code, "today": format(today, "%Y-%m-%d")},
            code="no_budget",
            details={"cost_centre": centre.code},
        )
    return DomainError(
        _(
            "Cost centre %(code)s has %(available)s %(currency)s left in its budget for %(starts_on)s–%(ends_on)s; this requisition needs %(requested)s (over by %(over_by)s)."
        )
        % {
            "code": centre.code,
            "available": verdict.available,
            "currency": requisition.currency,
            "starts_on": format(budget.starts_on, "%Y-%m-%d"),
            "ends_on": format(budget.ends_on, "%Y-%m-%d"),
            "requested": verdict.requested,
            "over_by": verdict.over_by,
        },
        code="budget_exceeded",
        details={
            "available": str(verdict.available),
            "requested": str(verdict.requested),
            "over_by": str(verdict.over_by),
        },
    )
