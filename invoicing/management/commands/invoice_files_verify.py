"""Re-check every stored invoice file against the SHA-256 it is stored under.

Read-only. Prints one line per problem (a missing file, a file whose size or SHA-256 differs)
and a summary line; exits 1 when any file is missing or damaged, 0 when every file is intact.
Run it after restoring a backup and from time to time (see docs/operations.md).
"""

from __future__ import annotations

import hashlib
import json

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from invoicing.models import StoredFile

CHUNK = 1024 * 1024


def _check(stored: StoredFile) -> tuple[str, str] | None:
    """None when the file is intact, else (kind, detail) with kind "missing" or "mismatch"."""
    digest, size = hashlib.sha256(), 0
    try:
        with default_storage.open(stored.path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except FileNotFoundError:
        return "missing", "the file is not in storage"
    except OSError as exc:
        return "missing", f"the file cannot be read: {exc.strerror or exc}"
    if digest.hexdigest() != stored.sha256:
        return "mismatch", f"its SHA-256 is now {digest.hexdigest()} ({size} bytes, stored {stored.size})"
    if size != stored.size:
        return "mismatch", f"it has {size} bytes, {stored.size} were stored"
    return None


class Command(BaseCommand):
    help = (
        "Re-check every stored invoice file against its SHA-256; report missing or changed files "
        "(exit status 1 when there is any)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print exactly one JSON object")

    def handle(self, *args, json: bool = False, **options):
        checked, problems = 0, []
        files = StoredFile.objects.select_related("invoice").order_by("pk")
        for stored in files.iterator(chunk_size=500):
            checked += 1
            found = _check(stored)
            if found is None:
                continue
            kind, detail = found
            invoice = getattr(stored, "invoice", None)
            problems.append(
                {
                    "problem": kind,
                    "sha256": stored.sha256,
                    "path": stored.path,
                    "invoice_id": invoice.pk if invoice is not None else None,
                    "detail": detail,
                }
            )
        missing = sum(1 for p in problems if p["problem"] == "missing")
        summary = (
            f"Checked {checked} stored invoice files: {checked - len(problems)} intact, "
            f"{len(problems) - missing} changed, {missing} missing."
        )
        if json:
            self.stdout.write(
                _dumps({"checked": checked, "intact": checked - len(problems), "problems": problems})
            )
        else:
            for p in problems:
                owner = f"invoice {p['invoice_id']}" if p["invoice_id"] else "no invoice"
                self.stdout.write(f"{p['problem'].upper()}: {p['path']} ({owner}): {p['detail']}")
            self.stdout.write(summary)
        if problems:
            raise CommandError(summary, returncode=1)


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
