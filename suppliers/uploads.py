"""Which qualification-document files are accepted: decided by the bytes, not the name.

Pure module (no Django). Allowed: PDF, PNG, JPEG, OFD (a ZIP package with OFD.xml at its root).
"""

from __future__ import annotations

import io
import zipfile

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
ALLOWED_DESCRIPTION = "PDF, PNG, JPEG or OFD"

_MAGIC = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)


def sniff_document(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) for an allowed document, or None."""
    for magic, content_type, ext in _MAGIC:
        if data.startswith(magic):
            return content_type, ext
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:  # reads the directory only
                names = {n.lstrip("/") for n in zf.namelist()}
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        if "OFD.xml" in names:
            return "application/ofd", ".ofd"
    return None
