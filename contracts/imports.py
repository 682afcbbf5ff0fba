"""CSV imports of contract price lines: every row checked (form bounds, then the service's
rules) and either every row is stored or none (all-or-nothing), with a line-by-line report."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError

from .csv_rows import CsvRefused, RowError, read_rows
from .forms import PriceLineForm, field_for
from .models import Contract

PRICE_LINE_COLUMNS = ("item_code", "unit_price", "tax_rate")
PRICE_LINE_OPTIONAL = ("item_name", "unit", "valid_from", "valid_to", "quantity_cap")


@dataclass
class ImportReport:
    stored: int = 0
    errors: list[RowError] = field(default_factory=list)
    refusal: str = ""  # the whole file was refused (message)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.refusal


def refusal_message(exc: CsvRefused) -> str:
    messages = {
        "csv_too_large": _("The file is larger than %(max_bytes)s bytes."),
        "csv_encoding": _("The file is neither UTF-8 nor GB18030 text: save it as CSV (UTF-8)."),
        "csv_empty": _("The file has no data rows."),
        "csv_unreadable": _("The file is not a readable CSV file."),
        "csv_missing_columns": _("The header row lacks the column(s): %(columns)s."),
        "csv_unknown_columns": _("The header row has unknown column(s): %(columns)s."),
        "csv_too_many_rows": _("The file has more than %(max_rows)s rows: split it."),
    }
    return messages.get(exc.code, _("The file cannot be read.")) % exc.params


def form_row_errors(number: int, form) -> list[RowError]:
    errors = []
    for name, messages in form.errors.items():
        for message in messages:
            errors.append(RowError(number, name if name != "__all__" else "", "invalid", str(message)))
    return errors


def price_lines_import(*, contract: Contract, data: bytes, actor) -> ImportReport:
    from . import services

    report = ImportReport()
    try:
        rows = read_rows(data, required=PRICE_LINE_COLUMNS, optional=PRICE_LINE_OPTIONAL)
    except CsvRefused as exc:
        report.refusal = refusal_message(exc)
        return report
    with transaction.atomic():
        for number, row in rows:
            form = PriceLineForm(data=row)
            if not form.is_valid():
                report.errors.extend(form_row_errors(number, form))
                continue
            try:
                with transaction.atomic():
                    services.price_line_add(contract=contract, actor=actor, **form.cleaned_data)
                report.stored += 1
            except DomainError as exc:
                report.errors.append(RowError(number, field_for(exc) or "", exc.code, exc.message))
        if report.errors:
            transaction.set_rollback(True)
            report.stored = 0
    return report
