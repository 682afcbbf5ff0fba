"""Which quote attachments are accepted: decided by the bytes, and the file name must agree.

Pure module (no Django). Accepted: PDF, PNG, JPEG, OFD, Excel (.xlsx), Word (.docx) and plain
text (.txt, .csv; UTF-8 or GB18030). Anything else (executables, HTML with a .pdf name, old
binary Office files, archives) is refused with a code the API returns as is.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass


@dataclass(frozen=True)
class AttachmentType:
    kind: str
    content_type: str
    extensions: tuple[str, ...]
    label: str


PDF = AttachmentType("pdf", "application/pdf", (".pdf",), "PDF")
PNG = AttachmentType("png", "image/png", (".png",), "PNG")
JPEG = AttachmentType("jpeg", "image/jpeg", (".jpg", ".jpeg"), "JPEG")
OFD = AttachmentType("ofd", "application/ofd", (".ofd",), "OFD")
XLSX = AttachmentType(
    "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",), "Excel"
)
DOCX = AttachmentType(
    "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",), "Word"
)
TEXT = AttachmentType("text", "text/plain", (".txt", ".csv"), "text")
ACCEPTED = (PDF, PNG, JPEG, OFD, XLSX, DOCX, TEXT)
ACCEPTED_DESCRIPTION = "PDF, PNG, JPEG, OFD, Excel (.xlsx), Word (.docx) or text (.txt, .csv)"

_MAGIC = ((b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG))
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_MAX_ZIP_MEMBERS = 10_000


class AttachmentRefused(ValueError):
    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def _zip_kind(data: bytes) -> AttachmentType | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:  # reads the central directory only
            infos = zf.infolist()
            if len(infos) > _MAX_ZIP_MEMBERS:
                return None
            names = {info.filename.lstrip("/") for info in infos}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return None
    if "OFD.xml" in names:
        return OFD
    if "[Content_Types].xml" in names:
        if "xl/workbook.xml" in names:
            return XLSX
        if "word/document.xml" in names:
            return DOCX
    return None


def _is_text(data: bytes) -> bool:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return not _CONTROL.search(text)
    return False


def sniff(data: bytes) -> AttachmentType | None:
    """The accepted type of these bytes, or None."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    return TEXT if _is_text(data) else None


def clean_name(name: str, *, max_length: int = 200) -> str:
    """The last path component, without control characters, at most ``max_length`` characters
    (keeping the extension)."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if len(base) > max_length:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: max_length - len(ext) - 1] + dot + ext) if dot and len(ext) < 10 else base[:max_length]
    return base or "attachment"


def check(name: str, data: bytes, *, max_bytes: int) -> tuple[str, AttachmentType]:
    """(clean name, type) of an acceptable attachment; raises AttachmentRefused otherwise."""
    name = clean_name(name)
    if not data:
        raise AttachmentRefused(f"Attachment {name} is empty.", "attachment_empty")
    if len(data) > max_bytes:
        raise AttachmentRefused(
            f"Attachment {name} is larger than the limit of {max_bytes // (1024 * 1024)} MiB.",
            "attachment_too_large",
        )
    kind = sniff(data)
    if kind is None:
        raise AttachmentRefused(
            f"Attachment {name} is not an accepted kind of file; attach {ACCEPTED_DESCRIPTION}.",
            "attachment_type_not_allowed",
        )
    if not name.lower().endswith(kind.extensions):
        raise AttachmentRefused(
            f"Attachment {name} does not match its content ({kind.label}); name it "
            f"{' or '.join('*' + ext for ext in kind.extensions)}.",
            "attachment_type_mismatch",
        )
    return name, kind
