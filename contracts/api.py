from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema, Status

from core import bounds
from core.api import TransitionLogBase
from core.errors import NotFound
from core.pagination import PageIn, paginate
from core.selectors import transition_log_for
from suppliers.selectors import supplier_get

from . import selectors, services
from .pdf import render_contract_pdf

router = Router(tags=["contracts"])


class PriceLineOut(Schema):
    id: int
    item_code: str
    item_name: str
    unit: str
    unit_price: Decimal
    currency: str
    tax_rate: Decimal
    valid_from: date
    valid_to: date
    quantity_cap: Decimal | None
    quantity_ordered: Decimal


class VersionOut(Schema):
    number: int
    state: str
    note: str
    created_at: datetime
    approved_at: datetime | None
    lines: list[PriceLineOut]

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())


class ContractOut(Schema):
    id: int
    number: str
    supplier_id: int
    title: str
    currency: str
    valid_from: date
    valid_to: date
    state: str
    current_version: int | None

    @staticmethod
    def resolve_current_version(obj):
        return obj.current_version.number if obj.current_version_id else None


class ContractDetailOut(ContractOut):
    versions: list[VersionOut]

    @staticmethod
    def resolve_versions(obj, context):
        return list(selectors.version_list(context["request"].auth, obj))


class ContractIn(Schema):
    supplier_id: int
    title: str = Field(min_length=1, max_length=200)
    valid_from: bounds.SaneDate
    valid_to: bounds.SaneDate
    currency: bounds.Currency = "CNY"


class PriceLineIn(Schema):
    """Bounded by core.bounds (a price below 10^12 with at most 6 decimals, a cap above 0 and at
    most 10^9, a VAT rate, sane dates): anything else is a 422 before any service runs. The
    name and unit default from the item master."""

    item_code: str = Field(min_length=1, max_length=40)
    item_name: str = Field("", max_length=200)
    unit_price: bounds.Price
    tax_rate: bounds.TaxRate
    unit: str = Field("", max_length=20)
    currency: bounds.Currency | None = None
    valid_from: bounds.SaneDate | None = None
    valid_to: bounds.SaneDate | None = None
    quantity_cap: bounds.Quantity | None = None


class ActionIn(Schema):
    reason: str = ""


class TransitionLogOut(TransitionLogBase):
    actor: str | None

    @staticmethod
    def resolve_actor(obj):
        return obj.actor.username if obj.actor else None


class LineChangeOut(Schema):
    item_code: str
    kind: str
    fields: list[str]
    old: PriceLineOut | None
    new: PriceLineOut | None


def _detail(user, contract):
    return selectors.contract_get(user, contract.pk)


@router.get("/", response=list[ContractOut])
def contract_list(
    request,
    response: HttpResponse,
    page: Query[PageIn],
    supplier_id: int | None = None,
    state: str | None = None,
):
    """Contracts by cursor (``Link`` / ``X-Next-Cursor`` headers; docs/integration.md)."""
    qs = selectors.contract_list(request.auth)
    if supplier_id:
        qs = qs.filter(supplier_id=supplier_id)
    return paginate(request, response, qs.filter(state=state) if state else qs, page, scope="contracts")


@router.post("/", response={201: ContractDetailOut})
def contract_create(request, payload: ContractIn):
    data = payload.dict()
    supplier = supplier_get(request.auth, data.pop("supplier_id"))
    contract = services.contract_create(supplier=supplier, actor=request.auth, **data)
    return Status(201, _detail(request.auth, contract))


@router.get("/{int:contract_id}", response=ContractDetailOut)
def contract_detail(request, contract_id: int):
    return selectors.contract_get(request.auth, contract_id)


@router.get("/{int:contract_id}/history", response=list[TransitionLogOut])
def contract_history(request, contract_id: int):
    return transition_log_for(selectors.contract_get(request.auth, contract_id))


@router.get("/{int:contract_id}/diff", response=list[LineChangeOut])
def contract_diff(request, contract_id: int, from_version: int | None = None, to_version: int | None = None):
    """Lines compared between two versions (default: the last two the caller may see)."""
    contract = selectors.contract_get(request.auth, contract_id)
    numbers = list(selectors.version_list(request.auth, contract).values_list("number", flat=True))
    if not numbers:
        raise NotFound(
            gettext("Contract %(number)s has no version to compare.") % {"number": contract.number}
        )
    to_version = to_version or numbers[-1]
    from_version = from_version or (numbers[-2] if len(numbers) > 1 else numbers[-1])
    old = selectors.version_get(request.auth, contract, from_version)
    new = selectors.version_get(request.auth, contract, to_version)
    return [
        {"item_code": c.item_code, "kind": c.kind, "fields": list(c.fields), "old": c.old, "new": c.new}
        for c in selectors.version_diff(old, new)
    ]


@router.get("/{int:contract_id}/pdf")
def contract_pdf(request, contract_id: int, version: int | None = None):
    contract = selectors.contract_get(request.auth, contract_id)
    number = version or (contract.current_version.number if contract.current_version_id else 1)
    ver = selectors.version_get(request.auth, contract, number)
    response = HttpResponse(render_contract_pdf(contract, ver), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, f"{contract.number}-v{ver.number}.pdf")
    return response


@router.get("/{int:contract_id}/lines", response=list[PriceLineOut])
def price_line_list(request, contract_id: int, version: int | None = None):
    """Lines of the version in force (or of ``version``)."""
    contract = selectors.contract_get(request.auth, contract_id)
    if version is None and contract.current_version_id is None:
        return []
    ver = selectors.version_get(request.auth, contract, version or contract.current_version.number)
    return list(ver.lines.all())


@router.post("/{int:contract_id}/lines", response={201: PriceLineOut})
def price_line_add(request, contract_id: int, payload: PriceLineIn):
    contract = selectors.contract_get(request.auth, contract_id)
    return Status(201, services.price_line_add(contract=contract, actor=request.auth, **payload.dict()))


@router.delete("/{int:contract_id}/lines/{int:line_id}", response={204: None})
def price_line_remove(request, contract_id: int, line_id: int):
    contract = selectors.contract_get(request.auth, contract_id)
    line = selectors.price_line_get(request.auth, contract, line_id)
    services.price_line_remove(line=line, actor=request.auth)
    return Status(204, None)


@router.post("/{int:contract_id}/{action}", response=ContractDetailOut)
def contract_action(request, contract_id: int, action: str, payload: ActionIn):
    contract = selectors.contract_get(request.auth, contract_id)
    contract = services.contract_transition(
        contract=contract, name=action, actor=request.auth, reason=payload.reason
    )
    return _detail(request.auth, selectors.contract_get(request.auth, contract.pk))
