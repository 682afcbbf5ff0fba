"""Red-letter invoices (红字发票) of 数电 invoices: finance asks, the supplier raises.

1. Finance asks for a red-letter invoice on a 数电 invoice (:func:`red_letter_request`): a reason
   of the 红字确认单 and the amounts, the whole remaining amount or a part of it, never more than
   what is left of the original (its total less its red invoices and the open requests).
2. The supplier sees the request on the original's page (original number, reason, amounts,
   confirmation number) and confirms it (:func:`red_letter_confirm`).
3. The supplier uploads the red invoice; its XML names the original's number
   (``SpecificInformation/RedEInvoice/OriginalInvoiceCode``, or the 被红冲 remark) and the
   confirmation number (``CreditNoteNumber``). Validation links it to the original
   (``Invoice.corrects``); :func:`red_invoice_link` (after ``pass_validation``) links it to the
   request and closes that. The original's remaining amount goes down by the red invoice.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from core.errors import DomainError, IllegalTransition, NotFound, PermissionDenied
from core.money import q2
from core.texts import Text, register, text

from .models import Invoice, InvoiceState
from .tax_checks import tax_event_log
from .tax_models import OPEN_RED_LETTER_STATES, RedLetterReason, RedLetterRequest, RedLetterState

register({f"tax.red_reason.{code}": label for code, label in RedLetterReason.choices})
register(
    {
        "tax.red_letter.requested": gettext_noop(
            "Red-letter request %(number)s for invoice %(original)s: %(reason)s; net %(net)s + tax %(tax)s = "
            "%(gross)s. %(note)s"
        ),
        "tax.red_letter.confirmed": gettext_noop("The supplier confirmed red-letter request %(number)s."),
        "tax.red_letter.cancelled": gettext_noop("Red-letter request %(number)s cancelled: %(reason)s"),
        "tax.red_letter.linked": gettext_noop(
            "Red-letter invoice %(red)s (total %(gross)s) reverses invoice %(original)s under request %(number)s; "
            "%(remaining)s of the original remains."
        ),
        "tax.red_letter.linked_checked": gettext_noop(
            "Red-letter invoice %(red)s (net %(net)s + tax %(tax)s = %(gross)s) agrees with red-letter request "
            "%(number)s and reverses invoice %(original)s; %(remaining)s of the original remains."
        ),
        "tax.red_letter.amounts_differ": gettext_noop(
            "Red-letter invoice %(red)s does not agree with red-letter request %(number)s: the invoice reverses "
            "net %(net)s + tax %(tax)s = %(gross)s, the request net %(request_net)s + tax %(request_tax)s = "
            "%(request_gross)s."
        ),
        "tax.red_letter.over_credit": gettext_noop(
            "Red-letter invoice %(red)s would reverse more than invoice %(original)s: its %(what)s is %(total)s, "
            "its earlier red-letter invoices reverse %(earlier)s and this one %(this)s (%(excess)s too much)."
        ),
        "tax.red_letter.what.net": gettext_noop("net amount"),
        "tax.red_letter.what.tax": gettext_noop("tax"),
        "tax.red_letter.what.gross": gettext_noop("total"),
        "tax.red_letter.linked_no_request": gettext_noop(
            "Red-letter invoice %(red)s (total %(gross)s) reverses invoice %(original)s; %(remaining)s of the "
            "original remains."
        ),
    }
)

LIVE_RED = [InvoiceState.REJECTED, InvoiceState.CANCELLED]
ZERO = Decimal("0.00")


def remaining_amounts(original: Invoice, *, exclude_request: int | None = None) -> tuple[Decimal, Decimal]:
    """(net, tax) of ``original`` not yet reversed by its red invoices nor asked for by an open
    red-letter request."""
    reds = (
        Invoice.objects.filter(corrects=original, document_type="credit_note")
        .exclude(state__in=LIVE_RED)
        .values_list("net_amount", "tax_amount")
    )
    net = (original.net_amount or ZERO) - sum((abs(n or ZERO) for n, _ in reds), ZERO)
    tax = (original.tax_amount or ZERO) - sum((abs(t or ZERO) for _, t in reds), ZERO)
    open_requests = RedLetterRequest.objects.filter(original=original, state__in=OPEN_RED_LETTER_STATES)
    if exclude_request:
        open_requests = open_requests.exclude(pk=exclude_request)
    asked = open_requests.aggregate(net=Sum("net_amount"), tax=Sum("tax_amount"))
    return q2(net - (asked["net"] or ZERO)), q2(tax - (asked["tax"] or ZERO))


def money(value) -> str:
    """An amount as a finding's parameter: two decimals, digit groups (``1,060.00``)."""
    return f"{q2(value or ZERO):,.2f}"


def _fulfilled_request(red: Invoice, original: Invoice, named: str, *, lock: bool) -> RedLetterRequest | None:
    """The open request a red invoice fulfils: the one whose confirmation number it names, else
    the one open request of its original with the same total."""
    open_requests = RedLetterRequest.objects.filter(original=original, state__in=OPEN_RED_LETTER_STATES)
    if lock:
        open_requests = open_requests.select_for_update()
    request = open_requests.filter(number=named).first() if named else None
    if request is None:
        same = [r for r in open_requests.order_by("id") if r.gross_amount == abs(red.gross_amount or ZERO)]
        request = same[0] if len(same) == 1 else None
    return request


