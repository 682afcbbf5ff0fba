"""The normalised invoice as plain JSON-ready data (CLI and API share this shape)."""

from __future__ import annotations

from decimal import Decimal

from invoicing.formats.model import Issue, NormalisedInvoice


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def invoice_to_dict(invoice: NormalisedInvoice, issues: list[Issue]) -> dict:
    return {
        "format": str(invoice.format),
        "document_type": str(invoice.document_type),
        "invoice_number": invoice.invoice_number,
        "invoice_code": invoice.invoice_code or None,
        "issue_date": invoice.issue_date.isoformat() if invoice.issue_date else None,
        "currency": invoice.currency,
        "seller": {"name": invoice.seller.name, "tax_id": invoice.seller.tax_id},
        "buyer": {"name": invoice.buyer.name, "tax_id": invoice.buyer.tax_id},
        "totals": {
            "net": _dec(invoice.totals.net),
            "tax": _dec(invoice.totals.tax),
            "gross": _dec(invoice.totals.gross),
            "payable": _dec(invoice.totals.payable),
        },
        "lines": [
            {
                "name": line.name,
                "quantity": _dec(line.quantity),
                "unit": line.unit,
                "unit_price": _dec(line.unit_price),
                "net": _dec(line.net),
                "tax_rate": _dec(line.tax_rate),
                "tax": _dec(line.tax),
            }
            for line in invoice.lines
        ],
        "corrects_invoice": invoice.corrects_invoice or None,
        "po_references": list(invoice.po_references),
        "signature": {
            "present": invoice.signature.present,
            "digests_valid": invoice.signature.digests_valid,
            "signature_valid": invoice.signature.signature_valid,
            "signer": invoice.signature.signer or None,
        },
        "issues": [{"code": i.code, "severity": str(i.severity), "message": i.message} for i in issues],
    }
