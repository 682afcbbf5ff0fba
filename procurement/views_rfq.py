"""Portal pages of sourcing: RFQs, sealed quotes (with no-bid lines), questions and answers,
closing, comparison (page and CSV), award. Views read through selectors and write through
services only; domain errors become messages (core.middleware)."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from core.listing import Column, Filter, ListSpec, csv_cell, list_response
from core.selectors import transition_log_for
from suppliers.selectors import supplier_get, supplier_list

from . import selectors, services
from .models import RFQState
from .services.rfq import InvalidInput

RFQ_ACTIONS = ("publish", "close", "cancel")


def _local_date(value):
    return localtime(value).date() if value else None


def _plain(value) -> str:
    """A price or quantity without trailing zeros (12.4, 300), never in exponent form."""
    return "" if value is None else f"{value.normalize():f}"


def _blank(value) -> str:
    return "" if value is None else str(value)


_RFQ_HEAD = (
    Column(
        "number",
        gettext_lazy("Number"),
        lambda r: r.number,
        sort="number",
        link=lambda r: reverse("rfq-detail", args=[r.pk]),
    ),
    Column("title", gettext_lazy("Title"), lambda r: r.title, sort="title"),
    Column("entity", gettext_lazy("Legal entity"), lambda r: r.legal_entity.name, sort="legal_entity__name"),
    Column("state", gettext_lazy("State"), lambda r: r.get_state_display(), sort="state"),
    Column(
        "deadline",
        gettext_lazy("Deadline"),
        lambda r: localtime(r.deadline).strftime("%Y-%m-%d %H:%M") if r.deadline else None,
        sort="deadline",
    ),
    Column("lines", gettext_lazy("Lines"), lambda r: r.line_count, sort="line_count", numeric=True),
)
_RFQ_CREATED = Column(
    "created", gettext_lazy("Created"), lambda r: _local_date(r.created_at), sort="created_at"
)
_RFQ_FILTERS = (
    Filter("q", gettext_lazy("Search"), "search", ("number", "title")),
    Filter("deadline_from", gettext_lazy("Deadline from"), "date_from", ("deadline__date",)),
    Filter("deadline_to", gettext_lazy("Deadline to"), "date_to", ("deadline__date",)),
)
RFQ_LIST = ListSpec(
    columns=(
        *_RFQ_HEAD,
        Column(
            "invited",
            gettext_lazy("Invited suppliers"),
            lambda r: r.invited_count,
            sort="invited_count",
            numeric=True,
        ),
        Column("quotes", gettext_lazy("Quotes"), lambda r: r.quote_count, sort="quote_count", numeric=True),
        _RFQ_CREATED,
    ),
    filters=(
        _RFQ_FILTERS[0],
        Filter("state", gettext_lazy("State"), "choice", ("state",), choices=tuple(RFQState.choices)),
        *_RFQ_FILTERS[1:],
    ),
    default_sort="-created",
    csv_name="rfqs",
)
RFQ_LIST_SUPPLIER = ListSpec(
    columns=(
        *_RFQ_HEAD,
        Column(
            "own_quote",
            gettext_lazy("Your quote version"),
            lambda r: r.own_quote_version,
            sort="own_quote_version",
            numeric=True,
        ),
        _RFQ_CREATED,
    ),
    filters=(
        _RFQ_FILTERS[0],
        Filter(
            "state",
            gettext_lazy("State"),
            "choice",
            ("state",),
            choices=tuple((c, label) for c, label in RFQState.choices if c != RFQState.DRAFT),
        ),
        *_RFQ_FILTERS[1:],
    ),
    default_sort="-created",
    csv_name="rfqs",
)


@login_required
def rfq_list(request):
    rfqs = selectors.rfq_rows(request.user)
    spec = RFQ_LIST if request.user.is_internal else RFQ_LIST_SUPPLIER
    return list_response(request, rfqs, spec, "procurement/rfq_list.html")


@login_required
def rfq_create(request):
    if not request.user.is_buyer:
        raise PermissionDenied(_("Only buyers create RFQs."))
    if request.method == "POST":
        entity = (
            selectors.legal_entity_list(request.user).filter(pk=request.POST.get("legal_entity") or 0).first()
        )
        if entity is None:
            raise DomainError(_("Choose a legal entity."), code="legal_entity_required")
        rfq = services.rfq_create(
            legal_entity=entity,
            title=request.POST.get("title", ""),
            actor=request.user,
            currency=request.POST.get("currency") or None,
        )
        return redirect("rfq-detail", rfq_id=rfq.pk)
    return render(
        request, "procurement/rfq_new.html", {"entities": selectors.legal_entity_list(request.user)}
    )


def _award_view(user, rfq) -> dict:
    """What the RFQ page shows of the award: the buyer every line's winner, price and reason;
    a supplier only its own won/lost per line."""
    if rfq.state != RFQState.AWARDED:
        return {"award_lines": [], "results": []}
    if user.is_internal:
        award_lines = selectors.rfq_award_lines(user, rfq)
        for award in award_lines:
            award.price_text = _plain(award.unit_price)
        return {"award_lines": award_lines, "results": []}
    results = selectors.rfq_supplier_results(user, rfq)
    for result in results:
        result.price_text = _plain(result.unit_price)
    return {"award_lines": [], "results": results}


@login_required
def rfq_detail(request, rfq_id: int):
    rfq = selectors.rfq_get(request.user, rfq_id)
    user = request.user
    own_lines, own_no_bids, own_version, attachments = {}, {}, None, []
    if user.is_supplier_user:
        own_lines = {ql.rfq_line_id: ql.unit_price for ql in selectors.quote_lines(user, rfq)}
        own_no_bids = {nb.rfq_line_id: nb.reason for nb in selectors.quote_no_bids(user, rfq)}
        own_quote = selectors.quote_list(user, rfq).first()
        own_version = selectors.quote_latest_version(own_quote) if own_quote else None
    if user.is_supplier_user or rfq.is_opened:
        attachments = selectors.quote_attachment_list(user, rfq)
    lines = list(rfq.lines.select_related("item").order_by("line_no"))
    for line in lines:  # the supplier's own quote per line, for the form and the read-only view
        line.own_price = own_lines.get(line.pk)
        line.own_price_text = _plain(line.own_price)
        line.own_no_bid = line.pk in own_no_bids
        line.own_no_bid_reason = own_no_bids.get(line.pk, "")
    before_deadline = rfq.deadline is None or rfq.deadline > timezone.now()
    context = {
        "rfq": rfq,
        "lines": lines,
        "quotes": selectors.quote_list(user, rfq),  # headers only: no prices while sealed
        "invitations": rfq.invitations.select_related("supplier") if user.is_internal else [],
        "history": transition_log_for(rfq),
        "own_version": own_version,
        "attachments": attachments,
        "max_attachments": services.MAX_ATTACHMENTS,
        "max_attachment_mib": services.quote_attachment_max_bytes() // (1024 * 1024),
        "is_buyer": user.is_buyer,
        "can_quote": user.is_supplier_user and rfq.state == RFQState.PUBLISHED and before_deadline,
        "can_ask": user.is_supplier_user and rfq.state == RFQState.PUBLISHED and before_deadline,
        "can_answer": user.is_buyer and rfq.state == RFQState.PUBLISHED,
        "closes_early": rfq.state == RFQState.PUBLISHED and rfq.deadline is not None and before_deadline,
        "second_buyer": rfq.legal_entity.early_rfq_close_needs_second_buyer,
        "questions": selectors.rfq_questions(user, rfq),
        "purchase_orders": selectors.rfq_purchase_orders(user, rfq),
        "suppliers": supplier_list(user).filter(state="approved") if user.is_buyer else [],
        "items": selectors.item_list(user) if user.is_buyer and rfq.state == RFQState.DRAFT else [],
        "today": timezone.localdate(),
        **_award_view(user, rfq),
    }
    return render(request, "procurement/rfq_detail.html", context)


@login_required
@require_POST
def rfq_line_add(request, rfq_id: int):
    rfq = selectors.rfq_get(request.user, rfq_id)
    if not request.user.is_buyer:
        raise PermissionDenied(_("Only buyers edit RFQs."))
    try:
        item_id = int(request.POST.get("item") or 0)
    except ValueError:
        item_id = 0
    services.rfq_line_add(
        rfq=rfq,
        item=selectors.item_get(request.user, item_id),
        quantity=request.POST.get("quantity") or "",
        required_date=request.POST.get("required_date") or None,
        description=request.POST.get("description", ""),
        actor=request.user,
    )
    return redirect("rfq-detail", rfq_id=rfq.pk)


@login_required
@require_POST
def rfq_invite(request, rfq_id: int):
    rfq = selectors.rfq_get(request.user, rfq_id)
    if not request.user.is_buyer:
        raise PermissionDenied(_("Only buyers invite suppliers."))
    supplier = supplier_get(request.user, int(request.POST.get("supplier") or 0))
    services.rfq_invite(rfq=rfq, supplier=supplier, actor=request.user)
    return redirect("rfq-detail", rfq_id=rfq.pk)


def _deadline(raw: str):
    if not raw:
        return None
    try:
        deadline = parse_datetime(raw)
    except ValueError:
        deadline = None
    if deadline is None:
        raise InvalidInput(
            _("The deadline must be a date and time, not “%(value)s”.") % {"value": raw[:40]},
            code="invalid_deadline",
        )
    return timezone.make_aware(deadline) if timezone.is_naive(deadline) else deadline


@login_required
@require_POST
def rfq_action(request, rfq_id: int, action: str):
    rfq = selectors.rfq_get(request.user, rfq_id)
    if not request.user.is_buyer:
        raise PermissionDenied(_("Only buyers publish, close or cancel RFQs."))
    if action not in RFQ_ACTIONS:
        raise NotFound(_("No action %(action)s.") % {"action": action})
    reason = request.POST.get("reason", "")
    if action == "publish":
        deadline = _deadline(request.POST.get("deadline") or "")
        services.rfq_publish(rfq=rfq, actor=request.user, deadline=deadline, reason=reason)
    elif action == "close":
        rfq = services.rfq_close(rfq=rfq, actor=request.user, reason=reason)
        if rfq.state == RFQState.PUBLISHED:  # the first half of an early close by two buyers
            messages.success(
                request, _("Early close asked: another buyer must confirm it; the quotes stay sealed.")
            )
        else:
            messages.success(request, _("RFQ closed: the quotes are open."))
    else:
        services.rfq_cancel(rfq=rfq, actor=request.user, reason=reason)
    return redirect("rfq-detail", rfq_id=rfq.pk)


@login_required
@require_POST
def quote_submit(request, rfq_id: int):
    rfq = selectors.rfq_get(request.user, rfq_id)
    lines = list(rfq.lines.all())
    no_bids = {
        line.pk: request.POST.get(f"no_bid_reason_{line.pk}", "")
        for line in lines
        if request.POST.get(f"no_bid_{line.pk}")
    }
    prices = {line.pk: request.POST.get(f"price_{line.pk}") or "" for line in lines if line.pk not in no_bids}
    prices = {k: v for k, v in prices.items() if v.strip()}
    attachments = [services.quote_attachment_read(f) for f in request.FILES.getlist("attachments")]
    # The form lists the current attachments as "keep" checkboxes; unticked ones are dropped.
    keep = request.POST.getlist("keep_attachment") if request.POST.get("attachments_listed") else None
    services.quote_submit(
        rfq=rfq,
        actor=request.user,
        prices=prices,
        no_bids=no_bids,
        lead_time_days=request.POST.get("lead_time_days") or -1,
        valid_until=request.POST.get("valid_until") or "",
        note=request.POST.get("note", ""),
        attachments=attachments,
        keep_attachments=keep,
    )
    messages.success(request, _("Quote submitted."))
    return redirect("rfq-detail", rfq_id=rfq.pk)


@login_required
@require_POST
def rfq_question_ask(request, rfq_id: int):
    rfq = selectors.rfq_get(request.user, rfq_id)
    services.rfq_question_ask(rfq=rfq, actor=request.user, question=request.POST.get("question", ""))
    messages.success(request, _("Question sent to the buyer."))
    return redirect(reverse("rfq-detail", args=[rfq.pk]) + "#questions")


@login_required
@require_POST
def rfq_question_answer(request, rfq_id: int, question_id: int):
    rfq = selectors.rfq_get(request.user, rfq_id)
    question = selectors.rfq_question_get(request.user, rfq, question_id)
    services.rfq_question_answer(question=question, actor=request.user, answer=request.POST.get("answer", ""))
    messages.success(request, _("Answer published to every invited supplier."))
    return redirect(reverse("rfq-detail", args=[rfq.pk]) + "#questions")


def _sealed(request, rfq):
    """The comparison asked for before the RFQ is closed: a page that says so (never a redirect,
    which looped when the page was opened directly)."""
    return render(request, "procurement/rfq_comparison.html", {"rfq": rfq, "sealed": True}, status=409)


@login_required
def rfq_comparison(request, rfq_id: int):
    rfq = selectors.rfq_get(request.user, rfq_id)
    try:
        rows = selectors.rfq_comparison(request.user, rfq)
        attachments = selectors.quote_attachment_list(request.user, rfq)
    except Conflict:
        return _sealed(request, rfq)
    return render(
        request,
        "procurement/rfq_comparison.html",
        {"rfq": rfq, "rows": rows, "attachments": attachments, "today": timezone.localdate()},
    )


@login_required
def rfq_comparison_csv(request, rfq_id: int):
    """Export of the comparison: like every buyer surface, refused while the quotes are sealed.
    Every text cell goes through the formula guard (a supplier may be named ``=HYPERLINK(…)``)."""
    rfq = selectors.rfq_get(request.user, rfq_id)
    try:
        rows = selectors.rfq_comparison(request.user, rfq)
    except Conflict:
        return _sealed(request, rfq)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{rfq.number}-comparison.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    # headers in the requester's language (a person reads this in a spreadsheet)
    writer.writerow(
        [
            _("Line"),
            _("Item"),
            _("Quantity"),
            _("Supplier"),
            _("Unit price"),
            _("Line total"),
            _("Lead time (days)"),
            _("Valid until"),
            _("Score"),
            _("On-time rate"),
            _("Quality rate"),
            _("Average acknowledgement time (hours)"),
            _("Lowest"),
            _("Integrity"),
            _("No bid"),
            _("Note"),
        ]
    )
    for row in rows:
        for c in row.cells:
            values = [
                row.line.line_no,
                row.line.item.code,
                row.line.quantity,
                c.supplier_name,
                c.unit_price,
                c.line_total,
                c.lead_time_days,
                c.valid_until,
                *(
                    ("", "", "", "")
                    if c.score is None
                    else (
                        _blank(c.score.score),
                        _blank(c.score.on_time_rate),
                        _blank(c.score.quality_rate),
                        _blank(c.score.avg_ack_hours),
                    )
                ),
                _("yes") if c.is_lowest else "",
                c.integrity,
                "",
                c.note,
            ]
            writer.writerow([csv_cell(v) for v in values])
        for nb in row.no_bids:
            values = [row.line.line_no, row.line.item.code, row.line.quantity, nb.supplier_name]
            values += [""] * 10 + [_("yes"), nb.reason]
            writer.writerow([csv_cell(v) for v in values])
    return response


@login_required
@require_POST
def rfq_award(request, rfq_id: int):
    rfq = selectors.rfq_get(request.user, rfq_id)
    decisions = []
    for line in rfq.lines.all():
        supplier_id = request.POST.get(f"award_{line.pk}")
        if supplier_id:
            try:
                supplier_id = int(supplier_id)
            except ValueError:
                supplier_id = 0
            decisions.append(
                {
                    "rfq_line_id": line.pk,
                    "supplier_id": supplier_id,
                    "reason": request.POST.get(f"reason_{line.pk}", ""),
                }
            )
    pos = services.rfq_award(rfq=rfq, actor=request.user, decisions=decisions)
    messages.success(request, _("Awarded: %(n)s draft purchase order(s) created.") % {"n": len(pos)})
    return redirect("rfq-detail", rfq_id=rfq.pk)


@login_required
def quote_attachment(request, attachment_id: int):
    attachment = selectors.quote_attachment_get(request.user, attachment_id)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
