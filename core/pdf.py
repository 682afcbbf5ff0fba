"""The one CJK font registration and the one text-escaping path for every PDF of the portal
(reportlab).

The font is WenQuanYi Micro Hei (文泉驿微米黑), embedded as a subset of the glyphs each PDF uses, so
the PDF prints the same in every reader and on every printer. (The CID font STSong-Light used
before is not embedded: readers without the Adobe CJK pack showed boxes.) Why this font:
- it is TrueType-outlined (reportlab embeds only TrueType ``glyf`` fonts, not the CFF-outlined
  Noto/Source Han OTFs), covers GB 2312 and the Latin, currency and punctuation signs our
  documents print (``¥ € £ · – — → ≤ ×``);
- a fresh machine gets it from a registry: ``make install`` brings the PyPI package
  ``paperang-p2-fonts-cjk`` (pinned in pyproject.toml; it ships the font file only), whose
  ``wqy-microhei.ttc`` is byte for byte Debian's ``fonts-wqy-microhei`` 0.2.0-beta-3.1 (the
  SHA-256 below is checked before the file is used, so a changed upload is refused). Where the
  package is absent, Debian's installed file is used (``apt-get install fonts-wqy-microhei``).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.resources
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

CJK_FONT = "WenQuanYiMicroHei"
FONT_SHA256 = "2420e8078af796b19a3f6ef13de527a1a91c1e7171eea115926c614ced1009b3"
DEBIAN_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


class FontMissing(RuntimeError):
    """The CJK font file is not installed (or is not the file we checked)."""


def font_path() -> Path:
    """The checked font file: the PyPI package's, else Debian's."""
    candidates = []
    with contextlib.suppress(ModuleNotFoundError):
        package = importlib.resources.files("paperang_p2_fonts_cjk")
        candidates.append(Path(str(package / "fonts" / "wqy-microhei.ttc")))
    candidates.append(DEBIAN_FONT)
    for path in candidates:
        if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == FONT_SHA256:
            return path
    raise FontMissing(
        "The PDF font WenQuanYi Micro Hei is missing: run `make install` (PyPI paperang-p2-fonts-cjk) "
        "or `apt-get install fonts-wqy-microhei`."
    )


@cache
def _face() -> TTFont:
    return TTFont(CJK_FONT, str(font_path()), subfontIndex=0)


def cjk_font() -> str:
    """Register the CJK font once (embedded, subset) and return its name."""
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(_face())
    return CJK_FONT


def pdf_canvas(*args, **kwargs) -> Canvas:
    """The canvas every PDF is built on (``doc.build(story, canvasmaker=pdf_canvas)``): its
    initial font is the embedded one, so no page refers to reportlab's unembedded Helvetica."""
    kwargs["initialFontName"] = cjk_font()
    return Canvas(*args, **kwargs)


def missing_glyphs(text: str) -> set[str]:
    """The characters of ``text`` the PDF font has no glyph for (printed as boxes)."""
    covered = _face().face.charToGlyph
    return {ch for ch in text if ch >= " " and ord(ch) not in covered}


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
