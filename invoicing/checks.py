"""Parse and check one e-invoice file: the pure pipeline behind intake and `invoice_inspect`.

No Django: takes bytes and a ValidationContext, returns the normalised invoice and every issue
(parse notes — for UBL/CII these include the EN 16931 rules — signature, generic rules), or raises Refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop

from core.texts import REGISTRY, english, register
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


# The parsers' own findings (pure modules; they note what they found in English, with the values
# of the file): how each reads in the reader's language, by its code. English readers keep the
# parser's sentence (core.texts "english").
register(
    {
        "finding.bad_number": gettext_noop("A number in the invoice cannot be read as a decimal number."),
        "finding.bad_date": gettext_noop("A date in the invoice cannot be read as a date."),
        "finding.cn_xml_number_differs": gettext_noop(
            "The invoice number differs from the number in the file's header (EIid)."
        ),
        "finding.ofd_bad_value": gettext_noop(
            "A value in the OFD file cannot be read (an amount, a date or a tax rate)."
        ),
        "finding.ofd_field_conflict": gettext_noop(
            "A field differs between the parts of the OFD file; the first one is used."
        ),
        "finding.ofd_missing_field": gettext_noop("A field of the invoice was not found in the OFD file."),
        "finding.ofd_unsigned_content": gettext_noop(
            "Some parts of the OFD file were read but are not protected by a valid seal digest."
        ),
        "finding.other": gettext_noop("The file has a finding of its own (code %(code)s)."),
    }
)


def with_text(issue: Issue) -> Issue:
    """``issue`` with a text to read it by (its code's words; the parser's English kept)."""
    if issue.text is not None:
        return issue
    known = f"finding.{issue.code}" in REGISTRY
    words = {
        "code": f"finding.{issue.code}" if known else "finding.other",
        "params": {} if known else {"code": issue.code},
        "english": issue.message,
    }
    return Issue(issue.code, issue.severity, issue.message, text=words)


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
    return CheckResult(invoice=invoice, issues=[with_text(i) for i in issues])
