"""How much of a contract's quantity cap a purchase order uses, shown on the PO page while it
is a draft or waits for approval, and checked when the buyer submits it (not only when the last
approver approves, where contracts.services.price_line_consume takes the quantity for good).

Per contract price line: the cap, what approved POs already took, what other POs waiting for
approval will take, and what this PO adds (for a revision only its difference).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.dispatch import receiver
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm.signals import pre_transition

from contracts.models import PriceLine
from core.documents import register_panel
from core.errors import DomainError
from core.home import Panel

from .models import POState, PurchaseOrder, PurchaseOrderLine

ZERO = Decimal("0")
SHOWN_IN = (POState.DRAFT, POState.PENDING_APPROVAL)


@dataclass(frozen=True)
class CapUse:
    price_line: PriceLine
    line_nos: tuple[int, ...]
    this_po: Decimal  # what this PO adds when approved
    ordered: Decimal  # taken by approved purchase orders
    pending_other: Decimal  # waiting for approval on other purchase orders

    @property
    def cap(self) -> Decimal | None:
        return self.price_line.quantity_cap

    @property
    def after(self) -> Decimal:
        return self.ordered + self.pending_other + self.this_po

    @property
    def remaining_before(self) -> Decimal | None:
        return None if self.cap is None else self.cap - self.ordered - self.pending_other

    @property
    def over_by(self) -> Decimal:
        return ZERO if self.cap is None else max(self.after - self.cap, ZERO)

    @property
    def breaches(self) -> bool:
        return self.over_by > 0

    @property
    def percent_after(self) -> int | None:
        if not self.cap:
            return None
        return int((self.after / self.cap * 100).to_integral_value())


def _plain(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


def po_cap_usage(po: PurchaseOrder) -> list[CapUse]:
    """One row per contract price line this PO draws on (lines without a contract price: none)."""
    adds: dict[int, Decimal] = defaultdict(Decimal)
    line_nos: dict[int, list[int]] = defaultdict(list)
    for line in po.lines.exclude(contract_line_ref="").order_by("line_no"):
        if not line.contract_line_ref.isdigit():
            continue
        ref = int(line.contract_line_ref)
        adds[ref] += Decimal(line.quantity) - Decimal(line.contract_consumed_qty)
        line_nos[ref].append(line.line_no)
    if not adds:
        return []
    prices = {p.pk: p for p in PriceLine.objects.filter(pk__in=adds).select_related("version__contract")}
    pending: dict[int, Decimal] = defaultdict(Decimal)
    others = (
        PurchaseOrderLine.objects.filter(
            contract_line_ref__in=[str(pk) for pk in adds], po__state=POState.PENDING_APPROVAL
        )
        .exclude(po=po)
        .values_list("contract_line_ref", "quantity", "contract_consumed_qty")
    )
    for ref, quantity, consumed in others:
        pending[int(ref)] += max(Decimal(quantity) - Decimal(consumed), ZERO)
    return [
        CapUse(
            price_line=prices[ref],
            line_nos=tuple(line_nos[ref]),
            this_po=adds[ref],
            ordered=prices[ref].quantity_ordered,
            pending_other=pending[ref],
        )
        for ref in adds
        if ref in prices
    ]


def po_cap_check(po: PurchaseOrder) -> None:
    """Refuse (nothing changes) when this PO would take a contract line beyond its cap."""
    for use in po_cap_usage(po):
        if not use.breaches:
            continue
        line = use.price_line
        raise DomainError(
            _(
                "Line %(lines)s (%(item)s, contract %(contract)s): the cap is %(cap)s %(unit)s; "
                "%(ordered)s are ordered on approved purchase orders and %(pending)s wait for "
                "approval on others, so %(left)s are left, but this order adds %(adds)s "
                "(over the cap by %(over)s). Lower the quantity or amend the contract."
            )
            % {
                "lines": ", ".join(str(n) for n in use.line_nos),
                "item": line.item_code,
                "contract": line.version.contract.number,
                "cap": _plain(use.cap),
                "unit": line.unit,
                "ordered": _plain(use.ordered),
                "pending": _plain(use.pending_other),
                "left": _plain(max(use.remaining_before, ZERO)),
                "adds": _plain(use.this_po),
                "over": _plain(use.over_by),
            },
            code="contract_quantity_exceeded",
            details={
                "item_code": line.item_code,
                "contract": line.version.contract.number,
                "cap": str(use.cap),
                "ordered": str(use.ordered),
                "pending": str(use.pending_other),
                "requested": str(use.this_po),
                "over_by": str(use.over_by),
            },
        )


@receiver(pre_transition, sender=PurchaseOrder, dispatch_uid="procurement_po_cap_check_on_submit")
def _check_caps_on_submit(sender, instance, name, **kwargs):
    if name == "submit":
        po_cap_check(instance)


def po_cap_panel(user, po):
    if not (user.is_internal and po.state in SHOWN_IN):
        return None
    uses = [use for use in po_cap_usage(po) if use.cap is not None]
    if not uses:
        return None
    return Panel(
        gettext_lazy("Contract quantity caps"),
        "procurement/_panel_contract_caps.html",
        {"uses": uses, "breach": any(u.breaches for u in uses), "po": po},
    )


register_panel("procurement.PurchaseOrder", po_cap_panel)
