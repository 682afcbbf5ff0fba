"""The purchase order as PDF (reportlab, the embedded CJK font of core.pdf): parties, delivery
address, payment terms, lines, totals and a signature block for both sides. Figures and dates go
through core.formatting; the state is its display name; labels in the requester's language."""

from __future__ import annotations

from io import BytesIO

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from core import formatting
from core.pdf import cjk_font, para, pdf_canvas


def purchase_order_pdf(po) -> bytes:
    font = cjk_font()
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=20)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10)
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        title=f"{po.number}",
        author=po.legal_entity.name,
    )
    money = po.currency
    parts = [
        para(
            _("Purchase order %(number)s (revision %(revision)s)")
            % {"number": po.number, "revision": po.revision},
            title,
        ),
        Spacer(1, 4 * mm),
        para(
            pgettext("buying company", "Buyer") + f": {po.legal_entity.name} — {po.legal_entity.tax_id}", body
        ),
        para(_("Supplier") + f": {po.supplier.name} — {po.supplier.tax_id}", body),
        para(
            _("Order date")
            + f": {formatting.day(po.created_at)} · "
            + _("Currency")
            + f": {po.currency} · "
            + _("State")
            + f": {po.get_state_display()}",
            body,
        ),
        para(_("Delivery address") + f": {po.delivery_address or po.legal_entity.address or '—'}", body),
        para(_("Payment terms") + f": {po.payment_terms or '—'}", body),
        Spacer(1, 4 * mm),
    ]
    rows = [
        [
            "#",
            _("Item"),
            _("Description"),
            _("Quantity"),
            _("Unit"),
            _("Unit price"),
            _("Tax rate"),
            _("Net amount"),
            _("Date"),
        ]
    ]
    for line in po.lines.select_related("item").order_by("line_no"):
        rows.append(
            [
                str(line.line_no),
                line.item.code,
                para(line.description, small),
                formatting.quantity(line.quantity),
                line.unit,
                formatting.price(line.unit_price),
                formatting.rate(line.tax_rate),
                formatting.amount(line.net_amount, money),
                formatting.day(line.promised_date or line.required_date),
            ]
        )
    rows.append(["", "", "", "", "", "", _("Net amount"), formatting.amount(po.net_total, money), ""])
    rows.append(["", "", "", "", "", "", _("Tax"), formatting.amount(po.tax_total, money), ""])
    rows.append(["", "", "", "", "", "", _("Total"), formatting.amount(po.gross_total, money), ""])
    table = Table(
        rows,
        repeatRows=1,
        colWidths=[8 * mm, 18 * mm, 34 * mm, 16 * mm, 15 * mm, 20 * mm, 16 * mm, 26 * mm, 27 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 8),
                ("GRID", (0, 0), (-1, -4), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("ALIGN", (3, 1), (7, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    parts.append(table)
    if po.notes:
        parts += [Spacer(1, 4 * mm), para(_("Notes") + f": {po.notes}", small)]
    parts += [Spacer(1, 12 * mm), _signature_block(po, body, font)]
    doc.build(parts, canvasmaker=pdf_canvas)
    return buffer.getvalue()


def _signature_block(po, body, font) -> Table:
    """Both parties sign and stamp: name, signature, company seal and date."""
    blank = "\n\n"
    block = Table(
        [
            [
                para(_("Buyer (seal)") + f": {po.legal_entity.name}", body),
                para(_("Supplier (seal)") + f": {po.supplier.name}", body),
            ],
            [para(_("Authorised signature") + ":", body), para(_("Authorised signature") + ":", body)],
            [blank, blank],
            [para(_("Date") + ":", body), para(_("Date") + ":", body)],
        ],
        colWidths=[90 * mm, 90 * mm],
    )
    block.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 9),
                ("BOX", (0, 0), (0, -1), 0.5, colors.grey),
                ("BOX", (1, 0), (1, -1), 0.5, colors.grey),
                ("LINEBELOW", (0, 2), (-1, 2), 0.5, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return block


def purchase_order_pdf_response(po) -> HttpResponse:
    response = HttpResponse(purchase_order_pdf(po), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"{po.number}.pdf")
    return response
