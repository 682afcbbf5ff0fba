"""Content-addressed storage of original invoice bytes (unchanged, named by SHA-256)."""

from __future__ import annotations

import hashlib
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext

from core.errors import Conflict

logger = logging.getLogger(__name__)


class StoredFileUnavailable(Conflict):
    """A stored original is missing or changed: refused with a reason, never served, never a 500."""


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def path_for(sha256: str) -> str:
    return f"invoices/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def put(data: bytes) -> tuple[str, str]:
    """Store ``data`` once; returns (sha256, storage path). Storing the same bytes again is a no-op."""
    sha = sha256_of(data)
    path = path_for(sha)
    if not default_storage.exists(path):
        saved = default_storage.save(path, ContentFile(data))
        if saved != path:  # a concurrent writer stored the same bytes first
            default_storage.delete(saved)
    return sha, path


def get(path: str, expected_sha256: str) -> bytes:
    """Read stored bytes and verify they still hash to what they were stored under. A file that is
    missing or changed in storage is never served: the reader gets a clear 409 (the operator's log
    names the path; ``invoice_files_verify`` lists every such file)."""
    try:
        with default_storage.open(path, "rb") as fh:
            data = fh.read()
    except OSError:  # FileNotFoundError, or the object store's missing key
        data = None
    except Exception as exc:  # botocore's ClientError and the like: the storage answered, without the file
        logger.error("stored file %s could not be read: %s", path, exc)
        data = None
    if data is None or sha256_of(data) != expected_sha256:
        logger.error("stored file %s is %s", path, "missing" if data is None else "changed (SHA-256 differs)")
        raise StoredFileUnavailable(
            gettext(
                "The stored original of this document is missing or no longer matches its SHA-256 "
                "fingerprint, so it is not served. Ask the portal administrator to restore it from the backup."
            ),
            code="stored_file_unavailable",
        )
    return data
