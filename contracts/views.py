from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.errors import DomainError, PermissionDenied
from core.listing import Column, Filter, ListSpec, list_response
from core.selectors import transition_log_for
from suppliers.selectors import supplier_get, supplier_list

from . import selectors, services
from .models import ContractState, VersionState
from .pdf import render_contract_pdf


def _date(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DomainError(f"{field} is not a date.", code="invalid_date") from None


CONTRACT_LIST = ListSpec(
    columns=(
        Column(
            "number",
            _("Number"),
            lambda c: c.number,
            sort="number",
            link=lambda c: reverse("contract-detail", args=[c.pk]),
        ),
        Column("title", _("Title"), lambda c: c.title, sort="title"),
        Column("supplier", _("Supplier"), lambda c: c.supplier.name, sort="supplier__name"),
        Column("valid_from", _("Valid from"), lambda c: c.valid_from, sort="valid_from"),
        Column("valid_to", _("Valid to"), lambda c: c.valid_to, sort="valid_to"),
        Column("state", _("State"), lambda c: c.get_state_display(), sort="state"),
    ),
    filters=(
        Filter("q", _("Search"), "search", ("number", "title", "supplier__name")),
        Filter("state", _("State"), "choice", ("state",), choices=tuple(ContractState.choices)),
        Filter("ends_from", _("Ends from"), "date_from", ("valid_to",)),
        Filter("ends_to", _("Ends by"), "date_to", ("valid_to",)),
    ),
    default_sort="-valid_to",
    csv_name="contracts",
)


@login_required
def contract_list(request):
    contracts = selectors.contract_list(request.user)
    return list_response(request, contracts, CONTRACT_LIST, "contracts/list.html")


@login_required
def contract_create(request):
    if not (request.user.is_buyer or request.user.is_superuser):
        raise PermissionDenied("Only buyers create contracts.")
    if request.method == "POST":
        supplier = supplier_get(request.user, int(request.POST.get("supplier_id") or 0))
        contract = services.contract_create(
            supplier=supplier,
            title=request.POST.get("title", ""),
            valid_from=_date(request.POST.get("valid_from", ""), "Valid from"),
            valid_to=_date(request.POST.get("valid_to", ""), "Valid to"),
            currency=request.POST.get("currency", "CNY"),
            actor=request.user,
        )
        return redirect("contract-detail", contract_id=contract.pk)
    return render(request, "contracts/new.html", {"suppliers": supplier_list(request.user)})


def _actions(user, contract, waiting):
    if not (user.is_buyer or user.is_superuser):
        return []
    actions = []
    if waiting is not None and waiting.state == VersionState.DRAFT:
        actions.append("submit")
    if waiting is not None and waiting.state == VersionState.IN_APPROVAL:
        if user.pk != waiting.created_by_id:
            actions.append("approve")
        actions.append("reject")
    if contract.state == ContractState.ACTIVE:
        if waiting is None:
            actions.append("amend")
        actions.append("terminate")
    return actions


@login_required
def contract_detail(request, contract_id: int):
    contract = selectors.contract_get(request.user, contract_id)
    versions = list(selectors.version_list(request.user, contract))
    waiting = services.draft_version(contract) if request.user.is_internal else None
    shown = waiting or contract.current_version or (versions[-1] if versions else None)
    return render(
        request,
        "contracts/detail.html",
        {
            "contract": contract,
            "versions": versions,
            "shown": shown,
            "lines": shown.lines.all() if shown else [],
            "editable": bool(waiting and waiting.is_editable and request.user.is_buyer),
            "actions": _actions(request.user, contract, waiting),
            "reason_required": services.REASON_REQUIRED,
            "history": transition_log_for(contract),
        },
    )


@login_required
@require_POST
def price_line_add(request, contract_id: int):
    contract = selectors.contract_get(request.user, contract_id)
    services.price_line_add(
        contract=contract,
        item_code=request.POST.get("item_code", ""),
        item_name=request.POST.get("item_name", ""),
        unit_price=request.POST.get("unit_price", ""),
        tax_rate=request.POST.get("tax_rate", ""),
        unit=request.POST.get("unit", "EA"),
        valid_from=_date(request.POST.get("valid_from", ""), "Valid from"),
        valid_to=_date(request.POST.get("valid_to", ""), "Valid to"),
        quantity_cap=request.POST.get("quantity_cap") or None,
        actor=request.user,
    )
    return redirect("contract-detail", contract_id=contract.pk)


@login_required
@require_POST
def price_line_remove(request, contract_id: int, line_id: int):
    contract = selectors.contract_get(request.user, contract_id)
    line = selectors.price_line_get(request.user, contract, line_id)
    services.price_line_remove(line=line, actor=request.user)
    return redirect("contract-detail", contract_id=contract.pk)


@login_required
def contract_diff(request, contract_id: int):
    contract = selectors.contract_get(request.user, contract_id)
    versions = list(selectors.version_list(request.user, contract))
    numbers = [v.number for v in versions]
    try:
        a = int(request.GET.get("from") or (numbers[-2] if len(numbers) > 1 else numbers[0]))
        b = int(request.GET.get("to") or numbers[-1])
    except (ValueError, IndexError):
        raise DomainError("Choose two versions to compare.", code="invalid_version") from None
    old = selectors.version_get(request.user, contract, a)
    new = selectors.version_get(request.user, contract, b)
    return render(
        request,
        "contracts/diff.html",
        {
            "contract": contract,
            "versions": versions,
            "old": old,
            "new": new,
            "changes": selectors.version_diff(old, new),
        },
    )


@login_required
def contract_pdf(request, contract_id: int):
    contract = selectors.contract_get(request.user, contract_id)
    versions = list(selectors.version_list(request.user, contract))
    if not versions:
        raise DomainError("This contract has no version to print yet.", code="no_version")
    number = request.GET.get("version")
    version = (
        selectors.version_get(request.user, contract, int(number))
        if number and number.isdigit()
        else contract.current_version or versions[-1]
    )
    response = HttpResponse(render_contract_pdf(contract, version), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        False, f"{contract.number}-v{version.number}.pdf"
    )
    return response


@login_required
@require_POST
def contract_action(request, contract_id: int, action: str):
    contract = selectors.contract_get(request.user, contract_id)
    services.contract_transition(
        contract=contract, name=action, actor=request.user, reason=request.POST.get("reason", "")
    )
    return redirect("contract-detail", contract_id=contract.pk)
