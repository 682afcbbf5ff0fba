"""Payment-run pages: propose, review (amounts, remove), approve, export (pain.001 XML, CSV),
confirm paid, cancel. Thin: selectors read, services write."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.listing import Column, Filter, ListSpec, list_response
from core.selectors import transition_log_for
from procurement.selectors import legal_entity_list

from .models import PaymentRunState
from .selectors.runs import payment_run_get, payment_run_list
from .services import runs
from .views_statements import _date, _require_finance

SKIP_REASONS = {
    "statement_on_hold": _("payment on hold"),
    "invoice_on_hold": _("an invoice on it is on hold"),
    "in_another_run": _("already in another payment run"),
    "bank_account_not_approved": _("no finance-approved bank account"),
    "nothing_open": _("nothing left to pay"),
    "credits_exceed_invoices": _("its credit notes take the payment to nothing"),
}

RUN_LIST = ListSpec(
    columns=(
        Column(
            "number",
            _("Number"),
            lambda r: r.number,
            sort="number",
            link=lambda r: reverse("payment-run-detail", args=[r.pk]),
        ),
        Column("entity", _("Legal entity"), lambda r: r.legal_entity.name, sort="legal_entity__name"),
        Column("due_by", _("Due up to"), lambda r: r.due_by, sort="due_by"),
        Column("date", _("Payment date"), lambda r: r.execution_date, sort="execution_date"),
        Column(
            "total", _("Total"), lambda r: r.total, sort="total", numeric=True, currency=lambda r: r.currency
        ),
        Column("currency", _("Currency"), lambda r: r.currency),
        Column("state", _("State"), lambda r: r.get_state_display(), sort="state"),
        Column("proposed_by", _("Proposed by"), lambda r: r.proposed_by.username),
    ),
    filters=(
        Filter("q", _("Search"), "search", ("number", "legal_entity__name")),
        Filter("state", _("State"), "choice", ("state",), choices=tuple(PaymentRunState.choices)),
    ),
    default_sort="-number",
    csv_name="payment-runs",
)


@login_required
def payment_run_list_view(request):
    _require_finance(request.user)
    return list_response(
        request, payment_run_list(request.user), RUN_LIST, "settlement/payment_run_list.html"
    )


@login_required
def payment_run_new(request):
    _require_finance(request.user)
    entities = legal_entity_list(request.user)
    if request.method == "POST":
        entity = entities.filter(pk=request.POST.get("legal_entity") or 0).first()
        if entity is None:
            raise DomainError(gettext("Choose a legal entity."), code="legal_entity_required")
        run = runs.payment_run_propose(
            legal_entity=entity,
            currency=request.POST.get("currency") or entity.default_currency or "CNY",
            due_by=_date(request.POST.get("due_by"), "due_by"),
            execution_date=_date(request.POST.get("execution_date"), "execution_date"),
            actor=request.user,
        )
        return redirect("payment-run-detail", run_id=run.pk)
    return render(
        request,
        "settlement/payment_run_new.html",
        {"entities": entities, "today": timezone.localdate()},
    )


@login_required
def payment_run_detail(request, run_id: int):
    run = payment_run_get(request.user, run_id)
    user = request.user
    approved_by = list(run.approvals.select_related("user").order_by("at"))
    can_approve = (
        run.state in (PaymentRunState.PROPOSED, PaymentRunState.IN_APPROVAL)
        and run.proposed_by_id != user.pk
        and all(a.user_id != user.pk for a in approved_by)
    )
    context = {
        "run": run,
        "groups": runs.grouped_transfers(run) if run.state != PaymentRunState.PAID else [],
        "lines": list(
            run.lines.select_related("statement", "supplier", "bank_account", "payment", "discount_term")
            .prefetch_related("invoice_links__invoice")
            .order_by("supplier__name", "id")
        ),
        "skipped": [
            {
                **row,
                "document": row.get("statement") or row.get("document", ""),
                "reason": SKIP_REASONS.get(row.get("code"), row.get("code")),
            }
            for row in run.skipped
        ],
        "approved_by": approved_by,
        "can_approve": can_approve,
        "can_export": run.state in (PaymentRunState.APPROVED, PaymentRunState.EXPORTED),
        "can_cancel": run.state
        in (PaymentRunState.PROPOSED, PaymentRunState.IN_APPROVAL, PaymentRunState.APPROVED),
        "threshold": runs.second_approval_above(),
        "history": transition_log_for(run),
    }
    return render(request, "settlement/payment_run_detail.html", context)


@login_required
@require_POST
def payment_run_line_amount(request, run_id: int, run_line_id: int):
    run = payment_run_get(request.user, run_id)
    runs.payment_run_line_amount(
        run=run, line_id=run_line_id, amount=request.POST.get("amount", ""), actor=request.user
    )
    return redirect("payment-run-detail", run_id=run.pk)


@login_required
@require_POST
def payment_run_line_discount(request, run_id: int, run_line_id: int):
    run = payment_run_get(request.user, run_id)
    runs.payment_run_line_discount(
        run=run,
        line_id=run_line_id,
        take=request.POST.get("take") == "1",
        reason=request.POST.get("reason", ""),
        actor=request.user,
    )
    return redirect("payment-run-detail", run_id=run.pk)


@login_required
@require_POST
def payment_run_line_remove(request, run_id: int, run_line_id: int):
    run = payment_run_get(request.user, run_id)
    runs.payment_run_line_remove(run=run, line_id=run_line_id, actor=request.user)
    return redirect("payment-run-detail", run_id=run.pk)


@login_required
@require_POST
def payment_run_approve(request, run_id: int):
    run = payment_run_get(request.user, run_id)
    runs.payment_run_approve(run=run, actor=request.user, reason=request.POST.get("reason", ""))
    return redirect("payment-run-detail", run_id=run.pk)


@login_required
@require_POST
def payment_run_cancel(request, run_id: int):
    run = payment_run_get(request.user, run_id)
    runs.payment_run_cancel(run=run, reason=request.POST.get("reason", ""), actor=request.user)
    return redirect("payment-run-detail", run_id=run.pk)


@login_required
@require_POST
def payment_run_confirm(request, run_id: int):
    run = payment_run_get(request.user, run_id)
    runs.payment_run_confirm_paid(
        run=run,
        bank_reference=request.POST.get("bank_reference", ""),
        paid_on=_date(request.POST.get("paid_on"), "paid_on"),
        actor=request.user,
    )
    return redirect("payment-run-detail", run_id=run.pk)


@login_required
@require_POST
def payment_run_export(request, run_id: int, kind: str):
    """POST: exporting is a step in the run's history (approved → sent to the bank)."""
    run = payment_run_get(request.user, run_id)
    if kind == "xml":
        data = runs.payment_run_export_xml(run=run, actor=request.user)
        response = HttpResponse(data, content_type="application/xml")
        name = f"{run.number}-pain.001.001.03.xml"
    else:
        data = "\ufeff" + runs.payment_run_export_csv(run=run, actor=request.user)
        response = HttpResponse(data, content_type="text/csv; charset=utf-8")
        name = f"{run.number}.csv"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
