"""Demo data of the suppliers app (called from settlement's seed_demo)."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from .models import DocumentType, QualificationDocument, Supplier
from .services import qualification_document_upload

# A small, real one-page PDF standing in for the scanned licence.
_LICENCE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 58>>stream\nBT /F1 24 Tf 72 760 Td (Business licence - demo) Tj ET\nendstream\nendobj\n"
    b"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def seed_supplier_qualifications(supplier: Supplier, *, uploaded_by) -> QualificationDocument:
    """A valid business licence (营业执照) for a demo supplier, issued two years ago and expiring
    in five, so the daily qualification-expiry job keeps it approved. Idempotent: a supplier
    that already holds a valid licence gets nothing new."""
    today = timezone.localdate()
    held = [
        d
        for d in supplier.documents.filter(doc_type=DocumentType.BUSINESS_LICENCE)
        if d.is_valid_on(today + timedelta(days=365))
    ]
    if held:
        return held[0]
    return qualification_document_upload(
        supplier=supplier,
        doc_type=DocumentType.BUSINESS_LICENCE,
        issued_on=today - timedelta(days=730),
        expires_on=today + timedelta(days=5 * 365),
        uploaded_file=SimpleUploadedFile(f"yingye-zhizhao-{supplier.tax_id}.pdf", _LICENCE_PDF),
        actor=uploaded_by,
    )
