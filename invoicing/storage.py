"""Content-addressed storage of original invoice bytes (unchanged, named by SHA-256)."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


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
    """Read stored bytes and verify they still hash to what they were stored under."""
    with default_storage.open(path, "rb") as fh:
        data = fh.read()
    if sha256_of(data) != expected_sha256:
        raise OSError(f"stored file {path} no longer matches its SHA-256")
    return data