def red_invoice_findings(red: Invoice, original: Invoice, named: str) -> list[Text]:
    """At validation of a red 数电 invoice that names ``original``: what refuses it. Its amounts
    must be those of the red-letter request it fulfils (net, tax and total), and the red invoices
    of the original together may not reverse more than the original (net, tax or total)."""
    findings = []
    net, tax, gross = (abs(v or ZERO) for v in (red.net_amount, red.tax_amount, red.gross_amount))
    request = _fulfilled_request(red, original, named, lock=False)
    if request is not None and (request.net_amount, request.tax_amount) != (net, tax):
        findings.append(
            text(
                "tax.red_letter.amounts_differ",
                red=red.invoice_number,
                number=request.number,
                net=money(net),
                tax=money(tax),
                gross=money(gross),
                request_net=money(request.net_amount),
                request_tax=money(request.tax_amount),
                request_gross=money(request.gross_amount),
            )
        )
    earlier = (
        Invoice.objects.filter(corrects=original, document_type="credit_note")
        .exclude(state__in=LIVE_RED)
        .exclude(pk=red.pk)
        .values_list("net_amount", "tax_amount", "gross_amount")
    )
    done = [sum((abs(row[i] or ZERO) for row in earlier), ZERO) for i in range(3)]
    for i, (what, total, this) in enumerate(
        (
            ("net", original.net_amount, net),
            ("tax", original.tax_amount, tax),
            ("gross", original.gross_amount, gross),
        )
    ):
        total = abs(total or ZERO)
        if done[i] + this > total:
            findings.append(
                text(
                    "tax.red_letter.over_credit",
                    red=red.invoice_number,
                    original=original.invoice_number,
                    what=text(f"tax.red_letter.what.{what}"),
                    total=money(total),
                    earlier=money(done[i]),
                    this=money(this),
                    excess=money(done[i] + this - total),
                )
            )
            break
    return findings


def credited_gross(original: Invoice) -> Decimal:
    """What the red invoices of ``original`` reverse (positive)."""
    reds = (
        Invoice.objects.filter(corrects=original, document_type="credit_note")
        .exclude(state__in=LIVE_RED)
        .values_list("gross_amount", flat=True)
    )
    return q2(sum((abs(g or ZERO) for g in reds), ZERO))


