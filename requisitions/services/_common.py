"""Helpers shared by the requisition services: settings, role checks, contract checks, locks."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from contracts.models import ContractState, PriceLine
from contracts.selectors import active_price_for
from core import bounds
from core.errors import DomainError, IllegalTransition, PermissionDenied
from core.money import q6
from procurement.models import Item
from suppliers.models import Supplier, SupplierState

from .. import budget as budget_math
from ..models import Requisition
from ..selectors import catalog_remaining, price_line_open_po_quantity

# Settings (config/settings/base.py reads them from the environment).
BUDGET_POLICY_SETTING = "REQUISITION_BUDGET_OVERRUN"  # "refuse" (default) | "escalate"
AUTO_CONVERT_SETTING = "REQUISITION_AUTO_CONVERT_BUYER"  # "" (off) | a buyer's username


def budget_policy() -> str:
    policy = (getattr(settings, BUDGET_POLICY_SETTING, "") or budget_math.REFUSE).strip().lower()
    if policy not in budget_math.POLICIES:
        raise DomainError(
            gettext("%(BUDGET_POLICY_SETTING)s must be one of %(names)s, not %(policy)s.")
            % {
                "BUDGET_POLICY_SETTING": BUDGET_POLICY_SETTING,
                "names": ", ".join(budget_math.POLICIES),
                "policy": repr(policy),
            },
            code="misconfigured",
        )
    return policy


def auto_convert_username() -> str:
    return (getattr(settings, AUTO_CONVERT_SETTING, "") or "").strip()


def require_buyer(actor, what: str) -> None:
    if not (actor and actor.is_active and (actor.is_buyer or actor.is_superuser)):
        raise PermissionDenied(gettext("Only buyers may %(what)s.") % {"what": what})


def lock(requisition: Requisition) -> Requisition:
    return (
        Requisition.objects.select_for_update(of=("self",))
        .select_related("cost_centre", "legal_entity", "requester")
        .get(pk=requisition.pk)
    )


def require_state(requisition: Requisition, states, what: str, code: str = "illegal_transition") -> None:
    if requisition.state not in states:
        raise IllegalTransition(
            gettext("Cannot %(what)s requisition %(number)s: it is %(state)s.")
            % {"what": what, "number": requisition.number, "state": requisition.get_state_display()},
            code=code,
            details={"state": requisition.state},
        )


def to_quantity(value) -> Decimal:
    """A quantity above zero, at most 10^9, with at most 6 decimals (core.bounds)."""
    try:
        qty = q6(value)
    except (InvalidOperation, TypeError, ValueError):
        if bounds.parse_number(value) is not None:  # 1e30, 25 digits: say it is too large
            bounds.quantity(value)
        raise DomainError(gettext("The quantity must be a number."), code="invalid_quantity") from None
    if qty <= 0:
        raise DomainError(
            gettext("The quantity must be more than zero, not %(value)s.") % {"value": value},
            code="invalid_quantity",
        )
    return bounds.quantity(value)  # ≤ 10^9, 6 decimals


def to_price(value, *, field: str = "unit price") -> Decimal:
    """A price or amount: not negative, below 10^12, with at most 6 decimals."""
    try:
        price = q6(value)
    except (InvalidOperation, TypeError, ValueError):
        if bounds.parse_number(value) is not None:  # 1e30, 25 digits: say it is too large
            bounds.price(value, field=field.replace(" ", "_"))
        raise DomainError(
            gettext("The %(field)s must be a number.") % {"field": field}, code="invalid_price"
        ) from None
    if price < 0:
        raise DomainError(
            gettext("The %(field)s cannot be negative.") % {"field": field}, code="invalid_price"
        )
    return bounds.price(value, field=field.replace(" ", "_"))  # < 10^12, 6 decimals


def require_supplier_orderable(supplier: Supplier) -> None:
    """Suspended, blocked or not-yet-approved suppliers take no orders (fresh state from the DB)."""
    state = Supplier.objects.filter(pk=supplier.pk).values_list("state", flat=True).first()
    if state == SupplierState.APPROVED:
        return
    if state == SupplierState.SUSPENDED:
        raise DomainError(
            gettext("Supplier %(name)s is suspended: nothing can be ordered from it.")
            % {"name": supplier.name},
            code="supplier_suspended",
            details={"supplier_id": supplier.pk},
        )
    raise DomainError(
        gettext("Supplier %(name)s is not approved (it is %(state)s): nothing can be ordered from it.")
        % {"name": supplier.name, "state": state},
        code="supplier_not_approved",
        details={"supplier_id": supplier.pk, "state": state},
    )


def price_in_force(line: PriceLine, *, on_date: date | None = None) -> PriceLine:
    """The price line procurement will use for ``line``'s supplier and item today: refuses an
    expired or inactive contract and a suspended supplier, each with its own code."""
    on_date = on_date or timezone.localdate()
    line = PriceLine.objects.select_related("version__contract__supplier").get(pk=line.pk)  # fresh
    contract = line.version.contract
    require_supplier_orderable(contract.supplier)
    current = active_price_for(supplier_id=contract.supplier_id, item_code=line.item_code, on_date=on_date)
    if current is not None:
        return current
    if (
        contract.state == ContractState.EXPIRED
        or contract.valid_to < on_date
        or (line.valid_to < on_date and contract.current_version_id == line.version_id)
    ):
        raise DomainError(
            gettext(
                "Contract %(number)s no longer covers %(item_code)s %(item_name)s: it expired on %(value)s."
            )
            % {
                "number": contract.number,
                "item_code": line.item_code,
                "item_name": line.item_name,
                "value": format(min(contract.valid_to, line.valid_to), "%Y-%m-%d"),
            },
            code="contract_expired",
            details={"contract": contract.number, "item_code": line.item_code},
        )
    raise DomainError(
        gettext(
            "Contract %(number)s has no price in force for %(item_code)s %(item_name)s (the contract is %(state)s)."
        )
        % {
            "number": contract.number,
            "item_code": line.item_code,
            "item_name": line.item_name,
            "state": contract.get_state_display(),
        },
        code="contract_not_active",
        details={"contract": contract.number, "item_code": line.item_code, "state": contract.state},
    )


def plain(number: Decimal) -> str:
    """12.500000 → "12.5", 100.000000 → "100" (never "1E+2")."""
    return f"{Decimal(number).normalize():f}"


def check_remaining(current: PriceLine, quantity: Decimal) -> None:
    """``quantity`` (everything asked for on this price line at once) fits in what the contract
    still has: its cap less what purchase orders consumed or will consume."""
    if current.quantity_cap is None:
        return
    if not hasattr(current, "open_po_qty"):
        current.open_po_qty = price_line_open_po_quantity(current)
    remaining = catalog_remaining(current)
    if quantity > remaining:
        raise DomainError(
            gettext(
                "Item %(item_code)s: %(value)s %(unit)s asked for, but the contract has only %(value2)s left (cap %(value3)s)."
            )
            % {
                "item_code": current.item_code,
                "value": plain(quantity),
                "unit": current.unit,
                "value2": plain(remaining),
                "value3": plain(current.quantity_cap),
            },
            code="contract_quantity_exceeded",
            details={
                "item_code": current.item_code,
                "requested": str(quantity),
                "remaining": str(remaining),
                "cap": str(current.quantity_cap),
            },
        )


def item_for(line: PriceLine) -> Item:
    item = Item.objects.filter(code=line.item_code).first()
    if item is None:
        raise DomainError(
            gettext("Item %(item_code)s is not in the item master; ask a buyer to add it.")
            % {"item_code": line.item_code},
            code="unknown_item",
        )
    return item


def check_catalog_lines(lines, *, currency: str) -> dict[int, PriceLine]:
    """Check a set of catalog lines together (quantities on the same price line add up).
    Returns {requisition line id: price line in force}."""
    current_by_line: dict[int, PriceLine] = {}
    totals: dict[int, Decimal] = defaultdict(Decimal)
    current_by_pk: dict[int, PriceLine] = {}
    for line in lines:
        current = price_in_force(line.price_line)
        if current.currency != currency:
            raise DomainError(
                gettext("Item %(item_code)s is priced in %(currency)s; this requisition is in %(currency2)s.")
                % {"item_code": current.item_code, "currency": current.currency, "currency2": currency},
                code="currency_mismatch",
            )
        current_by_line[line.pk] = current
        current_by_pk.setdefault(current.pk, current)
        totals[current.pk] += Decimal(line.quantity)
    for pk, qty in totals.items():
        check_remaining(current_by_pk[pk], qty)
    return current_by_line
