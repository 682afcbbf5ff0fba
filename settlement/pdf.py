"""The statement (对账单) and the invoice plan (开票计划) as PDF (reportlab, CJK font from core.pdf)."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from core import formatting
from core.pdf import CJK_FONT, cjk_font, para, pdf_canvas

from .models import StatementLineKind, rate_label

KIND_LABELS = {
    StatementLineKind.INVOICE: _l("Invoice"),
    StatementLineKind.CREDIT_NOTE: _l("Credit note"),
    StatementLineKind.DEDUCTION: _l("Deduction"),
    StatementLineKind.RECEIPT: _l("Receipt"),
    StatementLineKind.PLAN_INVOICE: _l("Plan invoice"),
}
GRID = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), CJK_FONT, 8.5),  # plain-text cells too (reportlab's default is Helvetica)
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
    ]
)


def _styles():
    font = cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=8.5, leading=11, wordWrap="CJK")
    return body, ParagraphStyle("title", parent=body, fontSize=15, leading=20)


def _doc(buffer, title: str, *, wide: bool = False) -> SimpleDocTemplate:
    return SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4) if wide else A4,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=title,
        author="portal",
    )


def _num(value, places: int | None = None) -> str:
    """Figures as core.formatting writes them: amounts (``places=2``) grouped with two decimals,
    quantities exact without trailing zeros."""
    if value is None:
        return ""
    return formatting.amount(value) if places == 2 else formatting.quantity(value)


def statement_pdf(statement, lines, *, payment=None) -> bytes:
    body, title = _styles()

    def p(text):
        return para(text, body)

    buffer = BytesIO()
    doc = _doc(buffer, statement.number, wide=True)
    story = [
        para(_("Settlement statement %(number)s") % {"number": statement.number}, title),
        Spacer(1, 3 * mm),
        p(_("Supplier") + f": {statement.supplier.name} — {statement.supplier.tax_id}"),
        p(
            pgettext("buying company", "Buyer")
            + f": {statement.legal_entity.name} — {statement.legal_entity.tax_id}"
        ),
        p(
            _("Period")
            + f": {formatting.day(statement.period_from)} – {formatting.day(statement.period_to)} · "
            + _("Currency")
            + f": {statement.currency} · "
            + _("Kind")
            + f": {statement.get_kind_display()} · "
            + _("State")
            + f": {statement.get_state_display()}"
        ),
        p(
            _("Payment terms")
            + f": {statement.payment_term.name if statement.payment_term else '—'} · "
            + _("Due date")
            + f": {formatting.day(statement.due_date) if statement.due_date else '—'}"
        ),
        Spacer(1, 3 * mm),
    ]
    header = [_("Kind"), _("Reference"), _("Date"), _("Description"), _("Quantity"), _("Unit price")]
    header += [_("Tax rate"), _("Net amount"), _("Tax"), _("Total with tax")]
    rows = [[p(h) for h in header]]
    plan_rows = []
    for line in lines:
        row = [
            p(str(KIND_LABELS.get(line.kind, line.kind))),
            p(line.reference),
            p(formatting.day(line.date)),
            p(line.description),
            _num(line.quantity),
            formatting.price(line.unit_price),
            rate_label(line.tax_rate)
            if line.kind == StatementLineKind.RECEIPT or line.tax_rate is not None
            else "",
            _num(line.net, 2),
            _num(line.tax, 2),
            _num(line.gross, 2),
        ]
        (plan_rows if line.kind == StatementLineKind.PLAN_INVOICE else rows).append(row)
    rows.append(
        [
            "",
            "",
            "",
            p(_("Total")),
            "",
            "",
            "",
            _num(statement.net_total, 2),
            _num(statement.tax_total, 2),
            _num(statement.gross_total, 2),
        ]
    )
    widths = [30 * mm, 42 * mm, 20 * mm, 62 * mm, 18 * mm, 20 * mm, 14 * mm, 24 * mm, 20 * mm, 24 * mm]
    table = Table(rows, repeatRows=1, colWidths=widths)
    table.setStyle(GRID)
    story.append(table)
    if plan_rows:
        story += [Spacer(1, 4 * mm), p(_("Invoices received against the invoice plan"))]
        plan_table = Table([rows[0], *plan_rows], repeatRows=1, colWidths=widths)
        plan_table.setStyle(GRID)
        story.append(plan_table)
    if statement.dispute_reason:
        story += [Spacer(1, 3 * mm), p(_("Dispute") + f": {statement.dispute_reason}")]
    if payment is not None:
        story += [
            Spacer(1, 3 * mm),
            p(
                _("Payment")
                + f": {formatting.day(payment.paid_on)} · {formatting.amount(payment.amount, payment.currency)} · "
                + _("Bank reference")
                + f" {payment.bank_reference} · "
                + _("Account")
                + f" {payment.bank_name} {payment.account_name} ****{payment.account_last4}"
            ),
        ]
    story += [
        Spacer(1, 10 * mm),
        p(
            _("Supplier confirmation (seal)")
            + ": ______________________    "
            + _("Buyer confirmation (seal)")
            + ": ______________________"
        ),
    ]
    doc.build(story, canvasmaker=pdf_canvas)
    return buffer.getvalue()


def invoice_plan_pdf(plan, lines) -> bytes:
    body, title = _styles()

    def p(text):
        return para(text, body)

    statement = plan.statement
    buffer = BytesIO()
    doc = _doc(buffer, f"{statement.number} " + _("Invoice plan") + "")
    story = [
        para(_("Invoice plan") + f" — {statement.number}", title),
        Spacer(1, 3 * mm),
        p(pgettext("invoice party", "Buyer") + f": {plan.buyer_name}"),
        p(_("Buyer tax id") + f": {plan.buyer_tax_id}"),
        p(pgettext("invoice party", "Seller") + f": {statement.supplier.name} — {statement.supplier.tax_id}"),
        p(
            _("Currency")
            + f": {plan.currency} · "
            + _("Period")
            + f": {formatting.day(statement.period_from)} – {formatting.day(statement.period_to)}"
        ),
        p(
            _("Rounding allowance per tax rate")
            + f": {formatting.amount(plan.allowance, plan.currency)} · "
            + _("Invoice per tax rate, within the amounts below.")
        ),
        Spacer(1, 3 * mm),
    ]
    rates = [
        [
            p(h)
            for h in (
                _("Tax rate"),
                _("Net amount"),
                _("Tax"),
                _("Total with tax"),
                _("Invoiced net"),
                _("Invoiced tax"),
            )
        ]
    ]
    for rate in plan.rates.all():
        rates.append(
            [
                rate.label,
                _num(rate.net, 2),
                _num(rate.tax, 2),
                _num(rate.gross, 2),
                _num(rate.invoiced_net, 2),
                _num(rate.invoiced_tax, 2),
            ]
        )
    table = Table(rates, repeatRows=1, colWidths=[22 * mm, 30 * mm, 28 * mm, 32 * mm, 32 * mm, 30 * mm])
    table.setStyle(GRID)
    story += [table, Spacer(1, 4 * mm), p(_("Lines"))]
    rows = [
        [
            p(h)
            for h in (
                _("Reference"),
                _("Description"),
                _("Quantity"),
                _("Unit price"),
                _("Tax rate"),
                _("Net amount"),
                _("Tax"),
            )
        ]
    ]
    for line in lines:
        rows.append(
            [
                p(line.reference),
                p(line.description),
                _num(line.quantity),
                formatting.price(line.unit_price),
                rate_label(line.tax_rate),
                _num(line.net, 2),
                _num(line.tax, 2),
            ]
        )
    table = Table(
        rows, repeatRows=1, colWidths=[40 * mm, 52 * mm, 16 * mm, 20 * mm, 14 * mm, 22 * mm, 20 * mm]
    )
    table.setStyle(GRID)
    story.append(table)
    doc.build(story, canvasmaker=pdf_canvas)
    return buffer.getvalue()


ACCOUNT_KIND_LABELS = {
    "invoice": "发票 Invoice",
    "credit_note": "红字发票 Credit note",
    "deduction": "扣款 Deduction",
    "payment": "付款 Payment",
    "discount": "现金折扣 Early-payment discount",
}


def statement_of_account_pdf(account: dict) -> bytes:
    """The supplier's statement of account (往来对账单): every row with its running balance."""
    body, title = _styles()

    def p(text):
        return para(text, body)

    supplier, currency = account["supplier"], account["currency"]
    buffer = BytesIO()
    doc = _doc(buffer, f"{supplier.name} statement of account", wide=True)
    period = " – ".join(formatting.day(d) if d else "…" for d in (account["date_from"], account["date_to"]))
    story = [
        para("往来对账单 Statement of account", title),
        Spacer(1, 3 * mm),
        p(f"供应商 Supplier: {supplier.name} — {supplier.tax_id}"),
        p(f"期间 Period: {period} · 币种 Currency: {currency}"),
        p(f"期初余额 Opening balance: {_num(account['opening'], 2)}"),
        Spacer(1, 3 * mm),
    ]
    header = [
        "日期 Date",
        "类型 Kind",
        "单据 Reference",
        "到期日 Due",
        "状态 Status",
        "说明 Detail",
        "金额 Amount",
    ]
    header.append("余额 Balance")
    rows = [[p(h) for h in header]]
    for r in account["rows"]:
        detail = r.detail + ("" if not r.remittance else " · " + ", ".join(r.remittance))
        rows.append(
            [
                p(formatting.day(r.day)),
                p(ACCOUNT_KIND_LABELS.get(r.kind, r.kind)),
                p(r.reference),
                p(formatting.day(r.due_date) if r.due_date else ""),
                p(r.status),
                p(detail),
                _num(r.amount, 2),
                _num(r.balance, 2),
            ]
        )
    rows.append(["", "", "", "", "", p("期末余额 Closing balance"), "", _num(account["closing"], 2)])
    widths = [20 * mm, 26 * mm, 40 * mm, 20 * mm, 50 * mm, 70 * mm, 24 * mm, 24 * mm]
    table = Table(rows, repeatRows=1, colWidths=widths)
    table.setStyle(GRID)
    story.append(table)
    doc.build(story, canvasmaker=pdf_canvas)
    return buffer.getvalue()
