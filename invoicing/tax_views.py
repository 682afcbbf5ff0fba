"""Pages of the China tax steps: the tax panel on an invoice's page (authenticity check, input
VAT, red-letter requests), finance's actions on it, and the input VAT list with its export."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core import formatting
from core.documents import register_panel
from core.errors import DomainError
from core.home import Panel

from . import red_letter, selectors, tax_selectors, vat
from .tax_checks import invoice_tax_verify
from .tax_models import (
    SETTABLE_DEDUCTIONS,
    Deduction,
    InputVatTransfer,
    InvoiceTax,
    RedLetterReason,
    RedLetterState,
    TransferReason,
    Verification,
)
from .verification import CHINESE_FORMATS

CHIP = {
    Verification.VERIFIED: "ok",
    Verification.FAILED: "bad",
    Verification.NOT_CHECKABLE: "attention",
    Verification.PENDING: "wait",
    Deduction.DEDUCTED: "ok",
    Deduction.PENDING: "wait",
    Deduction.NOT_DEDUCTIBLE: "idle",
    Deduction.TRANSFERRED_OUT: "attention",
    RedLetterState.REQUESTED: "attention",
    RedLetterState.CONFIRMED: "wait",
    RedLetterState.FULFILLED: "ok",
    RedLetterState.CANCELLED: "idle",
}


def tax_panel(user, invoice):
    """The tax steps of a Chinese invoice, for whoever may see the invoice (the deduction status
    only for the buyer's staff; red-letter requests for finance and the invoice's supplier)."""
    if invoice.format not in CHINESE_FORMATS or invoice.is_unchecked:
        return None
    tax = InvoiceTax.objects.filter(invoice=invoice).first()
    requests = list(tax_selectors.red_letter_request_list(user).filter(original=invoice))
    for request in requests:
        request.chip = CHIP.get(request.state, "idle")
    left_net = left_tax = None
    can_ask = user.is_finance or user.is_superuser
    if invoice.format == "cn-xml" and not invoice.is_credit_note:
        left_net, left_tax = red_letter.remaining_amounts(invoice)
        can_ask = can_ask and invoice.state in red_letter.REQUESTABLE
    else:
        can_ask = False
    return Panel(
        title=_("China tax steps"),
        template="invoicing/_tax_panel.html",
        context={
            "invoice": invoice,
            "tax": tax,
            "check_chip": CHIP.get(tax.verification if tax else "pending", "wait"),
            "deduction_chip": CHIP.get(tax.deduction, "idle") if tax else "idle",
            "internal": user.is_internal,
            "finance": user.is_finance or user.is_superuser,
            "requests": requests,
            "left_net": left_net,
            "left_tax": left_tax,
            "left_gross": None if left_net is None else left_net + left_tax,
            "credited": red_letter.credited_gross(invoice) if left_net is not None else None,
            "can_ask": can_ask,
            "reasons": RedLetterReason.choices,
            "supplier_user": getattr(user, "membership", None) is not None,
            "transfers": list(
                InputVatTransfer.objects.filter(invoice=invoice).select_related("red_invoice", "created_by")
            )
            if user.is_internal
            else [],
            "transfer_reasons": TransferReason.choices,
        },
    )


register_panel("invoicing.Invoice", tax_panel)


def _back(invoice_id: int):
    return redirect("invoice-detail", invoice_id=invoice_id)


@login_required
@require_POST
def invoice_tax_verify_view(request, invoice_id: int):
    invoice = selectors.invoice_get(request.user, invoice_id)  # a foreign id is a 404 first
    tax = invoice_tax_verify(invoice_id=invoice.pk, actor=request.user)
    words = {
        Verification.VERIFIED: gettext("The authenticity check passed."),
        Verification.FAILED: gettext("The authenticity check failed: %(reason)s"),
        Verification.NOT_CHECKABLE: gettext("The invoice could not be checked: %(reason)s"),
    }[tax.verification] % {"reason": tax.verification_reason}
    (messages.error if tax.failed else messages.success)(request, words)
    return _back(invoice.pk)


@login_required
@require_POST
def red_letter_request_view(request, invoice_id: int):
    invoice = selectors.invoice_get(request.user, invoice_id)
    created = red_letter.red_letter_request(
        invoice_id=invoice.pk,
        actor=request.user,
        reason=request.POST.get("reason", ""),
        whole=request.POST.get("scope") == "whole",
        net=request.POST.get("net", ""),
        tax=request.POST.get("tax", ""),
        note=request.POST.get("note", ""),
    )
    messages.success(
        request,
        gettext("Red-letter request %(number)s is sent to the supplier.") % {"number": created.number},
    )
    return _back(invoice.pk)


@login_required
@require_POST
def red_letter_confirm_view(request, request_id: int):
    confirmed = red_letter.red_letter_confirm(request_id=request_id, actor=request.user)
    messages.success(
        request,
        gettext(
            "Confirmed. Raise the red-letter invoice on the tax platform with confirmation number %(number)s "
            "and upload its XML here."
        )
        % {"number": confirmed.number},
    )
    return _back(confirmed.original_id)


@login_required
@require_POST
def red_letter_cancel_view(request, request_id: int):
    cancelled = red_letter.red_letter_cancel(
        request_id=request_id, actor=request.user, reason=request.POST.get("reason", "")
    )
    messages.success(
        request, gettext("Red-letter request %(number)s is cancelled.") % {"number": cancelled.number}
    )
    return _back(cancelled.original_id)


@login_required
@require_POST
def vat_transfer_out_view(request, invoice_id: int):
    invoice = selectors.invoice_get(request.user, invoice_id)
    transfer = vat.vat_transfer_out(
        invoice_id=invoice.pk,
        actor=request.user,
        reason=request.POST.get("reason", ""),
        period=request.POST.get("period", ""),
        note=request.POST.get("note", ""),
        amount=request.POST.get("amount", ""),
    )
    messages.success(
        request,
        gettext("Input VAT %(amount)s of invoice %(invoice)s is transferred out in tax period %(period)s.")
        % {
            "amount": formatting.amount(transfer.amount, invoice.currency),
            "invoice": invoice,
            "period": transfer.period,
        },
    )
    return _back(invoice.pk)


def _period_param(request) -> str:
    period = (request.GET.get("period") or "").strip()[:7]
    return period if vat.PERIOD_RE.match(period) else ""


@login_required
def input_vat_page(request):
    tax_selectors.input_vat_list(request.user)  # finance's page: anyone else is refused first
    if request.method == "POST":
        try:
            changed = vat.vat_deduction_set(
                invoice_ids=request.POST.getlist("invoice"),
                actor=request.user,
                status=request.POST.get("status", ""),
                period=request.POST.get("period", ""),
                reason=request.POST.get("reason", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                ngettext("%(count)s invoice changed.", "%(count)s invoices changed.", changed)
                % {"count": changed},
            )
        return redirect(request.get_full_path())
    period = _period_param(request)
    status = request.GET.get("status", "")
    if request.GET.get("format") == "csv":
        if not period:
            messages.error(request, gettext("Choose a tax period (YYYY-MM) to export."))
            return redirect("input-vat")
        deducted, transfers = tax_selectors.input_vat_export_rows(request.user, period)
        writer = csv.writer(_Echo())
        response = StreamingHttpResponse(
            (
                writer.writerow(row)
                for rows_ in (vat.deduction_csv_rows(deducted.iterator()), vat.transfer_csv_rows(transfers))
                for row in rows_
            ),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = content_disposition_header(True, f"input-vat-{period}.csv")
        return response
    rows, transfers = tax_selectors.input_vat_page_rows(
        request.user, period=period, status=status, statuses=Deduction.values
    )
    for row in rows:
        row.chip = CHIP.get(row.deduction, "idle")
    return render(
        request,
        "invoicing/input_vat.html",
        {
            "rows": rows,
            "periods": tax_selectors.input_vat_periods(request.user),
            "period": period,
            "status": status,
            "statuses": Deduction.choices,
            "settable": [(c, label) for c, label in Deduction.choices if c in SETTABLE_DEDUCTIONS],
            "transfers": transfers,
            "total_transferred": sum((t.amount for t in transfers), 0),
            "finance": request.user.is_finance or request.user.is_superuser,
            "total_tax": sum((r.invoice.tax_amount or 0 for r in rows), 0),
        },
    )


class _Echo:
    def write(self, value):
        return value
