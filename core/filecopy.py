"""Copying the stored files (invoice originals, quote attachments, qualification documents) between
the configured storage (a local MEDIA_ROOT or an S3 bucket) and a folder: the file half of a backup
and of a restore (docs/operations.md), and the way to move a deployment from a disk to a bucket.

Stored files are never changed once written, so a file already present (same name, same size) is
left alone in both directions: copying again is cheap and never overwrites anything.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.core.files import File
from django.core.files.storage import Storage

# The readiness probe writes and deletes here (health_check.checks.Storage): never worth copying.
SKIPPED_PREFIXES = ("health_check_storage_test/",)


@dataclass
class Copied:
    copied: int = 0
    present: int = 0

    def summary(self) -> str:
        return f"Copied {self.copied} files, {self.present} already there."


def stored_names(storage: Storage, top: str = "") -> Iterator[str]:
    """Every file name in ``storage`` below ``top`` (depth first)."""
    try:
        dirs, files = storage.listdir(top)
    except FileNotFoundError:  # a local MEDIA_ROOT nobody has written to yet
        return
    for name in sorted(files):
        path = posixpath.join(top, name) if top else name
        if not path.startswith(SKIPPED_PREFIXES):
            yield path
    for sub in sorted(dirs):
        yield from stored_names(storage, posixpath.join(top, sub) if top else sub)


def _inside(folder: Path, name: str) -> Path:
    target = (folder / name).resolve()
    if not target.is_relative_to(folder.resolve()):
        raise ValueError(f"stored name {name!r} points outside {folder}")
    return target


def storage_to_folder(storage: Storage, folder: Path) -> Copied:
    result = Copied()
    for name in stored_names(storage):
        target = _inside(folder, name)
        if target.is_file() and target.stat().st_size == storage.size(name):
            result.present += 1
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with (
            storage.open(name, "rb") as source,
            tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as partial,
        ):
            shutil.copyfileobj(source, partial, 1024 * 1024)
        os.replace(partial.name, target)  # a file in the folder is always whole
        result.copied += 1
    return result


def folder_to_storage(folder: Path, storage: Storage) -> Copied:
    result = Copied()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if name.startswith(SKIPPED_PREFIXES):
            continue
        if storage.exists(name):
            result.present += 1
            continue
        with path.open("rb") as fh:
            saved = storage.save(name, File(fh, name=name))
        if saved != name:  # written meanwhile by someone else: keep theirs (same name, same bytes)
            storage.delete(saved)
            result.present += 1
            continue
        result.copied += 1
    return result
