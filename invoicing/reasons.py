"""Why an uploaded file was refused, in the reader's language, from the refusal's stable code.

The parsers (pure, no Django) refuse with a code and a technical English detail; pages show the
translated reason below and the detail only as a small technical note.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.texts import register

REFUSAL_REASONS = {
    # size and kind of file
    "file_too_large": _("The file is larger than the upload limit."),
    "unsupported_format": _(
        "This is not an e-invoice file we can read. Upload an OFD, 数电 XML, UBL or CII invoice, "
        "or a Factur-X / ZUGFeRD / XRechnung PDF."
    ),
    "not_an_invoice": _("The file does not contain an invoice."),
    "too_many_lines": _("The invoice has more lines than the portal accepts."),
    # XML
    "xml_too_large": _("The XML file is too large."),
    "xml_doctype": _("The XML file declares a DOCTYPE or entities, which are refused for safety."),
    "xml_empty": _("The XML file is empty."),
    "xml_malformed": _("The file is damaged: it is not well-formed XML."),
    "xml_encoding": _("The XML file's character encoding is not accepted; use UTF-8."),
    "missing_element": _("The invoice lacks a required part (e.g. its amounts or items)."),
    "invalid_value": _("The invoice contains a value that cannot be read (a number, rate or date)."),
    "en16931_root": _("The XML file is neither a UBL nor a CII invoice."),
    "ubl_root": _("The XML file is not a UBL invoice or credit note."),
    "cii_root": _("The XML file is not a CII invoice."),
    # OFD (a ZIP archive)
    "ofd_malformed": _("The OFD file is damaged."),
    "zip_too_large": _("The archive is too large."),
    "zip_too_many_members": _("The archive contains too many files."),
    "zip_corrupt": _("The archive is damaged and cannot be read."),
    "zip_bomb": _("The archive would unpack to far more data than it holds; it is refused for safety."),
    "zip_nested_archive": _("The archive contains another archive, which is refused for safety."),
    "zip_bad_member_name": _("The archive contains a file name that is not allowed."),
    "zip_duplicate_member": _("The archive contains the same file twice."),
    "zip_encrypted": _("The archive is encrypted."),
    # PDF (Factur-X / ZUGFeRD / XRechnung)
    "pdf_malformed": _("The PDF file is damaged and cannot be read."),
    "pdf_encrypted": _("The PDF file is encrypted; upload it without a password."),
    "pdf_too_many_objects": _("The PDF file is far more complex than an invoice; it is refused for safety."),
    "pdf_too_deep": _("The PDF file's structure is nested too deeply; it is refused for safety."),
    "pdf_no_invoice": _(
        "The PDF carries no e-invoice. Only a Factur-X, ZUGFeRD or XRechnung PDF (with the invoice XML "
        "embedded) is accepted; a plain PDF is not an e-invoice."
    ),
    "pdf_embedded_too_large": _("The invoice embedded in the PDF is too large."),
    "pdf_bomb": _(
        "The invoice embedded in the PDF would unpack to far more data than it holds; it is refused for safety."
    ),
    "pdf_embedded_wrong_type": _(
        "The file embedded in the PDF as the invoice is not a CII or UBL invoice XML."
    ),
    # the portal's own checks
    "file_already_uploaded": _("This exact file has already been uploaded to the portal."),
    "idempotency_key_reused": _("This upload key was already used for a different file."),
    "supplier_not_approved": _("Your company is not approved at the moment, so it cannot upload invoices."),
    "permission_denied": _("You may not upload invoices for this company."),
    "no_file": _("No file was sent."),
}


register({f"refusal.{code}": words for code, words in REFUSAL_REASONS.items()})
register({"refusal": _("The file was refused.")})


def refusal_text(code: str, english: str) -> dict:
    """A refusal as a stored text: its reason by code in the reader's language (the parser's
    technical English for English readers)."""
    return {
        "code": f"refusal.{code}" if code in REFUSAL_REASONS else "refusal",
        "params": {},
        "english": english,
    }


def refusal_reason(code: str) -> str:
    """The translated reason for a refusal code (a general one for a code not listed)."""
    return REFUSAL_REASONS.get(code) or _("The file was refused.")


# What an invoice's state means for the supplier who just uploaded it (upload page rows).
STATE_NOTES = {
    "received": _("Being checked…"),
    "validating": _("Being checked…"),
    "validated": _("Checked; now being matched with the purchase order and receipt…"),
    "rejected": _("Refused by the checks: open the invoice to see why."),
    "matched": _("Matched with the purchase order and receipt."),
    "approved": _("Matched with the purchase order and receipt, and approved for payment."),
    "exception": _("Differs from the purchase order or receipt: the buyer's finance team reviews it."),
}


def state_note(state: str) -> str:
    return STATE_NOTES.get(state, "")
