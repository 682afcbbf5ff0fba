"""Reports by due date: aging, cash forecast per week, days payable outstanding. Each chart has
its table, and each table its CSV (``?format=csv&table=aging|forecast|dpo``)."""

from __future__ import annotations

import csv
import io

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core import bounds
from core.charts import column_chart
from core.listing import csv_cell

from . import due


def _csv(name: str, header: list[str], rows: list[list]) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{name}.csv")
    return response


@login_required
def due_reports(request):
    currency = bounds.currency(request.GET.get("currency") or "CNY")
    aging = due.aging_by_due_date(request.user, currency=currency)
    forecast = due.payments_due_per_week(request.user, currency=currency)
    dpo = due.days_payable_outstanding(request.user, currency=currency)
    table = request.GET.get("table", "")
    if request.GET.get("format") == "csv":
        if table == "forecast":
            return _csv(
                f"cash-forecast-{currency}",
                ["week_from", "invoices", "statements", "total", "currency"],
                [
                    [r["week"].isoformat(), r["invoices"], r["statements"], r["total"], currency]
                    for r in forecast["rows"]
                ],
            )
        if table == "dpo":
            return _csv(
                f"days-payable-{currency}",
                ["month", "weighted_days_to_pay", "paid", "invoices", "currency"],
                [
                    [r["month"], r["days"] if r["days"] is not None else "", r["paid"], r["count"], currency]
                    for r in dpo["rows"]
                ],
            )
        return _csv(
            f"aging-by-due-date-{currency}",
            ["bucket", "invoices", "invoice_count", "statements", "statement_count", "currency"],
            [
                [
                    r["label"],
                    r["invoices"],
                    r["invoice_count"],
                    r["statements"],
                    r["statement_count"],
                    currency,
                ]
                for r in aging["rows"]
            ],
        )
    charts = {  # core.charts escapes every text it draws
        "aging": mark_safe(  # noqa: S308
            column_chart(
                [r["label"] for r in aging["rows"]],
                [
                    (_("approved invoices not on a statement"), [r["invoices"] for r in aging["rows"]]),
                    (_("statements (open amount)"), [r["statements"] for r in aging["rows"]]),
                ],
                title=_("Open payables by due date (%(currency)s)") % {"currency": currency},
                id_prefix="due-aging-",
            )
        ),
        "forecast": mark_safe(  # noqa: S308
            column_chart(
                [r["week"].strftime("%m-%d") for r in forecast["rows"]],
                [
                    (_("invoices"), [r["invoices"] for r in forecast["rows"]]),
                    (_("statements"), [r["statements"] for r in forecast["rows"]]),
                ],
                title=_("Payments due per week (%(currency)s)") % {"currency": currency},
                id_prefix="due-forecast-",
            )
        ),
        "dpo": mark_safe(  # noqa: S308
            column_chart(
                [r["month"][2:] for r in dpo["rows"]],
                [(_("days from invoice date to payment"), [r["days"] or 0 for r in dpo["rows"]])],
                title=_("Days to pay, weighted by amount"),
                id_prefix="due-dpo-",
            )
        ),
    }
    return render(
        request,
        "reports/due.html",
        {"aging": aging, "forecast": forecast, "dpo": dpo, "charts": charts, "currency": currency},
    )
