"""Short names of the engine's reason codes, for reports and filters (the full sentences are in
``explain``): registered with ``core.texts`` as ``match.code.<code>`` and read in the reader's
language with :func:`reason_label`."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from core.texts import REGISTRY, register, render

from .model import ReasonCode

LABELS = register(
    {
        f"match.code.{code}": words
        for code, words in {
            ReasonCode.NO_LINES: gettext_noop("Document without lines"),
            ReasonCode.LINES_DO_NOT_ADD_UP: gettext_noop("Lines do not add up to the net total"),
            ReasonCode.CREDIT_NOTE_WITHOUT_ORIGINAL: gettext_noop("Credit note names no original invoice"),
            ReasonCode.INVOICE_TOTAL_ABOVE_TOLERANCE: gettext_noop("Invoice total above tolerance"),
            ReasonCode.INVOICE_TOTAL_BELOW_TOLERANCE: gettext_noop("Invoice total below tolerance"),
            ReasonCode.INVOICE_TOTAL_WITHIN_TOLERANCE: gettext_noop("Invoice total within tolerance"),
            ReasonCode.TAX_TOTAL_MISMATCH: gettext_noop("Tax total does not match"),
            ReasonCode.TAX_TOTAL_ROUNDING_WITHIN_ALLOWANCE: gettext_noop(
                "Tax total rounding within allowance"
            ),
            ReasonCode.INVALID_QUANTITY: gettext_noop("Invalid quantity"),
            ReasonCode.PO_LINE_REFERENCE_UNKNOWN: gettext_noop("Unknown PO line reference"),
            ReasonCode.NO_PO_LINE: gettext_noop("No PO line for the invoice line"),
            ReasonCode.CURRENCY_MISMATCH: gettext_noop("Currency differs from the PO"),
            ReasonCode.PAIRED_WITH_OPEN_QUANTITY: gettext_noop(
                "Paired with the PO line that has quantity open"
            ),
            ReasonCode.SPLIT_ACROSS_PO_LINES: gettext_noop("Split across PO lines"),
            ReasonCode.TAX_RATE_MISMATCH: gettext_noop("Tax rate differs from the PO"),
            ReasonCode.QUANTITY_NOT_RECEIVED: gettext_noop("Quantity not received"),
            ReasonCode.QUANTITY_NOT_ORDERED: gettext_noop("Quantity not ordered"),
            ReasonCode.QUANTITY_ALREADY_INVOICED: gettext_noop("Quantity already invoiced"),
            ReasonCode.QUANTITY_WITHIN_TOLERANCE: gettext_noop("Quantity within tolerance"),
            ReasonCode.CREDIT_EXCEEDS_INVOICED: gettext_noop("Credit exceeds what was invoiced"),
            ReasonCode.PRICE_ABOVE_TOLERANCE: gettext_noop("Unit price above tolerance"),
            ReasonCode.PRICE_BELOW_TOLERANCE: gettext_noop("Unit price below tolerance"),
            ReasonCode.PRICE_WITHIN_TOLERANCE: gettext_noop("Unit price within tolerance"),
            ReasonCode.AMOUNT_ABOVE_TOLERANCE: gettext_noop("Line amount above tolerance"),
            ReasonCode.AMOUNT_BELOW_TOLERANCE: gettext_noop("Line amount below tolerance"),
            ReasonCode.AMOUNT_WITHIN_TOLERANCE: gettext_noop("Line amount within tolerance"),
            ReasonCode.TAX_AMOUNT_MISMATCH: gettext_noop("Tax amount does not match"),
            ReasonCode.TAX_ROUNDING_WITHIN_ALLOWANCE: gettext_noop("Tax rounding within allowance"),
        }.items()
    }
)


def reason_label(code: str) -> str:
    """The short name of a reason code in the active language; an unknown code reads as itself."""
    key = f"match.code.{code}"
    return render(key) if key in REGISTRY else (code or "")


def reason_choices() -> list[tuple[str, str]]:
    """Every reason code with its short name in the active language, sorted by the name (a filter's
    options)."""
    codes = (key.removeprefix("match.code.") for key in LABELS)
    return sorted(((code, reason_label(code)) for code in codes), key=lambda pair: pair[1])
