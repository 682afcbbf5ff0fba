"""Portal pages of matching: finance's exception desk, one invoice's match explanation with the
desk actions, the supplier's match status list, and the panel on the invoice page. Reads go
through selectors, writes through services; refusals become messages (core.middleware)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.template.base import render_value_in_context
from django.template.context import Context
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import formatting
from core.chips import chip_html, value_label
from core.errors import PermissionDenied
from core.home import Panel
from core.listing import id_url, table_row
from core.selectors import transition_log_for
from procurement.selectors import legal_entity_list
from suppliers.selectors import supplier_list

from .matching import reason_label
from .matching.reason_labels import reason_choices
from .models import CaseState, CommentFrom, ExceptionCase
from .models.matching import days_open
from .selectors import matching as selectors
from .services import approvals
from .services import exceptions as desk


def _int(value) -> int | None:
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


@login_required
def exception_desk(request):
    if not selectors.can_work_desk(request.user):
        raise PermissionDenied(_("Only finance works the exception desk."))
    filters = {
        "bucket": request.GET.get("bucket", ""),
        "state": request.GET.get("state", ""),
        "supplier_id": _int(request.GET.get("supplier")),
        "legal_entity_id": _int(request.GET.get("legal_entity")),
        "reason": request.GET.get("reason", ""),
    }
    cases = selectors.exception_case_list(request.user, **filters)
    paginator = Paginator(cases.values_list(*DESK_FIELDS), 50)
    paginator.count = cases.order_by().count()  # counted without the rows' joins
    page = paginator.get_page(request.GET.get("page"))
    detail = id_url("match-detail")
    rows = desk_rows(page, detail)
    stale = [(result, detail(result.invoice_id)) for result in selectors.stale_result_list(request.user)[:50]]
    return render(
        request,
        "settlement/exception_desk.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "counts": selectors.aging_counts(request.user),
            "buckets": [key for key, _, _ in selectors.BUCKETS],
            "states": [
                (CaseState.OPEN, CaseState.OPEN.label),
                (CaseState.AWAITING_CREDIT_NOTE, CaseState.AWAITING_CREDIT_NOTE.label),
            ],
            "reasons": reason_choices(),
            "suppliers": supplier_list(request.user).order_by("name").values_list("pk", "name"),
            "entities": legal_entity_list(request.user),
            "stale": stale,
        },
    )


# What a desk row shows, read as values (no model objects for fifty rows of five joined tables);
# the explanation for the reasons' words.
DESK_FIELDS = (
    "invoice_id",
    "invoice__invoice_number",
    "invoice__document_type",
    "invoice__net_amount",
    "invoice__currency",
    "invoice__supplier__name",
    "opened_at",
    "resolved_at",
    "state",
    "primary_reason",
    "result__is_stale",
    "result__policy_version",
    "result__explanation",
)


def desk_rows(page, detail) -> list:
    """The desk's table rows (core.listing.table_row): the invoice (a credit note says so), its
    supplier, signed net, days open and their bucket, the case's chip (and "stale"), the reason
    in the reader's words (the machine code in its title and data-code) with the explanation's
    sentences and the policy version."""
    context = Context()
    today = timezone.localdate()
    credit_note = format_html(" <small>{}</small>", _("credit note"))
    stale = format_html(' <span class="badge">{}</span>', _("stale"))
    rows = []
    for (
        invoice_id,
        number,
        document_type,
        net,
        currency,
        supplier_name,
        opened_at,
        resolved_at,
        state,
        reason,
        is_stale,
        policy_version,
        explanation,
    ) in page:
        days = days_open(opened_at, resolved_at, today)
        is_credit_note = document_type == "credit_note"
        signed = -abs(net) if is_credit_note and net is not None else net
        words = Truncator(selectors.explanation_summary_words(explanation)).chars(220)
        rows.append(
            table_row(
                [
                    {
                        "value": number or invoice_id,
                        "link": detail(invoice_id),
                        "after": credit_note if is_credit_note else "",
                    },
                    {"value": supplier_name},
                    {"value": formatting.amount(signed, currency), "numeric": True},
                    {
                        "value": days,
                        "after": format_html(" <small>({})</small>", selectors.aging_bucket(days)),
                    },
                    {
                        "html": chip_html(state, CASE_LABEL, value_label(ExceptionCase, state)),
                        "after": stale if is_stale else "",
                    },
                    {
                        "html": format_html(
                            '<strong title="{}" data-code="{}">{}</strong> {} <small>({})</small>',
                            reason,
                            reason,
                            reason_label(reason),
                            words,
                            render_value_in_context(policy_version, context),
                        )
                    },
                ],
                context,
            )
        )
    return rows


CASE_LABEL = "settlement.exceptioncase"


def _chain_context(user, invoice, case, finance: bool) -> dict:
    if case is None or not user.is_internal:
        return {"chain": None}
    steps = list(case.steps.select_related("actor", "addressed_to"))
    asked = any(s.kind == "comment_request" and s.addressed_to_id == user.pk for s in steps)
    if not (finance or asked):
        return {"chain": None}
    requirement = approvals.approval_requirement(invoice, case) if case.is_open else None
    return {
        "chain": steps,
        "requirement": requirement,
        "requirement_comments": [CommentFrom(r).label for r in sorted(requirement.comments)]
        if requirement
        else [],
        "can_comment": asked and case.is_open,
    }


def _detail_context(user, invoice, result) -> dict:
    finance = selectors.can_work_desk(user)
    case = selectors.exception_case_for(user, invoice)
    return {
        **_chain_context(user, invoice, case, finance),
        "invoice": invoice,
        "result": result,
        "explanation": selectors.explanation_view(result, for_supplier=not finance) if result else None,
        "case": case,
        "days_open": case.days_open() if case else None,
        "finance": finance,
        "can_act": finance and invoice.state == "exception",
        "can_request": finance
        and invoice.state == "exception"
        and case is not None
        and case.state == CaseState.OPEN,
        "can_rematch": finance
        and (
            invoice.state == "exception"
            or (result is not None and result.is_stale and invoice.state in ("matched", "approved"))
        ),
    }


@login_required
def match_detail(request, invoice_id: int):
    invoice, result = selectors.match_result_current(request.user, invoice_id)
    panel = _detail_context(request.user, invoice, result)
    context = {**panel, "view_ctx": panel}
    if context["finance"]:
        context["runs"] = selectors.match_result_history(request.user, invoice_id)
        context["history"] = transition_log_for(invoice)
        case = context["case"]
        context["case_history"] = transition_log_for(case) if case else []
    return render(request, "settlement/match_detail.html", context)


@login_required
def match_status_list(request):
    invoices = selectors.supplier_match_list(request.user)
    page = Paginator(invoices, 50).get_page(request.GET.get("page"))
    finance = selectors.can_work_desk(request.user)
    rows = []
    for invoice in page:
        result = invoice.current_results[0] if invoice.current_results else None
        explanation = selectors.explanation_view(result, for_supplier=not finance) if result else None
        rows.append((invoice, result, explanation, invoice.open_cases[0] if invoice.open_cases else None))
    return render(request, "settlement/match_status_list.html", {"page": page, "rows": rows})


def _done(request, invoice_id: int, text: str):
    messages.success(request, text)
    return redirect("match-detail", invoice_id=invoice_id)


@login_required
@require_POST
def match_accept(request, invoice_id: int):
    selectors.match_result_current(request.user, invoice_id)  # 404 before any role check
    invoice = desk.exception_accept(
        invoice_id=invoice_id, actor=request.user, reason=request.POST.get("reason", "")
    )
    if invoice.state == "exception":
        return _done(
            request, invoice_id, _("Your approval is recorded; the rules need another finance approver.")
        )
    return _done(request, invoice_id, _("Variance accepted: the invoice is approved for payment."))


@login_required
@require_POST
def match_ask_comment(request, invoice_id: int):
    selectors.match_result_current(request.user, invoice_id)
    step = approvals.exception_request_comment(
        invoice_id=invoice_id,
        actor=request.user,
        role=request.POST.get("role", ""),
        question=request.POST.get("question", ""),
    )
    return _done(request, invoice_id, _("Sent for comment to %(who)s.") % {"who": step.addressed_to})


@login_required
@require_POST
def match_comment(request, invoice_id: int):
    selectors.match_result_current(request.user, invoice_id)
    approvals.exception_comment(invoice_id=invoice_id, actor=request.user, text=request.POST.get("text", ""))
    return _done(request, invoice_id, _("Your comment is recorded for finance."))


@login_required
def comment_requests(request):
    """Exceptions finance sent to this buyer or receiver for a comment."""
    return render(
        request,
        "settlement/comment_requests.html",
        {"requests": approvals.comment_requests_for(request.user)},
    )


@login_required
@require_POST
def match_request_credit_note(request, invoice_id: int):
    selectors.match_result_current(request.user, invoice_id)
    desk.exception_request_credit_note(
        invoice_id=invoice_id, actor=request.user, message=request.POST.get("reason", "")
    )
    return _done(request, invoice_id, _("The supplier is asked for a credit note."))


@login_required
@require_POST
def match_reject(request, invoice_id: int):
    selectors.match_result_current(request.user, invoice_id)
    desk.exception_reject(invoice_id=invoice_id, actor=request.user, reason=request.POST.get("reason", ""))
    return _done(request, invoice_id, _("The invoice is rejected back to the supplier."))


@login_required
@require_POST
def match_rematch(request, invoice_id: int):
    selectors.match_result_current(request.user, invoice_id)
    outcome = desk.exception_rematch(
        invoice_id=invoice_id, actor=request.user, reason=request.POST.get("reason", "")
    )
    if not outcome.changed:
        return _done(request, invoice_id, _("Nothing changed since the last match: the result stands."))
    return _done(request, invoice_id, _("Matched again."))


def invoice_match_panel(user, invoice):
    """The match explanation on invoicing's invoice page (registered in core.documents)."""
    if invoice.state in ("received", "validating"):
        return None
    invoice, result = selectors.match_result_current(user, invoice.pk)
    if result is None:
        return None
    return Panel(
        _("Three-way match"), "settlement/match_panel_invoice.html", _detail_context(user, invoice, result)
    )
