"""Hostile strings a person or a supplier can type into the portal, and checks that an output
channel shows them as inert text. Shared by the security tests."""

from __future__ import annotations

import csv
import io
import re

# One per attack class; each carries a marker word so a test can find where it ended up.
HOSTILE = {
    "link": '<a href="https://evil.example/pay"><font color="red">PAY TO NEW ACCOUNT</font></a>',
    "image": '<img src="/etc/passwd" width="400" height="400"/>IMGMARK',
    "unclosed": "<b>UNCLOSEDMARK <i>never closed",
    "script": "<script>alert('XSSMARK')</script>",
    "formula": '=HYPERLINK("http://evil.example","FORMULAMARK")',
    "fullwidth": "＝1+1 FULLWIDTHMARK",
    "fullwidth_plus": "＋SUM(A1) FWPLUSMARK",
    "fullwidth_at": "＠SUM(A1) FWATMARK",
    "tab_formula": "\t=1+1 TABMARK",
    "space_formula": "  -2+3 SPACEMARK",
    "header_break": "HEADERMARK\r\nBcc: victim@example.com\r\nX-Injected: 1",
    "bidi": "BIDIMARK\u202egpj.exe",
    "long": "LONGMARK" + "W" * 280,
    "emoji_cjk": "EMOJIMARK 😀 供应商（上海）有限公司 — 发票",
}

FORMULA_STARTERS = tuple("=+-@\t\r\n＝＋－＠")


def assert_html_inert(html: str, value: str) -> None:
    """No tag of ``value`` reaches the page as markup (Django escapes it)."""
    if "<" in value:
        assert value not in html, f"unescaped markup on the page: {value!r}"
        assert "<script>alert(" not in html
        assert 'href="https://evil.example' not in html
        assert '<img src="/etc/passwd"' not in html


def csv_rows(content: bytes | str) -> list[list[str]]:
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content.lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def assert_csv_inert(rows: list[list[str]]) -> None:
    """No cell a spreadsheet program would run as a formula: a cell that starts (after any
    leading whitespace) with a formula character starts with the defusing apostrophe."""
    for row in rows:
        for cell in row:
            stripped = cell.lstrip(" \t\r\n\u3000")
            if cell[:1] in FORMULA_STARTERS or stripped[:1] in FORMULA_STARTERS:
                try:
                    float(cell)
                    continue
                except ValueError:
                    pass
                raise AssertionError(f"formula cell in CSV: {cell!r}")


def pdf_facts(data: bytes) -> tuple[str, bytes]:
    """(text without whitespace, raw bytes) of a PDF: text from pypdf."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", "", text), data


def assert_pdf_inert(data: bytes) -> None:
    """No link annotation and no embedded image from data in a PDF."""
    assert data.startswith(b"%PDF")
    assert b"/URI" not in data and b"/Annots" not in data, "a link reached the PDF"
    assert b"/Subtype /Image" not in data and b"/Subtype/Image" not in data, "an image reached the PDF"


def compact(value: str) -> str:
    return re.sub(r"\s+", "", value)
