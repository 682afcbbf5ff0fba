"""The purchase order as PDF (reportlab). Chinese text uses the CID font STSong-Light, which every
PDF reader has built in, so nothing is embedded."""

from __future__ import annotations

from io import BytesIO

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from core.pdf import cjk_font, para


def purchase_order_pdf(po) -> bytes:
    font = cjk_font()
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=20)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12)
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        title=f"{po.number}",
        author=po.legal_entity.name,
    )
    parts = [
        para(f"采购订单 Purchase order {po.number} (rev. {po.revision})", title),
        Spacer(1, 4 * mm),
        para(f"买方 Buyer: {po.legal_entity.name} — {po.legal_entity.tax_id}", body),
        para(f"供应商 Supplier: {po.supplier.name} — {po.supplier.tax_id}", body),
        para(f"币种 Currency: {po.currency} · 状态 State: {po.state}", body),
        Spacer(1, 4 * mm),
    ]
    rows = [
        [
            "#",
            "物料 Item",
            "描述 Description",
            "数量 Qty",
            "单位",
            "单价 Price",
            "税率 Tax",
            "金额 Net",
            "交期 Date",
        ]
    ]
    for line in po.lines.select_related("item").order_by("line_no"):
        rows.append(
            [
                str(line.line_no),
                line.item.code,
                para(line.description, body),
                f"{line.quantity.normalize():f}",
                line.unit,
                f"{line.unit_price.normalize():f}",
                "免税" if line.tax_rate is None else f"{line.tax_rate * 100:.0f}%",
                f"{line.net_amount:,.2f}",
                str(line.promised_date or line.required_date or ""),
            ]
        )
    rows.append(["", "", "", "", "", "", "合计 Net", f"{po.net_total:,.2f}", ""])
    rows.append(["", "", "", "", "", "", "税额 Tax", f"{po.tax_total:,.2f}", ""])
    rows.append(["", "", "", "", "", "", "总计 Total", f"{po.gross_total:,.2f}", ""])
    table = Table(
        rows,
        repeatRows=1,
        colWidths=[8 * mm, 22 * mm, 45 * mm, 16 * mm, 10 * mm, 20 * mm, 18 * mm, 22 * mm, 20 * mm],
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
    doc.build(parts)
    return buffer.getvalue()


def purchase_order_pdf_response(po) -> HttpResponse:
    response = HttpResponse(purchase_order_pdf(po), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"{po.number}.pdf")
    return response
