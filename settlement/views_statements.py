"""Portal pages of statements, invoice plans and payments. Views read through selectors and write
through services only; domain errors become messages or 403/404 pages (core.middleware)."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.context import Context
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_fsm import has_transition_perm

from core import formatting
from core.chips import value_label
from core.errors import DomainError, NotFound, PermissionDenied
from core.listing import Column, Filter, ListSpec, id_url, list_response, table_row
from core.selectors import transition_log_for
from invoicing.selectors import invoice_get
from procurement.selectors import legal_entity_list
from suppliers.selectors import approved_bank_account_for_payment, supplier_get, supplier_list

from .models import StatementKind, StatementLine, StatementLineKind, StatementState, TermSource
from .pdf import invoice_plan_pdf, statement_pdf
from .selectors import statements as selectors
from .services import credit_notes, payments, statements, terms

# action → (service, reason required); each has its own URL (statement-<action>)
ACTIONS = {
    "send": (statements.statement_send, False),
    "confirm": (statements.statement_confirm, False),
    "dispute": (statements.statement_dispute, True),
    "revise": (statements.statement_revise, False),
    "approve": (statements.statement_approve, False),
    "cancel": (statements.statement_cancel, True),
}

STATEMENT_LIST = ListSpec(
    columns=(
        Column(
            "number",
            _("Number"),
            lambda s: s.number,
            sort="number",
            link=lambda s: reverse("statement-detail", args=[s.pk]),
        ),
        Column("kind", _("Kind"), lambda s: s.get_kind_display(), sort="kind"),
        Column("supplier", _("Supplier"), lambda s: s.supplier.name, sort="supplier__name"),
        Column("entity", _("Legal entity"), lambda s: s.legal_entity.name, sort="legal_entity__name"),
        Column("from", _("Period from"), lambda s: s.period_from, sort="period_from"),
        Column("to", _("Period to"), lambda s: s.period_to, sort="period_to"),
        Column(
            "total",
            _("Total"),
            lambda s: s.gross_total,
            sort="gross_total",
            numeric=True,
            currency=lambda s: s.currency,
        ),
        Column("currency", _("Currency"), lambda s: s.currency),
        Column("state", _("State"), lambda s: s.get_state_display(), sort="state"),
    ),
    filters=(
        Filter("q", _("Search"), "search", ("number", "supplier__name", "legal_entity__name")),
        Filter("state", _("State"), "choice", ("state",), choices=tuple(StatementState.choices)),
        Filter("kind", _("Kind"), "choice", ("kind",), choices=tuple(StatementKind.choices)),
        Filter("period_from", _("Period from"), "date_from", ("period_from",)),
        Filter("period_to", _("Period to"), "date_to", ("period_to",)),
    ),
    default_sort="-number",
    csv_name="statements",
)

PAYMENT_LIST = ListSpec(
    columns=(
        Column(
            "statement",
            _("Statement"),
            lambda p: p.statement.number if p.statement_id else "—",
            sort="statement__number",
            link=lambda p: reverse("statement-detail", args=[p.statement_id]) if p.statement_id else "",
        ),
        Column("supplier", _("Supplier"), lambda p: p.supplier.name, sort="supplier__name"),
        Column("paid_on", _("Paid on"), lambda p: p.paid_on, sort="paid_on"),
        Column(
            "amount",
            _("Amount"),
            lambda p: p.amount,
            sort="amount",
            numeric=True,
            currency=lambda p: p.currency,
        ),
        Column("currency", _("Currency"), lambda p: p.currency),
        Column("reference", _("Bank reference"), lambda p: p.bank_reference),
        Column("account", _("Account"), lambda p: f"{p.bank_name} ****{p.account_last4}"),
    ),
    filters=(
        Filter("q", _("Search"), "search", ("statement__number", "supplier__name", "bank_reference")),
        Filter("paid_from", _("Paid from"), "date_from", ("paid_on",)),
        Filter("paid_to", _("Paid to"), "date_to", ("paid_on",)),
    ),
    default_sort="-paid_on",
    csv_name="payments",
)


def _date(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DomainError(
            gettext("%(field)s must be a date (YYYY-MM-DD).") % {"field": field}, code="invalid_date"
        ) from None


def _require_finance(user) -> None:
    if not (user.is_finance or user.is_superuser):
        raise PermissionDenied(_("Only finance does this."))


@login_required
def statement_list(request):
    qs = selectors.statement_list(request.user)
    return list_response(request, qs, STATEMENT_LIST, "settlement/statement_list.html")


@login_required
def statement_create(request):
    _require_finance(request.user)
    if request.method == "POST":
        entity = legal_entity_list(request.user).filter(pk=request.POST.get("legal_entity") or 0).first()
        if entity is None:
            raise DomainError(_("Choose a legal entity."), code="legal_entity_required")
        supplier = supplier_get(request.user, int(request.POST.get("supplier") or 0))
        statement = statements.statement_create(
            kind=request.POST.get("kind", ""),
            supplier=supplier,
            legal_entity=entity,
            period_from=_date(request.POST.get("period_from"), "period_from"),
            period_to=_date(request.POST.get("period_to"), "period_to"),
            currency=request.POST.get("currency") or None,
            actor=request.user,
        )
        return redirect("statement-detail", statement_id=statement.pk)
    return render(
        request,
        "settlement/statement_new.html",
        {
            "kinds": StatementKind.choices,
            "suppliers": supplier_list(request.user).filter(state="approved").order_by("name"),
            "entities": legal_entity_list(request.user),
        },
    )


def _actions(statement, user) -> list[str]:
    names = {
        t.name
        for t in statement.get_available_state_transitions()
        if has_transition_perm(getattr(statement, t.name), user)
    }
    if statement.created_by_id == user.pk:
        names.discard("approve")  # four eyes (statements.statement_approve): another finance user
    return [a for a in ACTIONS if a in names]


@login_required
def statement_detail(request, statement_id: int):
    statement = selectors.statement_get(request.user, statement_id)
    user = request.user
    lines = list(selectors.statement_lines(statement).select_related(None))  # the page shows no invoice field
    is_finance = user.is_finance or user.is_superuser
    draft = statement.state == StatementState.DRAFT
    can_edit = is_finance and draft
    payment = statement.payment
    settled = [line for line in lines if line.kind != StatementLineKind.PLAN_INVOICE]
    plan_invoices = [line for line in lines if line.kind == StatementLineKind.PLAN_INVOICE]
    context = {
        "payments": list(statement.payments.select_related("run_line__run").order_by("paid_on", "id")),
        "is_finance": is_finance,
        "term_source": TermSource(statement.term_source).label if statement.term_source else "",
        "statement": statement,
        "lines": settled,
        "line_rows": statement_line_rows(
            statement, settled, remove_csrf=get_token(request) if can_edit else None
        ),
        "plan_invoices": plan_invoices,
        "plan_invoice_rows": plan_invoice_rows(statement, plan_invoices),
        "plan": getattr(statement, "invoice_plan", None),
        "payment": payment,
        "actions": _actions(statement, user),
        "reason_required": {name for name, (_, required) in ACTIONS.items() if required},
        "can_edit": can_edit,
        "addable": addable_options(selectors.invoices_addable(statement)[:200]) if can_edit else [],
        "can_pay": is_finance
        and statement.state == StatementState.APPROVED
        and payment is None
        and not statement.run_lines.filter(is_live=True).exists(),
        "bank_account": approved_bank_account_for_payment(statement.supplier_id)
        if is_finance and statement.state == StatementState.APPROVED
        else None,
        "history": transition_log_for(statement),
    }
    return render(request, "settlement/statement_detail.html", context)


def statement_line_rows(statement, lines, *, remove_csrf: str | None) -> list:
    """A statement's lines as table rows (core.listing.table_row): kind, reference (an invoice's
    links to it), date, description, quantity, unit price, tax rate, net, tax, total, and with
    ``remove_csrf`` (a draft finance edits: the request's CSRF token) a remove button."""
    context = Context()
    invoice_url = id_url("invoice-detail")
    remove_url = id_url("statement-line-remove", statement.pk)
    currency = statement.currency
    rows = []
    for line in lines:
        cells = [
            {"value": value_label(StatementLine, line.kind, "kind")},
            {"value": line.reference, "link": invoice_url(line.invoice_id)}
            if line.invoice_id
            else {"value": line.reference},
            {"value": formatting.day(line.date)},
            {"value": line.description},
            {"value": formatting.quantity(line.quantity) or "", "numeric": True},
            {"value": formatting.price(line.unit_price) or "", "numeric": True},
            {
                "value": line.rate_label
                if line.kind == StatementLineKind.RECEIPT or line.tax_rate is not None
                else ""
            },
            {"value": formatting.amount(line.net, currency), "numeric": True},
            {"value": formatting.amount(line.tax, currency), "numeric": True},
            {"value": formatting.amount(line.gross, currency), "numeric": True},
        ]
        if remove_csrf is not None:
            cells.append(
                {
                    "html": format_html(
                        '<form method="post" action="{}" class="inline"><input type="hidden" '
                        'name="csrfmiddlewaretoken" value="{}"><button type="submit" class="link">{}</button></form>',
                        remove_url(line.pk),
                        remove_csrf,
                        gettext("Remove"),
                    )
                }
            )
        rows.append(table_row(cells, context, css_class="" if line.is_live else "warn"))
    return rows


def plan_invoice_rows(statement, lines) -> list:
    """The invoices received against a statement's invoice plan, as table rows: the invoice (a
    link), its date, net, tax and total."""
    context = Context()
    invoice_url = id_url("invoice-detail")
    currency = statement.currency
    return [
        table_row(
            [
                {"value": line.reference, "link": invoice_url(line.invoice_id)},
                {"value": formatting.day(line.date)},
                {"value": formatting.amount(line.net, currency), "numeric": True},
                {"value": formatting.amount(line.tax, currency), "numeric": True},
                {"value": formatting.amount(line.gross, currency), "numeric": True},
            ],
            context,
        )
        for line in lines
    ]


def addable_options(invoices) -> list[tuple[int, str]]:
    """(id, "number · issue date · total") of the invoices a draft statement could add."""
    return [
        (pk, f"{number} · {formatting.day(issued)} · {formatting.amount(gross, currency)}")
        for pk, number, issued, gross, currency in invoices.values_list(
            "pk", "invoice_number", "issue_date", "gross_amount", "currency"
        )
    ]


@login_required
@require_POST
def statement_action(request, statement_id: int, action: str):
    statement = selectors.statement_get(request.user, statement_id)
    service, _required = ACTIONS[action]
    service(statement=statement, actor=request.user, reason=request.POST.get("reason", ""))
    return redirect("statement-detail", statement_id=statement.pk)


@login_required
@require_POST
def statement_invoice_add(request, statement_id: int):
    statement = selectors.statement_get(request.user, statement_id)
    _require_finance(request.user)
    invoice = invoice_get(request.user, int(request.POST.get("invoice") or 0))
    statements.statement_invoice_add(statement=statement, invoice=invoice, actor=request.user)
    return redirect("statement-detail", statement_id=statement.pk)


@login_required
@require_POST
def statement_deduction_add(request, statement_id: int):
    statement = selectors.statement_get(request.user, statement_id)
    statements.statement_deduction_add(
        statement=statement,
        amount=request.POST.get("amount", ""),
        reason=request.POST.get("reason", ""),
        actor=request.user,
    )
    return redirect("statement-detail", statement_id=statement.pk)


@login_required
@require_POST
def statement_gather(request, statement_id: int):
    statement = selectors.statement_get(request.user, statement_id)
    statements.statement_gather(statement=statement, actor=request.user)
    return redirect("statement-detail", statement_id=statement.pk)


@login_required
@require_POST
def statement_line_remove(request, statement_id: int, statement_line_id: int):
    statement = selectors.statement_get(request.user, statement_id)
    if not statement.lines.filter(pk=statement_line_id).exists():
        raise NotFound(
            gettext("Line %(statement_line_id)s not found.") % {"statement_line_id": statement_line_id}
        )
    statements.statement_line_remove(statement=statement, line_id=statement_line_id, actor=request.user)
    return redirect("statement-detail", statement_id=statement.pk)


@login_required
@require_POST
def statement_pay(request, statement_id: int):
    statement = selectors.statement_get(request.user, statement_id)
    payments.payment_record(
        statement=statement,
        amount=request.POST.get("amount", ""),
        paid_on=_date(request.POST.get("paid_on"), "paid_on"),
        bank_reference=request.POST.get("bank_reference", ""),
        actor=request.user,
    )
    return redirect("statement-detail", statement_id=statement.pk)


@login_required
@require_POST
def statement_hold(request, statement_id: int):
    statement = selectors.statement_get(request.user, statement_id)
    terms.statement_hold_set(
        statement=statement,
        on_hold=request.POST.get("on_hold") == "1",
        reason=request.POST.get("reason", ""),
        actor=request.user,
    )
    return redirect("statement-detail", statement_id=statement.pk)


def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response


@login_required
def statement_pdf_view(request, statement_id: int):
    statement = selectors.statement_get(request.user, statement_id)
    data = statement_pdf(statement, selectors.statement_lines(statement), payment=statement.payment)
    return _pdf_response(data, f"{statement.number}.pdf")


@login_required
def plan_detail(request, statement_id: int):
    plan = selectors.invoice_plan_get(request.user, statement_id)
    return render(
        request,
        "settlement/plan_detail.html",
        {
            "plan": plan,
            "statement": plan.statement,
            "rates": plan.rates.all(),
            "lines": selectors.invoice_plan_lines(plan),
            "invoices": selectors.invoice_plan_invoices(plan),
        },
    )


@login_required
def plan_pdf(request, statement_id: int):
    plan = selectors.invoice_plan_get(request.user, statement_id)
    return _pdf_response(
        invoice_plan_pdf(plan, selectors.invoice_plan_lines(plan)),
        f"{plan.statement.number}-invoice-plan.pdf",
    )


@login_required
def plan_csv(request, statement_id: int):
    plan = selectors.invoice_plan_get(request.user, statement_id)
    response = HttpResponse(
        "\ufeff" + selectors.invoice_plan_csv(plan), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(
        True, f"{plan.statement.number}-invoice-plan.csv"
    )
    return response


@login_required
def payment_list(request):
    qs = selectors.payment_list(request.user)
    return list_response(request, qs, PAYMENT_LIST, "settlement/payment_list.html")


CREDIT_NOTE_STATUS = {
    selectors.CREDIT_NOTE_WAITING: _("waits for its original invoice"),
    selectors.CREDIT_NOTE_OWED: _("owed back by the supplier (original paid)"),
    selectors.CREDIT_NOTE_ON_STATEMENT: _("on a statement"),
    selectors.CREDIT_NOTE_VOID: _("original rejected, cancelled or credited: nothing to settle"),
}


@login_required
def credit_note_list(request):
    """Open credit notes and the supplier balance (what suppliers owe back)."""
    rows = selectors.open_credit_notes(request.user)
    return render(
        request,
        "settlement/credit_note_list.html",
        {
            "rows": [(cn, status, CREDIT_NOTE_STATUS[status]) for cn, status in rows],
            "balances": selectors.supplier_balances(rows),
            "is_finance": request.user.is_finance or request.user.is_superuser,
        },
    )


@login_required
@require_POST
def credit_note_cancel(request, invoice_id: int):
    _require_finance(request.user)
    invoice = invoice_get(request.user, invoice_id)
    credit_notes.credit_note_cancel(
        credit_note_id=invoice.pk, actor=request.user, reason=request.POST.get("reason", "")
    )
    return redirect("credit-note-list")


@login_required
@require_POST
def credit_note_refund(request, invoice_id: int):
    _require_finance(request.user)
    invoice = invoice_get(request.user, invoice_id)
    credit_notes.credit_note_refund_record(
        credit_note_id=invoice.pk, actor=request.user, bank_reference=request.POST.get("bank_reference", "")
    )
    return redirect("credit-note-list")
