"""Parse and check one e-invoice file: the pure pipeline behind intake and `invoice_inspect`.

No Django: takes bytes and a ValidationContext, returns the normalised invoice and every issue
(parse notes — for UBL/CII these include the EN 16931 rules — signature, generic rules), or raises Refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop

from core.texts import english, register
from invoicing.formats.detect import parse_invoice
from invoicing.formats.model import Format, Issue, NormalisedInvoice, Severity
from invoicing.validation import ValidationContext, validate

SIGNATURE_ISSUES = {
    "tampered": ("signature_tampered", Severity.ERROR),
    "invalid": ("signature_invalid", Severity.ERROR),
    "unverified": ("signature_unverified", Severity.WARNING),
}
# The words of the signature findings (core.texts). The English message also cites the
# verifier's technical note (``detail``); the page shows that note apart, as a technical detail.
ENGLISH_DETAIL = {
    "signature_tampered": "The invoice was changed after it was signed: {detail}. It cannot be accepted; ask the issuer "
    "for the original file.",
    "signature_invalid": "The electronic seal's signature does not verify ({detail}). The file is not the one the tax "
    "authority signed.",
    "signature_unverified": "The file carries a signature that cannot be verified here ({detail}).",
}
register(
    {
        "signature.signature_tampered": gettext_noop(
            "The invoice was changed after it was signed. It cannot be accepted; ask the issuer for the original file."
        ),
        "signature.signature_invalid": gettext_noop(
            "The electronic seal's signature does not verify. The file is not the one the tax authority signed."
        ),
        "signature.signature_unverified": gettext_noop(
            "The file carries a signature that cannot be verified here."
        ),
        "signature.signature_missing": gettext_noop("The OFD invoice carries no electronic seal."),
    }
)


def _signature_issue(code: str, severity: Severity, detail: str = "") -> Issue:
    words = {"code": f"signature.{code}", "params": {}}
    message = ENGLISH_DETAIL[code].format(detail=detail) if code in ENGLISH_DETAIL else english(words)
    return Issue(code, severity, message, text=words)


@dataclass
class CheckResult:
    invoice: NormalisedInvoice
    issues: list[Issue]

    @property
    def has_errors(self) -> bool:
        return any(i.severity == Severity.ERROR for i in self.issues)


def signature_issues(invoice: NormalisedInvoice) -> list[Issue]:
    status = invoice.signature.status
    if status == "unsigned":
        if invoice.format == Format.OFD:
            return [_signature_issue("signature_missing", Severity.WARNING)]
        return []
    if status not in SIGNATURE_ISSUES:
        return []
    code, severity = SIGNATURE_ISSUES[status]
    return [_signature_issue(code, severity, detail=invoice.signature.detail or status)]


def check_file(data: bytes, ctx: ValidationContext, *, max_bytes: int = 20 * 1024 * 1024) -> CheckResult:
    """Raises :class:`invoicing.formats.model.Refused` for hostile, malformed or unsupported files."""
    invoice = parse_invoice(data, max_bytes=max_bytes)
    issues = list(invoice.issues)
    issues += signature_issues(invoice)
    issues += validate(invoice, ctx)
    return CheckResult(invoice=invoice, issues=issues)
