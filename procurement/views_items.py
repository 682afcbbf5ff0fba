"""Portal pages of the item master: items (list, create, edit, CSV import), categories and
units. Everyone inside the organisation reads them; buyers change them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.errors import DomainError, NotFound, PermissionDenied
from core.listing import Column, Filter, ListSpec, list_response

from .forms_items import CategoryForm, ItemForm, UnitForm
from .models import Item, ItemCategory, TaxRate, Unit
from .services.items import ITEM_COLUMNS, ITEM_OPTIONAL, category_save, item_save, items_import, unit_save


def _may_read(user) -> bool:
    return bool(user.is_authenticated and user.is_active and not user.is_supplier_user)


def _may_manage(user) -> bool:
    return bool(user.is_active and (user.is_buyer or user.is_superuser))


def _require_reader(user) -> None:
    if not _may_read(user):
        raise PermissionDenied(gettext("The item master is internal to the buying organisation."))


def _require_manager(user) -> None:
    if not _may_manage(user):
        raise PermissionDenied(gettext("Only buyers manage the item master."))


def _form_error(form, exc: DomainError) -> None:
    field = (exc.details or {}).get("field")
    form.add_error(field if field in form.fields else None, exc.message)


def _item_spec() -> ListSpec:
    return ListSpec(
        columns=(
            Column(
                "code",
                _("Code"),
                lambda i: i.code,
                sort="code",
                link=lambda i: reverse("item-edit", args=[i.pk]),
            ),
            Column("name", _("Name"), lambda i: i.name, sort="name"),
            Column("unit", _("Unit"), lambda i: i.unit, sort="unit"),
            Column("tax", _("Default tax rate"), lambda i: i.get_default_tax_rate_display()),
            Column("category", _("Category"), lambda i: i.category, sort="category"),
            Column("service", _("Service"), lambda i: gettext("yes") if i.is_service else gettext("no")),
        ),
        filters=(
            Filter("q", _("Search"), "search", ("code", "name")),
            Filter(
                "category",
                _("Category"),
                "choice",
                ("category",),
                choices=tuple((c, c) for c in ItemCategory.objects.values_list("name", flat=True)),
            ),
        ),
        default_sort="code",
        page_size=50,
        csv_name="items",
    )


@login_required
def item_list(request):
    _require_reader(request.user)
    return list_response(request, Item.objects.all(), _item_spec(), "procurement/items.html")


@login_required
def item_create(request):
    _require_manager(request.user)
    initial = {k: request.GET.get(k, "") for k in ("code", "name", "unit", "category")}
    initial["default_tax_rate"] = TaxRate.R13
    form = ItemForm(request.POST or None, initial=initial)
    back = _next(request)
    if request.method == "POST" and form.is_valid():
        try:
            item = item_save(actor=request.user, **form.cleaned_data)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, gettext("Item %(code)s created.") % {"code": item.code})
            return redirect(back or "item-list")
    return render(
        request,
        "procurement/item_form.html",
        {"form": form, "item": None, "next": back},
        status=400 if request.method == "POST" else 200,
    )


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) and target.startswith(
        "/"
    )
    return target if safe else ""


def _item(user, item_id: int) -> Item:
    item = Item.objects.filter(pk=item_id).first() if _may_read(user) else None
    if item is None:
        raise NotFound(gettext("Item %(item_id)s not found.") % {"item_id": item_id})
    return item


@login_required
def item_edit(request, item_id: int):
    item = _item(request.user, item_id)
    if request.method == "POST":
        _require_manager(request.user)
    initial = {
        "code": item.code,
        "name": item.name,
        "unit": item.unit,
        "category": item.category,
        "default_tax_rate": item.default_tax_rate,
        "is_service": item.is_service,
    }
    form = ItemForm(request.POST or None, initial=initial, editing=item)
    if request.method == "POST" and form.is_valid():
        try:
            item_save(actor=request.user, item=item, **form.cleaned_data)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, gettext("Item %(code)s saved.") % {"code": item.code})
            return redirect("item-list")
    history = item.history.select_related("history_user").order_by("-history_date")[:20]
    return render(
        request,
        "procurement/item_form.html",
        {"form": form, "item": item, "history": history, "can_manage": _may_manage(request.user)},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def item_import(request):
    _require_manager(request.user)
    report = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            from contracts.imports import ImportReport

            report = ImportReport(refusal=gettext("Choose a CSV file to import."))
        else:
            report = items_import(actor=request.user, data=upload.read(2 * 1024 * 1024 + 1))
        if report.ok:
            messages.success(
                request,
                ngettext("%(count)s item imported.", "%(count)s items imported.", report.stored)
                % {"count": report.stored},
            )
            return redirect("item-list")
    return render(
        request,
        "procurement/item_import.html",
        {"report": report, "columns": ", ".join(ITEM_COLUMNS + ITEM_OPTIONAL)},
        status=400 if report is not None else 200,
    )


@login_required
def category_list(request):
    _require_reader(request.user)
    form = CategoryForm(request.POST or None)
    if request.method == "POST":
        _require_manager(request.user)
        if form.is_valid():
            try:
                category = category_save(actor=request.user, **form.cleaned_data)
            except (NotFound, PermissionDenied):
                raise
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, gettext("Category %(name)s added.") % {"name": category.name})
                return redirect("item-category-list")
    return render(
        request,
        "procurement/categories.html",
        {"categories": ItemCategory.objects.all(), "form": form, "can_manage": _may_manage(request.user)},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def category_edit(request, category_id: int):
    _require_reader(request.user)
    category = ItemCategory.objects.filter(pk=category_id).first()
    if category is None:
        raise NotFound(gettext("Category %(category_id)s not found.") % {"category_id": category_id})
    form = CategoryForm(
        request.POST or None, initial={"name": category.name, "description": category.description}
    )
    if request.method == "POST":
        _require_manager(request.user)
        if form.is_valid():
            try:
                category_save(actor=request.user, category=category, **form.cleaned_data)
            except (NotFound, PermissionDenied):
                raise
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, gettext("Category saved."))
                return redirect("item-category-list")
    return render(
        request,
        "procurement/category_form.html",
        {"form": form, "category": category, "can_manage": _may_manage(request.user)},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def unit_list(request):
    _require_reader(request.user)
    form = UnitForm(request.POST or None)
    if request.method == "POST":
        _require_manager(request.user)
        if form.is_valid():
            try:
                unit = unit_save(actor=request.user, **form.cleaned_data)
            except (NotFound, PermissionDenied):
                raise
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, gettext("Unit %(code)s added.") % {"code": unit.code})
                return redirect("unit-list")
    return render(
        request,
        "procurement/units.html",
        {"units": Unit.objects.all(), "form": form, "can_manage": _may_manage(request.user)},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def unit_edit(request, unit_id: int):
    _require_reader(request.user)
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise NotFound(gettext("Unit %(unit_id)s not found.") % {"unit_id": unit_id})
    _require_manager(request.user)
    form = UnitForm(request.POST, initial={"code": unit.code}, editing=unit)
    if form.is_valid():
        unit_save(actor=request.user, unit=unit, code=unit.code, name=form.cleaned_data["name"])
        messages.success(request, gettext("Unit %(code)s saved.") % {"code": unit.code})
    else:
        messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("unit-list")
