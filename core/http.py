"""HTTP output helpers shared by every app: what may go into a response header."""

from __future__ import annotations

import unicodedata

MAX_DOWNLOAD_NAME = 120


def header_text(value: object) -> str:
    """Text safe for one header line (an e-mail subject, a header value): CR, LF and every other
    control or format character (bidi overrides, zero-width marks) become a space, runs of
    spaces collapse. A stored value can therefore never start a new header."""
    text = "" if value is None else str(value)
    cleaned = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text)
    return " ".join(cleaned.split())


def download_name(name: str | None, *, fallback: str, extension: str = "") -> str:
    """A file name to offer in ``Content-Disposition`` (always pass it through Django's
    ``content_disposition_header``, which quotes it and adds ``filename*=`` for Chinese).

    Keeps only the base name (no folders), drops control and bidi characters (a name shown as
    ``invoice‮lmth.xml`` is really ``….html``), trims leading dots, caps the length, and when
    ``extension`` is given makes sure the name ends with it, so a crafted name cannot make the
    browser save the file as ``.html`` or ``.exe``."""
    base = header_text(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = base.replace('"', "'").strip(" .")
    if not base:
        base = fallback
    if extension and not base.lower().endswith(extension.lower()):
        base = f"{base}{extension}"
    if len(base) > MAX_DOWNLOAD_NAME:
        keep = len(extension) if extension else 0
        base = base[: MAX_DOWNLOAD_NAME - keep] + (base[-keep:] if keep else "")
    return base
