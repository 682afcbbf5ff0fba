from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.documents import panels_for_document
from core.errors import DomainError, NotFound, PermissionDenied
from core.listing import Column, Filter, ListSpec, list_response
from core.selectors import transition_log_for
from suppliers.models import PaymentTerm
from suppliers.selectors import supplier_get, supplier_list

from . import selectors, services
from .csv_rows import MAX_BYTES
from .forms import ContractForm, PriceLineForm, field_for
from .imports import PRICE_LINE_COLUMNS, PRICE_LINE_OPTIONAL, ImportReport, price_lines_import
from .models import ContractState, VersionState
from .pdf import render_contract_pdf


def _date(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DomainError(
            gettext("%(field)s is not a date.") % {"field": field}, code="invalid_date"
        ) from None


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


def _add_domain_error(form, exc: DomainError) -> None:
    field = field_for(exc)
    form.add_error(field if field in form.fields else None, exc.message)


@login_required
def contract_create(request):
    """The new-contract form; on any error it comes back with what was typed and the reason."""
    if not (request.user.is_buyer or request.user.is_superuser):
        raise PermissionDenied(gettext("Only buyers create contracts."))
    suppliers = supplier_list(request.user)
    terms = list(PaymentTerm.objects.filter(is_active=True))
    form = ContractForm(request.POST or None, suppliers=suppliers, terms=terms)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            supplier = supplier_get(request.user, data["supplier_id"])
            contract = services.contract_create(
                supplier=supplier,
                title=data["title"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                currency=data["currency"],
                payment_term=next((t for t in terms if t.pk == data["payment_term_id"]), None),
                actor=request.user,
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            _add_domain_error(form, exc)
        else:
            return redirect("contract-detail", contract_id=contract.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "contracts/new.html", {"form": form}, status=status)


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


def _detail_context(request, contract, *, line_form=None, unknown_item=None, import_report=None) -> dict:
    versions = list(selectors.version_list(request.user, contract))
    waiting = services.draft_version(contract) if request.user.is_internal else None
    shown = waiting or contract.current_version or (versions[-1] if versions else None)
    editable = bool(waiting and waiting.is_editable and (request.user.is_buyer or request.user.is_superuser))
    return {
        "contract": contract,
        "versions": versions,
        "shown": shown,
        "lines": shown.lines.all() if shown else [],
        "editable": editable,
        "line_form": line_form or (PriceLineForm() if editable else None),
        "unknown_item": unknown_item,
        "import_report": import_report,
        "import_columns": ", ".join(PRICE_LINE_COLUMNS + PRICE_LINE_OPTIONAL),
        "actions": _actions(request.user, contract, waiting),
        "reason_required": services.REASON_REQUIRED,
        "history": transition_log_for(contract),
        "panels": panels_for_document(request.user, contract),
    }


@login_required
def contract_detail(request, contract_id: int):
    contract = selectors.contract_get(request.user, contract_id)
    return render(request, "contracts/detail.html", _detail_context(request, contract))


@login_required
@require_POST
def price_line_add(request, contract_id: int):
    """Add a price line; on any error the contract page comes back with the line form as typed.
    An item code the item master lacks is refused with an offer to create the item."""
    contract = selectors.contract_get(request.user, contract_id)
    form = PriceLineForm(request.POST)
    unknown_item = None
    if form.is_valid():
        try:
            services.price_line_add(contract=contract, actor=request.user, **form.cleaned_data)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            if exc.code == "unknown_item":
                unknown_item = _unknown_item_offer(request, contract, dict(form.cleaned_data))
            _add_domain_error(form, exc)
        else:
            messages.success(request, gettext("Price line added."))
            return redirect(reverse("contract-detail", args=[contract.pk]) + "#lines")
    context = _detail_context(request, contract, line_form=form, unknown_item=unknown_item)
    return render(request, "contracts/detail.html", context, status=400)


def _unknown_item_offer(request, contract, data) -> dict | None:
    """Where a buyer creates the missing item, coming back to this contract afterwards."""
    if not (request.user.is_buyer or request.user.is_superuser):
        return None
    query = urlencode(
        {
            "code": data.get("item_code", ""),
            "name": data.get("item_name", ""),
            "unit": data.get("unit", ""),
            "next": reverse("contract-detail", args=[contract.pk]) + "#lines",
        }
    )
    return {"code": data.get("item_code", ""), "url": f"{reverse('item-create')}?{query}"}


@login_required
@require_POST
def price_line_import(request, contract_id: int):
    """CSV of price lines: all rows stored, or none with the reason per row and column."""
    contract = selectors.contract_get(request.user, contract_id)
    if not (request.user.is_buyer or request.user.is_superuser):
        raise PermissionDenied(gettext("Only buyers manage contracts."))
    upload = request.FILES.get("file")
    if upload is None:
        report = ImportReport(refusal=gettext("Choose a CSV file to import."))
    elif upload.size > MAX_BYTES:
        report = ImportReport(
            refusal=gettext("The file is larger than %(max_bytes)s bytes.") % {"max_bytes": MAX_BYTES}
        )
    else:
        report = price_lines_import(contract=contract, data=upload.read(), actor=request.user)
    if report.ok:
        messages.success(
            request,
            ngettext("%(count)s price line imported.", "%(count)s price lines imported.", report.stored)
            % {"count": report.stored},
        )
        return redirect(reverse("contract-detail", args=[contract.pk]) + "#lines")
    context = _detail_context(request, contract, import_report=report)
    return render(request, "contracts/detail.html", context, status=400)


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
        raise DomainError(gettext("Choose two versions to compare."), code="invalid_version") from None
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
        raise DomainError(gettext("This contract has no version to print yet."), code="no_version")
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
