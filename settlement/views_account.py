"""The supplier's statement of account as a page, CSV and PDF; the payment facts of an invoice
(a panel on the invoice page) and finance's payment hold on it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core import bounds
from core.errors import NotFound
from invoicing.selectors import invoice_get
from suppliers.selectors import supplier_get, supplier_id_for, supplier_list

from .pdf import statement_of_account_pdf
from .selectors.account import kind_label, statement_of_account, statement_of_account_csv
from .services import terms
from .views_statements import _date


@login_required
def my_account(request):
    """A supplier user's own statement of account; finance chooses a supplier."""
    supplier_id = supplier_id_for(request.user)
    if supplier_id is None:
        if not request.user.is_internal:
            raise NotFound(_("No statement of account for you."))
        chosen = request.GET.get("supplier")
        if chosen and chosen.isdigit():
            return redirect("supplier-account", supplier_id=int(chosen))
        return render(
            request,
            "settlement/account_choose.html",
            {"suppliers": supplier_list(request.user).filter(state="approved").order_by("name")},
        )
    return supplier_account(request, supplier_id)  # the supplier's own page, at the link it followed


def _account(request, supplier_id: int) -> dict:
    supplier = supplier_get(request.user, supplier_id)  # a foreign supplier is a 404
    return statement_of_account(
        supplier,
        currency=bounds.currency(request.GET.get("currency") or "CNY"),
        date_from=_date(request.GET.get("from"), "from"),
        date_to=_date(request.GET.get("to"), "to"),
    )


@login_required
def supplier_account(request, supplier_id: int):
    account = _account(request, supplier_id)
    fmt = request.GET.get("format")
    if fmt == "csv":
        response = HttpResponse(statement_of_account_csv(account), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(
            True, f"statement-of-account-{supplier_id}.csv"
        )
        return response
    if fmt == "pdf":
        response = HttpResponse(statement_of_account_pdf(account), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            False, f"statement-of-account-{supplier_id}.pdf"
        )
        return response
    for r in account["rows"]:
        r.kind_label = kind_label(r.kind)
    return render(request, "settlement/account.html", {"account": account, "query": request.GET.urlencode()})


@login_required
@require_POST
def invoice_hold(request, invoice_id: int):
    invoice = invoice_get(request.user, invoice_id)
    terms.invoice_hold_set(
        invoice=invoice,
        on_hold=request.POST.get("on_hold") == "1",
        reason=request.POST.get("reason", ""),
        actor=request.user,
    )
    return redirect("invoice-detail", invoice_id=invoice.pk)


@login_required
@require_POST
def payment_term_set(request, kind: str, pk: int):
    from contracts.selectors import contract_get
    from procurement.selectors import purchase_order_get
    from suppliers.models import PaymentTerm

    pages = {
        "supplier": (supplier_get, "supplier-detail"),
        "contract": (contract_get, "contract-detail"),
        "po": (purchase_order_get, "po-detail"),
    }
    if kind not in pages:
        raise NotFound(_("Payment terms not found."))
    getter, page = pages[kind]
    document = getter(request.user, pk)  # scoped: a foreign id is a 404
    chosen = request.POST.get("term") or ""
    term = PaymentTerm.objects.filter(pk=int(chosen)).first() if chosen.isdigit() else None
    if chosen and term is None:
        raise NotFound(_("Payment terms not found."))
    terms.payment_term_assign(document=document, term=term, actor=request.user)
    return redirect(page, pk)
