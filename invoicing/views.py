from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.timezone import localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.chips import state_label
from core.documents import panels_for_document
from core.errors import DomainError, PermissionDenied
from core.http import download_name
from core.listing import Column, Filter, ListSpec, list_response, pk_link
from core.selectors import transition_log_for
from settlement.selectors.account import PAYMENT_STATES, payment_state_label, with_payment_facts

from . import selectors, services, storage
from .formats.facturx import is_pdf
from .models import IN_PROGRESS_STATES, InvoiceState
from .reasons import refusal_reason, state_note


def _signed(invoice, amount):
    """A credit note's amounts are shown negative, whatever sign its file carried."""
    if amount is None or not invoice.is_credit_note:
        return amount
    return -abs(amount)


INVOICE_LIST = ListSpec(
    columns=(
        Column(
            "number",
            _("Number"),
            lambda i: i.invoice_number or i.file.original_name,
            sort="invoice_number",
            link=pk_link("invoice-detail"),
        ),
        Column("supplier", _("Supplier"), lambda i: i.supplier.name, sort="supplier__name"),
        Column("issued", _("Issued"), lambda i: i.issue_date, sort="issue_date"),
        Column("type", _("Document type"), lambda i: _("Credit note") if i.is_credit_note else _("Invoice")),
        Column(
            "gross",
            _("Gross"),
            lambda i: _signed(i, i.gross_amount),
            sort="gross_amount",
            numeric=True,
            currency=lambda i: i.currency,
        ),
        Column("currency", _("Currency"), lambda i: i.currency),
        Column("state", _("State"), state_label, sort="state"),
        Column("due", _("Due date"), lambda i: i.due_on, sort="due__due_date"),
        Column("payment", _("Payment"), lambda i: payment_state_label(i), sort="payment_state"),
        Column("received", _("Received"), lambda i: localtime(i.created_at).date(), sort="created_at"),
    ),
    filters=(
        Filter("q", _("Search"), "search", ("invoice_number", "seller_name", "supplier__name")),
        Filter("state", _("State"), "choice", ("state",), choices=tuple(InvoiceState.choices)),
        Filter("issued_from", _("Issued from"), "date_from", ("issue_date",)),
        Filter("issued_to", _("Issued to"), "date_to", ("issue_date",)),
        Filter("due_from", _("Due from"), "date_from", ("due__due_date",)),
        Filter("due_to", _("Due up to"), "date_to", ("due__due_date",)),
        Filter("payment", _("Payment"), "choice", ("payment_state",), choices=PAYMENT_STATES),
    ),
    default_sort="-received",
    csv_name="invoices",
)


@login_required
def invoice_list(request):
    invoices = with_payment_facts(selectors.invoice_list(request.user))
    return list_response(request, invoices, INVOICE_LIST, "invoicing/list.html")


@login_required
def invoice_detail(request, invoice_id: int):
    invoice = selectors.invoice_get(request.user, invoice_id)
    return render(
        request,
        "invoicing/detail.html",
        {
            "invoice": invoice,
            "lines": invoice.lines.all(),
            "issues": invoice.issues.all(),
            "history": transition_log_for(invoice),
            "panels": panels_for_document(request.user, invoice),
        },
    )


@login_required
def invoice_file(request, invoice_id: int):
    invoice = selectors.invoice_get(request.user, invoice_id)
    data = storage.get(invoice.file.path, invoice.file.sha256)
    response = HttpResponse(data, content_type="application/octet-stream")
    # Django quotes the name (RFC 6266 filename*=UTF-8'' for Chinese), so no stored name can add
    # a header; download_name keeps a plain base name ending in the file's real kind (an OFD is
    # a zip, a Factur-X invoice a PDF, every other accepted invoice is XML), so it is never saved as .html.
    extension = ".ofd" if data[:2] == b"PK" else ".pdf" if is_pdf(data) else ".xml"
    response["Content-Disposition"] = content_disposition_header(
        True, download_name(invoice.file.original_name, fallback=invoice.file.sha256, extension=extension)
    )
    return response


# The upload page's rows poll every 2 s while an invoice is in progress, for at most 10 minutes.
POLL_LIMIT = 300


@login_required
def invoice_upload_page(request):
    if getattr(request.user, "membership", None) is None:
        raise PermissionDenied(gettext("Only supplier users upload invoices."))
    refusals = [
        (refusal, refusal_reason(refusal.code))
        for refusal in selectors.upload_refusal_list(request.user)[:10]
    ]
    return render(request, "invoicing/upload.html", {"refusals": refusals})


def _result(request, context: dict, *, status: int = 200) -> HttpResponse:
    """One upload result (the page's JavaScript shows only answers marked as such)."""
    response = render(request, "invoicing/_upload_result.html", context, status=status)
    response["X-Upload-Result"] = "1"
    response["Cache-Control"] = "no-store"
    return response


def _refused(request, *, code: str, detail: str, name: str, status: int) -> HttpResponse:
    return _result(
        request,
        {"error": True, "code": code, "reason": refusal_reason(code), "detail": detail, "name": name},
        status=status,
    )


def _invoice_result(request, invoice, *, created: bool, poll: int = 0, status: int = 200) -> HttpResponse:
    polling = invoice.state in IN_PROGRESS_STATES and poll < POLL_LIMIT
    return _result(
        request,
        {
            "invoice": invoice,
            "created": created,
            "note": state_note(invoice.state) if polling or invoice.state not in IN_PROGRESS_STATES else "",
            "polling": polling,
            "gave_up": invoice.state in IN_PROGRESS_STATES and not polling,
            "next_poll": poll + 1,
        },
        status=status,
    )


@login_required
@require_POST
def invoice_upload(request):
    """One file per request (the page sends each file on its own, with progress); answers
    with a result row for that file, which then refreshes itself (invoice_upload_status)."""
    membership = getattr(request.user, "membership", None)
    if membership is None:
        return _refused(request, code="permission_denied", detail="", name="", status=403)
    uploaded = request.FILES.get("file")
    if uploaded is None:
        return _refused(request, code="no_file", detail="", name="", status=400)
    try:
        data = services.read_upload(uploaded)
        invoice, created = services.invoice_upload(
            supplier=membership.supplier, data=data, filename=uploaded.name, actor=request.user
        )
    except DomainError as exc:
        return _refused(request, code=exc.code, detail=exc.message, name=uploaded.name, status=exc.status)
    invoice = selectors.invoice_get(request.user, invoice.pk)
    return _invoice_result(request, invoice, created=created, status=201 if created else 200)


@login_required
def invoice_upload_status(request, invoice_id: int):
    """An upload result row again, polled by the upload page until the invoice's state is final."""
    invoice = selectors.invoice_get(request.user, invoice_id)
    try:
        poll = max(0, int(request.GET.get("poll", "0")))
    except ValueError:
        poll = 0
    return _invoice_result(request, invoice, created=request.GET.get("again") != "1", poll=poll)
