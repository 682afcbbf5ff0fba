from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from core.errors import DomainError, PermissionDenied
from core.selectors import transition_log_for

from . import selectors, services, storage


@login_required
def invoice_list(request):
    invoices = selectors.invoice_list(request.user)
    state = request.GET.get("state", "")
    if state:
        invoices = invoices.filter(state=state)
    page = Paginator(invoices, 50).get_page(request.GET.get("page"))
    return render(request, "invoicing/list.html", {"page": page, "state": state})


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