def _amount(value, what: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise DomainError(
            gettext("%(what)s must be an amount such as 100.00.") % {"what": what}, code="invalid_amount"
        ) from None
    if not number.is_finite() or number < 0 or number != number.quantize(Decimal("0.01")):
        raise DomainError(
            gettext("%(what)s must be zero or more, with at most 2 decimals.") % {"what": what},
            code="invalid_amount",
        )
    return q2(number)


REQUESTABLE = [
    InvoiceState.VALIDATED,
    InvoiceState.MATCHED,
    InvoiceState.EXCEPTION,
    InvoiceState.APPROVED,
    InvoiceState.SCHEDULED,
    InvoiceState.PAID,
]


def red_letter_request(
    *, invoice_id: int, actor, reason: str, whole: bool, net="", tax="", note: str = ""
) -> RedLetterRequest:
    if not (actor.is_active and (actor.is_finance or actor.is_superuser)):
        raise PermissionDenied(gettext("Only finance may ask for red-letter invoices."))
    if reason not in RedLetterReason.values:
        raise DomainError(gettext("Choose the reason of the red-letter invoice."), code="red_letter_reason")
    note = (note or "").strip()[:500]
    with transaction.atomic():
        original = Invoice.objects.select_for_update().filter(pk=invoice_id).first()
        if original is None:
            raise NotFound(gettext("Invoice %(invoice_id)s not found.") % {"invoice_id": invoice_id})
        if original.format != "cn-xml" or original.is_credit_note or original.state not in REQUESTABLE:
            raise IllegalTransition(
                gettext(
                    "A red-letter invoice can be asked for only on a validated 数电 invoice (not a red one); "
                    "invoice %(invoice)s is not one."
                )
                % {"invoice": original},
                code="red_letter_not_applicable",
            )
        left_net, left_tax = remaining_amounts(original)
        if whole:
            net_amount, tax_amount = left_net, left_tax
        else:
            net_amount = _amount(net, gettext("The net amount"))
            tax_amount = _amount(tax, gettext("The tax amount"))
        if net_amount + tax_amount <= 0:
            raise DomainError(
                gettext("Nothing is left to reverse on invoice %(invoice)s.") % {"invoice": original}
                if whole
                else gettext("The amounts to reverse must be more than zero."),
                code="red_letter_nothing",
            )
        if net_amount > left_net or tax_amount > left_tax:
            raise DomainError(
                gettext(
                    "Only net %(net)s and tax %(tax)s of invoice %(invoice)s are left to reverse (its total less "
                    "its red invoices and open requests)."
                )
                % {"net": left_net, "tax": left_tax, "invoice": original},
                code="red_letter_exceeds_remaining",
                details={"net": str(left_net), "tax": str(left_tax)},
            )
        request = RedLetterRequest.objects.create(
            original=original,
            supplier_id=original.supplier_id,
            reason=reason,
            note=note,
            net_amount=net_amount,
            tax_amount=tax_amount,
            requested_by=actor,
        )
        request.number = f"{timezone.localdate():%Y%m%d}{request.pk:012d}"
        request.save(update_fields=["number"])
        tax_event_log(
            original,
            "red_letter_requested",
            actor=actor,
            reason=text(
                "tax.red_letter.requested",
                number=request.number,
                original=original.invoice_number,
                reason=text(f"tax.red_reason.{reason}"),
                net=str(net_amount),
                tax=str(tax_amount),
                gross=str(net_amount + tax_amount),
                note=note,
            ),
        )
    return request


def _lock_request(user, request_id: int) -> RedLetterRequest:
    from .tax_selectors import red_letter_request_list

    request = red_letter_request_list(user).select_for_update(of=("self",)).filter(pk=request_id).first()
    if request is None:
        raise NotFound(gettext("Red-letter request %(id)s not found.") % {"id": request_id})
    return request


def red_letter_confirm(*, request_id: int, actor) -> RedLetterRequest:
    """The supplier confirms it will raise the red invoice (its 红字确认单 is agreed)."""
    with transaction.atomic():
        request = _lock_request(actor, request_id)
        membership = getattr(actor, "membership", None)
        if membership is None or membership.supplier_id != request.supplier_id:
            raise PermissionDenied(gettext("Only the supplier's own users confirm its red-letter requests."))
        if request.state != RedLetterState.REQUESTED:
            raise IllegalTransition(
                gettext("Red-letter request %(number)s is %(state)s; only a new request can be confirmed.")
                % {"number": request.number, "state": request.get_state_display()},
                code="red_letter_not_open",
            )
        request.state = RedLetterState.CONFIRMED
        request.confirmed_by, request.confirmed_at = actor, timezone.now()
        request.save(update_fields=["state", "confirmed_by", "confirmed_at"])
        tax_event_log(
            request.original,
            "red_letter_confirmed",
            actor=actor,
            reason=text("tax.red_letter.confirmed", number=request.number),
        )
    return request


def red_letter_cancel(*, request_id: int, actor, reason: str) -> RedLetterRequest:
    if not (actor.is_active and (actor.is_finance or actor.is_superuser)):
        raise PermissionDenied(gettext("Only finance may cancel red-letter requests."))
    reason = (reason or "").strip()[:500]
    if not reason:
        raise DomainError(gettext("Say why the request is cancelled."), code="reason_required")
    with transaction.atomic():
        request = _lock_request(actor, request_id)
        if not request.is_open:
            raise IllegalTransition(
                gettext("Red-letter request %(number)s is %(state)s; it cannot be cancelled.")
                % {"number": request.number, "state": request.get_state_display()},
                code="red_letter_not_open",
            )
        request.state = RedLetterState.CANCELLED
        request.save(update_fields=["state"])
        tax_event_log(
            request.original,
            "red_letter_cancelled",
            actor=actor,
            reason=text("tax.red_letter.cancelled", number=request.number, reason=reason),
        )
    return request


def red_invoice_link(red: Invoice) -> RedLetterRequest | None:
    """After a red 数电 invoice passed validation (already linked to its original by the number it
    names): link it to the open request it fulfils — the one whose confirmation number it names,
    else the one open request of its original with the same total — and log it on both invoices."""
    original = red.corrects
    if original is None or not red.is_credit_note:
        return None
    from .tax_models import InvoiceTax

    named = InvoiceTax.objects.filter(invoice=red).values_list("red_confirmation_number", flat=True).first()
    request = _fulfilled_request(red, original, named or "", lock=True)
    if request is not None:
        request.state = RedLetterState.FULFILLED
        request.red_invoice = red
        request.save(update_fields=["state", "red_invoice"])
    left_net, left_tax = remaining_amounts(original)
    params = {
        "red": red.invoice_number,
        "gross": str(abs(red.gross_amount or ZERO)),
        "original": original.invoice_number,
        "remaining": str(left_net + left_tax),
    }
    params["remaining"] = money(left_net + left_tax)
    params["gross"] = money(abs(red.gross_amount or ZERO))
    reason = (
        text(
            "tax.red_letter.linked_checked",
            number=request.number,
            net=money(abs(red.net_amount or ZERO)),
            tax=money(abs(red.tax_amount or ZERO)),
            **params,
        )
        if request
        else text("tax.red_letter.linked_no_request", **params)
    )
    tax_event_log(original, "red_invoice_linked", actor=None, reason=reason)
    tax_event_log(red, "red_invoice_linked", actor=None, reason=reason)
    from .vat import vat_transfer_out_for_red

    vat_transfer_out_for_red(red)  # a deducted original's input VAT: the red invoice's tax goes out
    return request
