"""Purchase-order references where Chinese suppliers write them: in the 备注 (remark) of a 数电
XML or OFD invoice and in a line's notes (规格型号 / specification).

Recognised (full-width characters are read as half-width first):

* a keyword and the number: ``采购订单号 PO-2026-000007``, ``采购订单：4500012345``, ``订单号:…``,
  ``订单编号 …``, ``PO: …``, ``PO No. …``, ``PO#…``, ``PO号 …``;
* a portal PO number alone: ``PO-2026-000007`` (also ``PO-2026-000007/2`` for its line 2);
* a statement number an invoice answers: ``ST-2026-000003`` (its POs are the candidates).

Pure: text in, references out, in the order found, without duplicates.
"""

from __future__ import annotations

import re
import unicodedata

_TOKEN = r"[A-Za-z0-9][A-Za-z0-9\-_/]*[A-Za-z0-9]"
_KEYWORD = re.compile(
    r"(?:采购订单号|采购订单编号|采购单号|采购订单|订单编号|订单号|PO\s*No\.?|PO\s*号|PO\s*#|PO\s*[:=])"
    r"\s*[:#=]?\s*(?P<ref>" + _TOKEN + ")",
    re.IGNORECASE,
)
_BARE = re.compile(r"(?<![A-Za-z0-9])(?P<ref>(?:PO|ST)-\d{4}-\d+(?:/\d+)?)(?![A-Za-z0-9])", re.IGNORECASE)
MAX_REFERENCES = 20


def po_references_in(text: str | None) -> list[str]:
    """The PO (or statement) references written in ``text``."""
    if not text:
        return []
    text = unicodedata.normalize("NFKC", text)
    found: list[tuple[int, str]] = []
    spans: list[tuple[int, int]] = []
    for match in _BARE.finditer(text):
        found.append((match.start(), match["ref"].upper()))
        spans.append(match.span("ref"))
    for match in _KEYWORD.finditer(text):
        start, end = match.span("ref")
        if any(a <= start < b for a, b in spans):
            continue
        found.append((start, match["ref"]))
    out: list[str] = []
    for _, ref in sorted(found):
        if ref not in out:
            out.append(ref)
    return out[:MAX_REFERENCES]


def line_reference_in(text: str | None) -> str:
    """A line's own PO reference in its notes ('' when none or ambiguous)."""
    refs = po_references_in(text)
    return refs[0] if len(refs) == 1 else ""
