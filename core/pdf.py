"""The one CJK font registration and the one text-escaping path for every PDF of the portal
(reportlab).

STSong-Light is a CID font every PDF reader has built in, so nothing is embedded and Chinese
text renders (and extracts) without shipping font files."""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph

CJK_FONT = "STSong-Light"


def cjk_font() -> str:
    """Register the CJK font once and return its name."""
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT


def pdf_text(value: object) -> str:
    """Any data (a user's, a supplier's, a file's) as reportlab paragraph markup that shows
    exactly that text: ``& < >`` and quotes escaped, so a stored ``<a href>``, ``<img src>``,
    ``<font color>`` or an unclosed ``<b>`` is printed as characters, never interpreted (no
    links, no files from the server's disk, no broken paragraph). Control characters other
    than tab and line breaks are dropped (reportlab refuses some of them)."""
    text = "" if value is None else str(value)
    text = "".join(ch for ch in text if ch >= " " or ch in "\t\n")
    return escape(text, {'"': "&quot;", "'": "&#39;"})


def para(value: object, style) -> Paragraph:
    """The one way a PDF of the portal puts text in a paragraph: escaped by :func:`pdf_text`.
    Fixed labels and data alike go through here."""
    return Paragraph(pdf_text(value), style)
