"""The authenticity check (发票查验) of Chinese invoices, as a step of the invoice.

* :func:`tax_facts_record`: at validation, the tax facts of an OFD / 数电 XML invoice (special VAT
  or not, check code, red confirmation number) are kept on :class:`InvoiceTax`.
* After ``pass_validation`` the task ``invoicing.verify_invoice_tax`` runs through the outbox
  (``invoicing.tax_receivers``); finance can run it again (:func:`invoice_tax_verify` with an actor).
* The result (verified / failed / not checkable, its reason code, the checker and the time) is kept
  on :class:`InvoiceTax` and as a row of the invoice's history.
* :func:`tax_check_require_passed`: the guard settlement calls before approving an invoice for
  payment, putting it on a statement or paying it.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from core.errors import IllegalTransition, NotFound, PermissionDenied
from core.history import TRANSITION_LABELS
from core.models import TransitionLog
from core.services import transition_locked
from core.texts import Text, register, text

from .models import Invoice, InvoiceState
from .tax_models import Deduction, InvoiceTax, Verification
from .verification import CHINESE_FORMATS, FAILED, NOT_CHECKABLE, VERIFIED, InvoiceFacts, get_verifier

TRANSITION_LABELS.update(
    {
        "tax_verified": _("Authenticity check: verified"),
        "tax_check_failed": _("Authenticity check: failed"),
        "tax_not_checkable": _("Authenticity check: not checkable"),
        "red_letter_requested": _("Red-letter invoice requested"),
        "red_letter_confirmed": _("Red-letter request confirmed by the supplier"),
        "red_letter_cancelled": _("Red-letter request cancelled"),
        "red_invoice_linked": _("Red-letter invoice linked"),
        "vat_deduction_set": _("Input VAT deduction status set"),
        "vat_transferred_out": _("Input VAT transferred out"),
    }
)

register(
    {
        "tax.checked": gettext_noop("Checker %(checker)s: %(reason)s"),
        "tax.approved_after_check": gettext_noop(
            "Approved for payment: the authenticity check passed (%(checker)s)."
        ),
        "tax.held_for_check": gettext_noop(
            "Matched; not approved for payment while its authenticity check has failed."
        ),
        "tax.check.facts_consistent": gettext_noop(
            "The invoice's own facts are consistent (number, seller tax id check character, net + tax = total) "
            "and its number is not on the list of cancelled invoices. Checked offline, without the national service."
        ),
        "tax.check.service_verified": gettext_noop("The national verification service confirms the invoice."),
        "tax.check.not_chinese": gettext_noop(
            "Only Chinese invoices (OFD, 数电 XML) are checked; this one is %(format)s."
        ),
        "tax.check.missing_facts": gettext_noop(
            "The invoice lacks the number, date or total that the check needs."
        ),
        "tax.check.code_format": gettext_noop("The invoice code %(code)s does not have 10 or 12 digits."),
        "tax.check.number_format": gettext_noop(
            "The invoice number %(number)s does not have %(digits)s digits."
        ),
        "tax.check.check_code_format": gettext_noop("The check code %(check_code)s does not have 20 digits."),
        "tax.check.seller_tax_id": gettext_noop(
            "The seller's tax id %(tax_id)s is not valid (wrong length or check character)."
        ),
        "tax.check.amounts": gettext_noop("Net %(net)s plus tax %(tax)s is not the total %(gross)s."),
        "tax.check.cancelled": gettext_noop("Invoice %(number)s is cancelled (作废) at the tax authority."),
        "tax.check.red_flushed": gettext_noop(
            "Invoice %(number)s is fully reversed by a red-letter invoice (已红冲)."
        ),
        "tax.check.mismatch": gettext_noop(
            "The tax authority's record of invoice %(number)s differs from this invoice."
        ),
        "tax.check.not_found": gettext_noop("The tax authority has no invoice %(number)s."),
        "tax.check.service_failed": gettext_noop(
            "The verification service refused the invoice (code %(code)s)."
        ),
        "tax.check.service_not_configured": gettext_noop(
            "The verification service is not configured (URL, app key and app secret)."
        ),
        "tax.check.service_unavailable": gettext_noop(
            "The verification service could not be reached; run the check again later."
        ),
        "tax.check.service_error": gettext_noop(
            "The verification service answered with HTTP status %(status)s; run the check again later."
        ),
        "tax.check.service_answer_unreadable": gettext_noop(
            "The verification service's answer could not be read; run the check again later."
        ),
    }
)

_EVENT = {VERIFIED: "tax_verified", FAILED: "tax_check_failed", NOT_CHECKABLE: "tax_not_checkable"}


def tax_event_log(invoice: Invoice, name: str, *, actor, reason: Text) -> None:
    """A row in the invoice's history for a tax step (its state does not change)."""
    TransitionLog.objects.create(
        content_type=ContentType.objects.get_for_model(invoice),
        object_id=str(invoice.pk),
        transition=name,
        source=invoice.state,
        target=invoice.state,
        actor=actor,
        reason=reason.english()[:4000],
        reason_code=reason.code,
        reason_params=reason.as_json()["params"],
    )


