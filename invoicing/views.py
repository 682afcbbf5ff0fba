from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.documents import panels_for_document
from core.errors import DomainError, PermissionDenied
from core.listing import Column, Filter, ListSpec, list_response
from core.selectors import transition_log_for

from . import selectors, services, storage
from .models import InvoiceState


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
            link=lambda i: reverse("invoice-detail", args=[i.pk]),
        ),
        Column("supplier", _("Supplier"), lambda i: i.supplier.name, sort="supplier__name"),
        Column("issued", _("Issued"), lambda i: i.issue_date, sort="issue_date"),
        Column("type", _("Document type"), lambda i: _("Credit note") if i.is_credit_note else _("Invoice")),
        Column("gross", _("Gross"), lambda i: _signed(i, i.gross_amount), sort="gross_amount", numeric=True),
        Column("currency", _("Currency"), lambda i: i.currency),
        Column("state", _("State"), lambda i: i.get_state_display(), sort="state"),
        Column("received", _("Received"), lambda i: localtime(i.created_at).date(), sort="created_at"),
    ),
    filters=(
        Filter("q", _("Search"), "search", ("invoice_number", "seller_name", "supplier__name")),
        Filter("state", _("State"), "choice", ("state",), choices=tuple(InvoiceState.choices)),
        Filter("issued_from", _("Issued from"), "date_from", ("issue_date",)),
        Filter("issued_to", _("Issued to"), "date_to", ("issue_date",)),
    ),
    default_sort="-received",
    csv_name="invoices",
)


@login_required
def invoice_list(request):
    invoices = selectors.invoice_list(request.user)
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
    response = HttpResponse(
        storage.get(invoice.file.path, invoice.file.sha256), content_type="application/octet-stream"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{invoice.file.original_name or invoice.file.sha256}"'
    )
    return response


@login_required
def invoice_upload_page(request):
    if getattr(request.user, "membership", None) is None:
        raise PermissionDenied("Only supplier users upload invoices.")
    refusals = selectors.upload_refusal_list(request.user)[:10]
    return render(request, "invoicing/upload.html", {"refusals": refusals})


@login_required
@require_POST
def invoice_upload(request):
    """One file per request (the page sends each file on its own, with progress); answers
    with a result row for that file."""
    membership = getattr(request.user, "membership", None)
    if membership is None:
        raise PermissionDenied("Only supplier users upload invoices.")
    uploaded = request.FILES.get("file")
    if uploaded is None:
        return render(
            request, "invoicing/_upload_result.html", {"error": "No file was sent.", "name": ""}, status=400
        )
    try:
        data = services.read_upload(uploaded)
        invoice, created = services.invoice_upload(
            supplier=membership.supplier, data=data, filename=uploaded.name, actor=request.user
        )
    except DomainError as exc:
        return render(
            request,
            "invoicing/_upload_result.html",
            {"error": exc.message, "code": exc.code, "name": uploaded.name},
            status=exc.status,
        )
    invoice = selectors.invoice_get(request.user, invoice.pk)
    return render(
        request,
        "invoicing/_upload_result.html",
        {"invoice": invoice, "created": created, "name": uploaded.name},
        status=201 if created else 200,
    )
