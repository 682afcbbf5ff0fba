"""The one CJK font registration for every PDF of the portal (reportlab).

STSong-Light is a CID font every PDF reader has built in, so nothing is embedded and Chinese
text renders (and extracts) without shipping font files."""

from __future__ import annotations

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

CJK_FONT = "STSong-Light"


def cjk_font() -> str:
    """Register the CJK font once and return its name."""
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT
