"""Reads of contracts, scoped to what the user may see (a supplier user: its own contracts,
once they are no longer drafts; internal users: everything)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import F, QuerySet
from django.utils.translation import gettext

from core.errors import NotFound
from suppliers.selectors import supplier_id_for

from .models import Contract, ContractState, ContractVersion, PriceLine

# A supplier sees its contracts once they are agreed; drafts and approvals are internal.
SUPPLIER_HIDDEN_STATES = (ContractState.DRAFT, ContractState.IN_APPROVAL)


def contract_list(user) -> QuerySet[Contract]:
    if not user.is_authenticated or not user.is_active:
        return Contract.objects.none()
    qs = Contract.objects.select_related("supplier", "current_version", "created_by")
    if user.is_internal:
        return qs
    supplier_id = supplier_id_for(user)
    if not supplier_id:
        return Contract.objects.none()
    return qs.filter(supplier_id=supplier_id).exclude(state__in=SUPPLIER_HIDDEN_STATES)


def contract_get(user, contract_id: int) -> Contract:
    contract = contract_list(user).filter(pk=contract_id).first()
    if contract is None:
        raise NotFound(gettext("Contract %(contract_id)s not found.") % {"contract_id": contract_id})
    return contract


def version_list(user, contract: Contract) -> QuerySet[ContractVersion]:
    qs = contract.versions.select_related("created_by", "approved_by").order_by("number")
    return qs if user.is_internal else qs.filter(state="approved")


def version_get(user, contract: Contract, number: int) -> ContractVersion:
    version = version_list(user, contract).filter(number=number).first()
    if version is None:
        raise NotFound(
            gettext("Version %(number)s of contract %(number2)s not found.")
            % {"number": number, "number2": contract.number}
        )
    return version


def price_line_get(user, contract: Contract, line_id: int) -> PriceLine:
    versions = version_list(user, contract)
    line = PriceLine.objects.filter(pk=line_id, version__in=versions).first()
    if line is None:
        raise NotFound(gettext("Price line %(line_id)s not found.") % {"line_id": line_id})
    return line


def contracts_awaiting_approval(user) -> QuerySet[Contract]:
    if not (user.is_authenticated and (user.is_buyer or user.is_superuser)):
        return Contract.objects.none()
    return (
        contract_list(user)
        .filter(versions__state="in_approval")
        .exclude(versions__created_by=user)
        .distinct()
    )


def active_price_for(*, supplier_id: int, item_code: str, on_date: date) -> PriceLine | None:
    """The agreed price of ``item_code`` from ``supplier_id`` on ``on_date``: a line of the version
    in force of an active contract, valid on that day. System read for procurement."""
    return (
        PriceLine.objects.filter(
            version__contract__supplier_id=supplier_id,
            version__contract__state=ContractState.ACTIVE,
            version__contract__valid_from__lte=on_date,
            version__contract__valid_to__gte=on_date,
            version__contract__current_version_id=F("version_id"),
            item_code=item_code,
            valid_from__lte=on_date,
            valid_to__gte=on_date,
        )
        .select_related("version__contract")
        .order_by("-valid_from", "-version__contract__valid_from", "-pk")
        .first()
    )


@dataclass(frozen=True)
class LineChange:
    item_code: str
    kind: str  # added | removed | changed | same
    old: PriceLine | None
    new: PriceLine | None
    fields: tuple[str, ...] = ()


DIFF_FIELDS = (
    "item_name",
    "unit",
    "unit_price",
    "currency",
    "tax_rate",
    "valid_from",
    "valid_to",
    "quantity_cap",
)


def version_diff(old: ContractVersion, new: ContractVersion) -> list[LineChange]:
    """Line-by-line comparison of two versions, keyed by item code and start date."""

    def key(line):
        return (line.item_code, line.valid_from)

    before = {key(ln): ln for ln in old.lines.all()}
    after = {key(ln): ln for ln in new.lines.all()}
    changes = []
    for k in sorted(set(before) | set(after)):
        a, b = before.get(k), after.get(k)
        if a is None:
            changes.append(LineChange(k[0], "added", None, b))
        elif b is None:
            changes.append(LineChange(k[0], "removed", a, None))
        else:
            diff = tuple(f for f in DIFF_FIELDS if getattr(a, f) != getattr(b, f))
            changes.append(LineChange(k[0], "changed" if diff else "same", a, b, diff))
    return changes
