"""Reading a CSV upload into rows (pure: no Django). Excel in China saves GB18030, elsewhere
UTF-8 (often with a BOM): both are read. Bounded in size and rows; headers are matched without
case or surrounding spaces. Every problem names its row (as a spreadsheet numbers it: the
header is row 1) and column."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000


@dataclass(frozen=True)
class RowError:
    row: int  # 1 = the header row
    column: str
    code: str
    message: str


class CsvRefused(Exception):
    """The file as a whole cannot be read (encoding, size, headers)."""

    def __init__(self, code: str, params: dict | None = None):
        super().__init__(code)
        self.code = code
        self.params = params or {}


def read_rows(
    data: bytes, *, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> list[tuple[int, dict]]:
    """[(row number, {column: stripped text})] for every non-empty data row."""
    if len(data) > MAX_BYTES:
        raise CsvRefused("csv_too_large", {"max_bytes": MAX_BYTES})
    text = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise CsvRefused("csv_encoding")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise CsvRefused("csv_empty") from None
    except csv.Error:
        raise CsvRefused("csv_unreadable") from None
    names = [h.strip().lower() for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        raise CsvRefused("csv_missing_columns", {"columns": ", ".join(missing)})
    known = set(required) | set(optional)
    unknown = [n for n in names if n and n not in known]
    if unknown:
        raise CsvRefused("csv_unknown_columns", {"columns": ", ".join(unknown)})
    rows = []
    try:
        for number, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise CsvRefused("csv_too_many_rows", {"max_rows": MAX_ROWS})
            row = {
                name: (values[i].strip() if i < len(values) else "") for i, name in enumerate(names) if name
            }
            rows.append((number, row))
    except csv.Error:
        raise CsvRefused("csv_unreadable") from None
    if not rows:
        raise CsvRefused("csv_empty")
    return rows
