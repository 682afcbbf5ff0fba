"""API of the China tax steps (mounted at /api/ by config.api): the same services and scoping as
the pages (a foreign invoice or request is a 404)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Query, Router, Schema, Status

from . import red_letter, selectors, tax_selectors, vat
from .tax_checks import invoice_tax_verify
from .tax_models import InvoiceTax

router = Router(tags=["china tax"])


class RedLetterOut(Schema):
    id: int
    number: str | None
    original_id: int
    original_number: str
    reason: str = ""
    note: str
    net_amount: Decimal
    tax_amount: Decimal
    state: str
    red_invoice_id: int | None
    requested_at: datetime

    @staticmethod
    def resolve_original_number(obj):
        return obj.original.invoice_number


class TaxOut(Schema):
    invoice_id: int
    verification: str
    verification_code: str
    verification_reason: str  # in the caller's language
    verification_checker: str
    verified_at: datetime | None
    special_vat: bool
    deduction: str | None  # None for supplier users: the buyer's tax affairs
    deduction_period: str | None
    deduction_reason: str | None
    remaining_net: Decimal | None
    remaining_tax: Decimal | None
    red_letter_requests: list[RedLetterOut]


def _tax_out(user, invoice) -> dict:
    tax = InvoiceTax.objects.filter(invoice=invoice).first() or InvoiceTax(invoice=invoice)
    internal = user.is_internal
    left = (
        red_letter.remaining_amounts(invoice)
        if invoice.format == "cn-xml" and not invoice.is_credit_note and not invoice.is_unchecked
        else (None, None)
    )
    return {
        "invoice_id": invoice.pk,
        "verification": tax.verification,
        "verification_code": tax.verification_code,
        "verification_reason": tax.verification_reason,
        "verification_checker": tax.verification_checker,
        "verified_at": tax.verified_at,
        "special_vat": tax.special_vat,
        "deduction": tax.deduction if internal else None,
        "deduction_period": tax.deduction_period if internal else None,
        "deduction_reason": tax.deduction_reason if internal else None,
        "remaining_net": left[0],
        "remaining_tax": left[1],
        "red_letter_requests": list(tax_selectors.red_letter_request_list(user).filter(original=invoice)),
    }


@router.get("/invoices/{int:invoice_id}/tax", response=TaxOut)
def invoice_tax(request, invoice_id: int):
    invoice = selectors.invoice_get(request.auth, invoice_id)
    return _tax_out(request.auth, invoice)


@router.post("/invoices/{int:invoice_id}/tax/verify", response=TaxOut)
def invoice_tax_verify_api(request, invoice_id: int):
    """Finance runs the authenticity check (发票查验) again."""
    invoice = selectors.invoice_get(request.auth, invoice_id)
    invoice_tax_verify(invoice_id=invoice.pk, actor=request.auth)
    return _tax_out(request.auth, invoice)


class RedLetterIn(Schema):
    reason: str = ""
    whole: bool = False
    net: str = ""
    tax: str = ""
    note: str = ""


@router.post("/invoices/{int:invoice_id}/red-letter", response={201: RedLetterOut})
def red_letter_request_api(request, invoice_id: int, payload: RedLetterIn):
    invoice = selectors.invoice_get(request.auth, invoice_id)
    created = red_letter.red_letter_request(
        invoice_id=invoice.pk,
        actor=request.auth,
        reason=payload.reason,
        whole=payload.whole,
        net=payload.net,
        tax=payload.tax,
        note=payload.note,
    )
    return Status(201, created)


@router.get("/red-letter-requests", response=list[RedLetterOut])
def red_letter_request_list_api(request, state: str = ""):
    qs = tax_selectors.red_letter_request_list(request.auth)
    return qs.filter(state=state)[:500] if state else qs[:500]


@router.post("/red-letter-requests/{int:request_id}/confirm", response=RedLetterOut)
def red_letter_confirm_api(request, request_id: int):
    return red_letter.red_letter_confirm(request_id=request_id, actor=request.auth)


class InputVatOut(Schema):
    invoice_id: int
    invoice_number: str
    seller_tax_id: str
    tax_amount: Decimal
    verification: str
    deduction: str
    deduction_period: str
    deduction_reason: str

    @staticmethod
    def resolve_invoice_number(obj):
        return obj.invoice.invoice_number

    @staticmethod
    def resolve_seller_tax_id(obj):
        return obj.invoice.seller_tax_id

    @staticmethod
    def resolve_tax_amount(obj):
        return obj.invoice.tax_amount


@router.get("/input-vat", response=list[InputVatOut])
def input_vat_list_api(request, period: str = "", status: str = "", limit: int = Query(100, ge=0, le=500)):
    qs = tax_selectors.input_vat_list(request.auth)
    if period:
        qs = qs.filter(deduction_period=vat.valid_period(period))
    if status:
        qs = qs.filter(deduction=status)
    return qs[:limit]


class DeductionIn(Schema):
    invoice_ids: list[int]
    status: str
    period: str = ""
    reason: str = ""


@router.post("/input-vat", response=dict)
def input_vat_set_api(request, payload: DeductionIn):
    changed = vat.vat_deduction_set(
        invoice_ids=payload.invoice_ids,
        actor=request.auth,
        status=payload.status,
        period=payload.period,
        reason=payload.reason,
    )
    return {"changed": changed}
