"""A fingerprint of everything a match depends on.

SHA-256 over canonical JSON: keys sorted, no whitespace, Decimals as plain numbers without trailing
zeros (``10.00`` and ``10`` are the same value, so the same text), dates in ISO form, and every list
sorted, so the order inputs arrive in does not matter. The engine version is part of it: when the
rules change, old results are stale too. Earlier allocations made by the invoice itself are left
out, as the engine ignores them (a re-run sees its own saved allocations).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import operator
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from .model import ENGINE_VERSION, EarlierAllocation, Invoice, PoLine, ReceiptLine
from .tolerance import TolerancePolicy


def input_hash(
    invoice: Invoice,
    *,
    po_lines: Iterable[PoLine],
    receipt_lines: Iterable[ReceiptLine],
    earlier_allocations: Iterable[EarlierAllocation],
    policy: TolerancePolicy,
    engine_version: str = ENGINE_VERSION,
) -> str:
    """``engine_version`` is the running engine's; another is given only to check a stored hash made by
    an earlier engine version against inputs rebuilt today."""
    document = {
        f.name: canonical(getattr(invoice, f.name)) for f in dataclasses.fields(invoice) if f.name != "lines"
    }
    sections: dict[str, str | list[str]] = {  # a list is a JSON array of those texts, in that order
        "engine": _dumps(engine_version),
        "invoice": _dumps(document),
        "invoice_lines": _sorted_texts(invoice.lines),
        "po_lines": _sorted_texts(po_lines),
        "receipt_lines": _sorted_texts(receipt_lines),
        "earlier_allocations": _sorted_texts(a for a in earlier_allocations if a.invoice_id != invoice.id),
        "policy": _dumps(canonical(policy)),
    }
    # the text hashed is {"key":section,...} with the keys sorted; it is fed to the hash piece by
    # piece, so a document of 100,000 lines never needs the whole text in memory at once
    digest = hashlib.sha256()
    for n, key in enumerate(sorted(sections)):
        digest.update(("{" if n == 0 else ",").encode() + _dumps(key).encode("utf-8") + b":")
        section = sections[key]
        if isinstance(section, str):
            digest.update(section.encode("utf-8"))
            continue
        digest.update(b"[")
        for i, text in enumerate(section):
            digest.update((text if i == 0 else "," + text).encode("utf-8"))
        digest.update(b"]")
    digest.update(b"}")
    return digest.hexdigest()


_FIELDS: dict[type, tuple[str, ...]] = {}


def canonical(value: Any) -> Any:
    """Plain JSON-ready data for a dataclass tree."""
    kind = type(value)
    if kind is Decimal:
        return "0" if value == 0 else format(value.normalize(), "f")
    if value is None or kind is str or kind is int or kind is bool:
        return value
    names = _FIELDS.get(kind)
    if names is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(value))
    if names is not None:
        return {name: canonical(getattr(value, name)) for name in names}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [canonical(item) for item in value]
    if isinstance(value, str | int):
        return value
    raise TypeError(f"cannot fingerprint {kind.__name__}")


def _sorted_texts(items: Iterable[Any]) -> list[str]:
    """The items' canonical texts, sorted, so input order does not matter."""
    return sorted(canonical_text(item) for item in items)


_encode_text = json.encoder.encode_basestring  # what json.dumps uses with ensure_ascii=False
_FLAT: dict[type, tuple[Any, tuple[str, ...]]] = {}  # per dataclass: (getter of its fields, "name": prefixes)


def canonical_text(value: Any) -> str:
    """``_dumps(canonical(value))``, written directly for a dataclass whose fields are all plain values
    (the lines, receipts and allocations, by the hundred thousand); anything else takes the long way.
    ``tests/settlement/test_matching_input_hash.py`` checks that both give the same text."""
    kind = type(value)
    flat = _FLAT.get(kind)
    if flat is None:
        if not (dataclasses.is_dataclass(value) and not isinstance(value, type)):
            return _dumps(canonical(value))
        names = sorted(f.name for f in dataclasses.fields(value))
        flat = _FLAT[kind] = (operator.attrgetter(*names), tuple(_encode_text(n) + ":" for n in names))
    getter, prefixes = flat
    parts = []
    for prefix, field_value in zip(prefixes, getter(value), strict=True):
        field_kind = type(field_value)
        if field_kind is str:
            text = _encode_text(field_value)
        elif field_kind is Decimal:
            text = '"0"' if field_value == 0 else '"' + format(field_value.normalize(), "f") + '"'
        elif field_value is None:
            text = "null"
        else:
            text = _plain_text(field_value)
            if text is None:
                return _dumps(canonical(value))
        parts.append(prefix + text)
    return "{" + ",".join(parts) + "}"


def _plain_text(value: Any) -> str | None:
    """The JSON text of a plain value as :func:`canonical` writes it; ``None`` for anything else."""
    kind = type(value)
    if kind is str:
        return _encode_text(value)
    if kind is Decimal:
        return '"0"' if value == 0 else '"' + format(value.normalize(), "f") + '"'
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if isinstance(value, Enum):
        return _plain_text(value.value)
    if isinstance(value, date):
        return _encode_text(value.isoformat())
    return None


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
