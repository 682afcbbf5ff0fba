"""The contract as a PDF (reportlab, the embedded CJK font of core.pdf; figures and dates through
core.formatting; labels in the requester's language)."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from core import formatting
from core.pdf import cjk_font, para, pdf_canvas


def render_contract_pdf(contract, version) -> bytes:
    body = ParagraphStyle("body", fontName=cjk_font(), fontSize=10, leading=14, wordWrap="CJK")
    title = ParagraphStyle("title", parent=body, fontSize=16, leading=22)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, title=f"{contract.number}", author="portal"
    )

    def p(text, style=body):
        return para(text, style)

    story = [
        p(_("Framework contract %(number)s") % {"number": contract.number}, title),
        Spacer(1, 4 * mm),
        p(_("Title") + f": {contract.title}"),
        p(_("Supplier") + f": {contract.supplier.name}"),
        p(_("Unified social credit code") + f": {contract.supplier.tax_id}"),
        p(_("Valid") + f": {formatting.day(contract.valid_from)} – {formatting.day(contract.valid_to)}"),
        p(_("Version") + f": {version.number} ({version.get_state_display()})"),
        Spacer(1, 4 * mm),
    ]
    rows = [
        [p(h) for h in (_("Item"), _("Name"), _("Unit price"), _("Tax rate"), _("Valid"), _("Quantity cap"))]
    ]
    for line in version.lines.all():
        rows.append(
            [
                p(line.item_code),
                p(line.item_name),
                p(f"{formatting.price(line.unit_price)} {line.currency}/{line.unit}"),
                p(formatting.rate(line.tax_rate)),
                p(f"{formatting.day(line.valid_from)} – {formatting.day(line.valid_to)}"),
                p("—" if line.quantity_cap is None else formatting.quantity(line.quantity_cap)),
            ]
        )
    table = Table(rows, repeatRows=1, colWidths=[25 * mm, 45 * mm, 32 * mm, 15 * mm, 35 * mm, 20 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), body.fontName, 10),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    doc.build(story, canvasmaker=pdf_canvas)
    return buf.getvalue()
