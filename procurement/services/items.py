"""The item master: items, their categories (known by name) and units of measure. Buyers
manage them in the portal; a CSV import creates or updates items all-or-nothing."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError, PermissionDenied

from ..models import Item, ItemCategory, Unit


def require_item_manager(actor) -> None:
    if not (actor and actor.is_active and (actor.is_buyer or actor.is_superuser)):
        raise PermissionDenied(_("Only buyers manage the item master."), code="not_item_manager")


def _check_refs(*, unit: str, category: str) -> None:
    if not Unit.objects.filter(code=unit).exists():
        raise DomainError(
            _("%(unit)s is not a unit of measure: add it on the units page first.") % {"unit": unit},
            code="unknown_unit",
            details={"field": "unit", "unit": unit},
        )
    if category and not ItemCategory.objects.filter(name=category).exists():
        raise DomainError(
            _("%(category)s is not an item category: add it on the categories page first.")
            % {"category": category},
            code="unknown_category",
            details={"field": "category", "category": category},
        )


def item_save(*, actor, item: Item | None = None, **fields) -> Item:
    """Create an item (``item`` None) or change one; the code of an existing item never changes
    (contracts and documents refer to it)."""
    require_item_manager(actor)
    fields = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    _check_refs(unit=fields.get("unit", ""), category=fields.get("category", ""))
    with transaction.atomic():
        if item is None:
            code = fields.pop("code")
            if Item.objects.filter(code__iexact=code).exists():
                raise DomainError(
                    _("Item %(code)s already exists.") % {"code": code},
                    code="duplicate_item",
                    details={"field": "code", "code": code},
                )
            item = Item(code=code)
        else:
            item = Item.objects.select_for_update().get(pk=item.pk)
            fields.pop("code", None)
        for name, value in fields.items():
            setattr(item, name, value)
        item._history_user = actor
        item.save()
        return item


def category_save(
    *, actor, name: str, description: str = "", category: ItemCategory | None = None
) -> ItemCategory:
    """Create or rename a category; a rename carries its items along."""
    require_item_manager(actor)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("A category needs a name."), code="name_required", details={"field": "name"})
    with transaction.atomic():
        clash = ItemCategory.objects.filter(name__iexact=name)
        if category is not None:
            clash = clash.exclude(pk=category.pk)
        if clash.exists():
            raise DomainError(
                _("Category %(name)s already exists.") % {"name": name},
                code="duplicate_category",
                details={"field": "name"},
            )
        if category is None:
            category = ItemCategory(name=name, description=description.strip())
        else:
            category = ItemCategory.objects.select_for_update().get(pk=category.pk)
            old = category.name
            category.name, category.description = name, description.strip()
            if old != name:
                Item.objects.filter(category=old).update(category=name)
        category._history_user = actor
        category.save()
        return category


def unit_save(*, actor, code: str, name: str, unit: Unit | None = None) -> Unit:
    """Create a unit, or rename one (its code stays: items and documents carry it)."""
    require_item_manager(actor)
    code, name = (code or "").strip(), (name or "").strip()
    if not name:
        raise DomainError(_("A unit needs a name."), code="name_required", details={"field": "name"})
    with transaction.atomic():
        if unit is None:
            if Unit.objects.filter(code__iexact=code).exists():
                raise DomainError(
                    _("Unit %(code)s already exists.") % {"code": code},
                    code="duplicate_unit",
                    details={"field": "code"},
                )
            unit = Unit(code=code, name=name)
        else:
            unit = Unit.objects.select_for_update().get(pk=unit.pk)
            unit.name = name
        unit._history_user = actor
        unit.save()
        return unit


ITEM_COLUMNS = ("code", "name", "unit")
ITEM_OPTIONAL = ("category", "default_tax_rate", "is_service")


def items_import(*, actor, data: bytes):
    """Create or update items from a CSV file: every row is stored, or none (any error rolls
    the whole file back); the report names each bad row and column."""
    from contracts.csv_rows import CsvRefused, RowError, read_rows
    from contracts.imports import ImportReport, form_row_errors, refusal_message

    from ..forms_items import ItemImportRowForm

    require_item_manager(actor)
    report = ImportReport()
    try:
        rows = read_rows(data, required=ITEM_COLUMNS, optional=ITEM_OPTIONAL)
    except CsvRefused as exc:
        report.refusal = refusal_message(exc)
        return report
    seen: dict[str, int] = {}
    with transaction.atomic():
        for number, row in rows:
            form = ItemImportRowForm(data=row)
            if not form.is_valid():
                report.errors.extend(form_row_errors(number, form))
                continue
            fields = form.cleaned_data
            key = fields["code"].upper()
            if key in seen:
                report.errors.append(
                    RowError(
                        number,
                        "code",
                        "duplicate_item",
                        _("Item %(code)s is already in row %(row)s of this file.")
                        % {"code": fields["code"], "row": seen[key]},
                    )
                )
                continue
            seen[key] = number
            existing = Item.objects.filter(code__iexact=fields["code"]).first()
            try:
                with transaction.atomic():
                    item_save(actor=actor, item=existing, **fields)
                report.stored += 1
            except DomainError as exc:
                column = (exc.details or {}).get("field", "")
                report.errors.append(RowError(number, column, exc.code, exc.message))
        if report.errors:
            transaction.set_rollback(True)
            report.stored = 0
    return report
