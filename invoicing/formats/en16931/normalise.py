"""Turn the EN 16931 semantic model into the portal's :class:`NormalisedInvoice`."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, localcontext

from .. import model as nm
from ._xml import DECIMALS
from .codelists import CREDIT_NOTE_TYPES
from .model import Invoice, Line, Party

_CENT = Decimal("0.01")
_NO_RATE_CATEGORIES = {"E", "O"}  # exempt / not subject to VAT: no rate (the portal's "*")


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _party(p: Party | None) -> nm.Party:
    if p is None:
        return nm.Party()
    name = p.name or (p.trading_names[0] if p.trading_names else "")
    tax_id = next((i for i in (*p.vat_ids, *p.legal_ids, *p.tax_registration_ids) if i), "")
    return nm.Party(
        name=name,
        tax_id=tax_id,
        address=p.address.one_line() if p.address else "",
        country=(p.address.country or "") if p.address else "",
    )


def tax_rate(line: Line) -> Decimal | None:
    """The line's VAT rate as a fraction (0.19 for 19 %); None for exempt / not subject to VAT."""
    cat = next((c for c in line.categories if c.is_vat), line.category)
    if cat is None or cat.code in _NO_RATE_CATEGORIES or cat.rate is None:
        return None
    return cat.rate / 100


def _line(line: Line) -> nm.InvoiceLine:
    rate = tax_rate(line)
    net = line.net if line.net is not None else Decimal(0)
    price = line.price
    if price is not None and line.base_quantity:  # BT-146 is the price per BT-149 units
        price = price / line.base_quantity
    return nm.InvoiceLine(
        name=line.item_name or "",
        quantity=line.quantity,
        unit=line.unit or "",
        unit_price=price,
        net=net,
        tax_rate=rate,
        # EN 16931 carries VAT per category, not per line: the line's share is net × rate, to the cent.
        tax=(net * rate).quantize(_CENT, rounding=ROUND_HALF_UP) if rate is not None else Decimal(0),
        item_code=line.seller_item_id or next((v for v, _ in line.standard_ids if v), ""),
        po_reference=line.order_line_ref or "",
        line_id=line.id or "",
        allowances_charges=sum(
            (
                (ac.amount if ac.charge else -ac.amount)
                for ac in line.allowances_charges
                if ac.amount is not None and ac.charge is not None
            ),
            start=Decimal(0),
        ),
    )


def _breakdown(m: Invoice) -> list[nm.TaxBreakdown]:
    out = []
    for vb in m.vat_breakdown:
        cat = vb.category
        if cat is None or not cat.is_vat or vb.taxable is None or vb.tax is None:
            continue
        rate = None if cat.code in _NO_RATE_CATEGORIES or cat.rate is None else cat.rate / 100
        out.append(nm.TaxBreakdown(rate=rate, taxable=vb.taxable, tax=vb.tax))
    return out


def _tax_total(m: Invoice) -> Decimal:
    """BT-110: the VAT total in the invoice currency (else the sum of the VAT breakdown)."""
    for tt in m.tax_totals:
        if tt.currency == m.currency and tt.amount is not None:
            return tt.amount
    amounts = [tt.amount for tt in m.tax_totals if tt.amount is not None and tt.currency is None]
    if amounts:
        return amounts[0]
    return sum((vb.tax for vb in m.vat_breakdown if vb.tax is not None), start=Decimal(0))


def to_normalised(m: Invoice, fmt: nm.Format, issues: list[nm.Issue]) -> nm.NormalisedInvoice:
    with localcontext(DECIMALS):
        return _to_normalised(m, fmt, issues)


def _to_normalised(m: Invoice, fmt: nm.Format, issues: list[nm.Issue]) -> nm.NormalisedInvoice:
    credit = m.credit_note_element or (m.type_code or "") in CREDIT_NOTE_TYPES
    t = m.totals
    zero = Decimal(0)
    totals = nm.Totals(
        net=(t.tax_exclusive if t and t.tax_exclusive is not None else zero),
        tax=_tax_total(m),
        gross=(t.tax_inclusive if t and t.tax_inclusive is not None else zero),
        payable=(t.payable if t and t.payable is not None else zero),
    )
    extra = {
        "customization_id": m.customization_id,
        "type_code": m.type_code,
        "buyer_reference": m.buyer_reference,
        "due_date": m.due_date,
        "tax_currency": m.tax_currency,
        "payment_terms": m.payment_terms,
        "seller_endpoint": m.seller.endpoint if m.seller else None,
        "buyer_endpoint": m.buyer.endpoint if m.buyer else None,
    }
    if m.tax_currency:
        in_tax_currency = next((tt.amount for tt in m.tax_totals if tt.currency == m.tax_currency), None)
        extra["tax_total_in_tax_currency"] = None if in_tax_currency is None else str(in_tax_currency)
    return nm.NormalisedInvoice(
        format=fmt,
        document_type=nm.DocumentType.CREDIT_NOTE if credit else nm.DocumentType.INVOICE,
        invoice_number=m.number or "",
        issue_date=_date(m.issue_date),
        currency=m.currency or "",
        seller=_party(m.seller),
        buyer=_party(m.buyer),
        totals=totals,
        lines=[_line(line) for line in m.lines],
        invoice_code=None,
        corrects_invoice=next((ref for ref in m.preceding_invoices if ref), ""),
        po_references=[m.order_reference] if m.order_reference else [],
        issues=issues,
        extra={k: v for k, v in extra.items() if v},
        tax_breakdown=_breakdown(m),
    )