def is_special_vat(kind: str, kind_code: str = "") -> bool:
    return kind_code == "01" or "专用发票" in kind or "专票" in kind


def tax_facts_record(invoice: Invoice, parsed) -> None:
    """Keep the tax facts of a validated Chinese invoice (called by ``invoice_validate``)."""
    if str(parsed.format) not in CHINESE_FORMATS:
        return
    extra = parsed.extra or {}
    kind = extra.get("invoice_kind") or extra.get("invoice_type") or ""
    special = is_special_vat(kind, extra.get("invoice_kind_code", ""))
    red = str(parsed.document_type) == "credit_note"
    facts = {
        "special_vat": special,
        "invoice_kind": kind[:40],
        "check_code": "".join(extra.get("check_code", "").split())[:32],
        "red_confirmation_number": extra.get("red_confirmation_number", "")[:40],
        "deduction": Deduction.PENDING if special and not red else "",
    }
    # one upsert statement (validation runs for every invoice; update_or_create costs six)
    InvoiceTax.objects.bulk_create(
        [InvoiceTax(invoice=invoice, **facts)],
        update_conflicts=True,
        unique_fields=["invoice"],
        update_fields=list(facts),
    )


def facts_of(invoice: Invoice, tax: InvoiceTax | None) -> InvoiceFacts:
    return InvoiceFacts(
        format=invoice.format,
        number=invoice.invoice_number,
        code=invoice.invoice_code,
        issue_date=invoice.issue_date,
        seller_tax_id=invoice.seller_tax_id,
        net=invoice.net_amount,
        tax=invoice.tax_amount,
        gross=invoice.gross_amount,
        check_code=tax.check_code if tax else "",
        red=invoice.is_credit_note,
    )


def _require_finance(actor) -> None:
    if actor is not None and not (actor.is_active and (actor.is_finance or actor.is_superuser)):
        raise PermissionDenied(gettext("Only finance may run the authenticity check."))


def invoice_tax_verify(*, invoice_id: int, actor=None) -> InvoiceTax | None:
    """Run the configured checker on a validated Chinese invoice and record its result.

    Without ``actor`` it is the automatic run after validation (a task; idempotent: an invoice
    already checked is left as it is); with ``actor`` finance runs it again. Returns the tax row,
    or None for an invoice that is not Chinese or not validated (nothing to check)."""
    _require_finance(actor)
    verifier = get_verifier()
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().filter(pk=invoice_id).first()
        if invoice is None:
            raise NotFound(gettext("Invoice %(invoice_id)s not found.") % {"invoice_id": invoice_id})
        if invoice.format not in CHINESE_FORMATS or invoice.state in (
            InvoiceState.RECEIVED,
            InvoiceState.VALIDATING,
            InvoiceState.REJECTED,
        ):
            if actor is not None:
                raise IllegalTransition(
                    gettext("Only a validated Chinese invoice (OFD or 数电 XML) can be checked."),
                    code="tax_check_not_applicable",
                )
            return None
        tax, _ = InvoiceTax.objects.select_for_update().get_or_create(invoice=invoice)
        if actor is None and tax.verification != Verification.PENDING:
            return tax  # the task ran already (at least once delivery)
        outcome = verifier.verify(facts_of(invoice, tax))
        tax.verification = outcome.result
        tax.verification_code = outcome.code[:40]
        tax.verification_params = outcome.params
        tax.verification_checker = verifier.name[:100]
        tax.verified_at = timezone.now()
        tax.save()
        reason = text(
            "tax.checked", checker=verifier.name, reason=text(f"tax.check.{outcome.code}", **outcome.params)
        )
        tax_event_log(invoice, _EVENT[outcome.result], actor=actor, reason=reason)
        if outcome.result != FAILED and invoice.state == InvoiceState.MATCHED:
            # held at matched by a failed check (settlement's matching): approved now
            transition_locked(
                invoice, "approve", actor=None, reason=text("tax.approved_after_check", checker=verifier.name)
            )
    return tax


def tax_check_failed(invoice: Invoice) -> bool:
    return InvoiceTax.objects.filter(invoice_id=invoice.pk, verification=Verification.FAILED).exists()


def tax_check_require_passed(invoice: Invoice) -> None:
    """Refuse to approve for payment, put on a statement or pay an invoice that failed its
    authenticity check (the message in the reader's language names the reason)."""
    tax = InvoiceTax.objects.filter(invoice_id=invoice.pk, verification=Verification.FAILED).first()
    if tax is None:
        return
    raise IllegalTransition(
        gettext(
            "Invoice %(invoice)s failed its authenticity check (发票查验): %(reason)s It cannot be approved for "
            "payment, put on a statement or paid until a new check passes."
        )
        % {"invoice": invoice, "reason": tax.verification_reason},
        code="tax_check_failed",
        details={"invoice_id": invoice.pk, "reason_code": tax.verification_code},
    )
