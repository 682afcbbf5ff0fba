"""Demo data of the China tax steps (``make run``): 数电 invoices of the first demo supplier that
show a verified and a failed authenticity check, input VAT pending and selected for a period, and
a red-letter request waiting for the supplier next to one fulfilled by its red invoice.

Idempotent: the invoices are uploaded (real services: stored, validated, checked) only when the
supplier has none of these numbers yet."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils import timezone

from core.money import q2

from .models import Invoice, InvoiceState
from .red_letter import red_letter_confirm, red_letter_request
from .services import invoice_upload, invoice_validate
from .tax_checks import invoice_tax_verify
from .vat import vat_deduction_set

# 20-digit 数电 numbers; the "cancelled" one is in settings.INVOICE_VERIFIER_CANCELLED
VERIFIED, SELECTED, CANCELLED, ASKED, CREDITED, RED = (
    "26312000000000010001",
    "26312000000000010002",
    "26312000000099990001",
    "26312000000000010003",
    "26312000000000010004",
    "26312000000000010005",
)


def demo_cn_xml(*, number, seller, buyer, issued, lines, special=True, original="", confirmation="") -> bytes:
    """A 数电 invoice (root ``EInvoice``) as the national platform writes it; ``lines`` are
    (name, quantity, unit price, rate). A red one (``original`` set) has negative amounts."""
    sign = Decimal(-1) if original else Decimal(1)
    items, net_total, tax_total = [], Decimal(0), Decimal(0)
    for name, quantity, price, rate in lines:
        net = q2(Decimal(quantity) * Decimal(price)) * sign
        tax = q2(net * Decimal(rate))
        net_total, tax_total = net_total + net, tax_total + tax
        items.append(
            f"<IssuItemInformation><ItemName>{escape(name)}</ItemName><MeaUnits>项</MeaUnits>"
            f"<Quantity>{Decimal(quantity) * sign}</Quantity><UnPrice>{price}</UnPrice><Amount>{net}</Amount>"
            f"<TaxRate>{rate}</TaxRate><ComTaxAm>{tax}</ComTaxAm><TotaltaxIncludedAmount>{net + tax}"
            "</TotaltaxIncludedAmount><TaxClassificationCode>3040203000000000000</TaxClassificationCode>"
            "</IssuItemInformation>"
        )
    red = (
        f"<RedEInvoice><OriginalInvoiceCode>{original}</OriginalInvoiceCode>"
        f"<CreditNoteNumber>{escape(confirmation)}</CreditNoteNumber></RedEInvoice>"
        if original
        else ""
    )
    kind = ("01", "增值税专用发票") if special else ("02", "普通发票")
    return (
        '<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n<EInvoice><Header>'
        f"<EIid>{number}</EIid><EInvoiceTag>SWEI3100</EInvoiceTag><Version>0.37</Version><InherentLabel>"
        f"<InIssuType><LabelCode>{'N' if original else 'Y'}</LabelCode><LabelName>是否蓝字发票标志</LabelName></InIssuType>"
        "<EInvoiceType><LabelCode>01</LabelCode><LabelName>电子发票</LabelName></EInvoiceType>"
        f"<GeneralOrSpecialVAT><LabelCode>{kind[0]}</LabelCode><LabelName>{kind[1]}</LabelName></GeneralOrSpecialVAT>"
        "</InherentLabel></Header><EInvoiceData>"
        f"<SellerInformation><SellerIdNum>{seller[1]}</SellerIdNum><SellerName>{escape(seller[0])}</SellerName></SellerInformation>"
        f"<BuyerInformation><BuyerIdNum>{buyer[1]}</BuyerIdNum><BuyerName>{escape(buyer[0])}</BuyerName></BuyerInformation>"
        f"<BasicInformation><TotalAmWithoutTax>{net_total}</TotalAmWithoutTax><TotalTaxAm>{tax_total}</TotalTaxAm>"
        f"<TotalTax-includedAmount>{net_total + tax_total}</TotalTax-includedAmount><Drawer>演示</Drawer>"
        f"<RequestTime>{issued:%Y-%m-%d} 10:00:00</RequestTime></BasicInformation>"
        + "".join(items)
        + f"<SpecificInformation>{red}</SpecificInformation><AdditionalInformation/></EInvoiceData>"
        f"<TaxSupervisionInfo><InvoiceNumber>{number}</InvoiceNumber><IssueTime>{issued:%Y-%m-%d}</IssueTime>"
        "<TaxBureauCode>13100000000</TaxBureauCode><TaxBureauName>国家税务总局上海市税务局</TaxBureauName>"
        "</TaxSupervisionInfo></EInvoice>"
    ).encode()


def _invoice(supplier, user, entity, number, issued, lines, **kw) -> Invoice:
    data = demo_cn_xml(
        number=number,
        seller=(supplier.name, supplier.tax_id),
        buyer=(entity.name, entity.tax_id),
        issued=issued,
        lines=lines,
        **kw,
    )
    invoice, _ = invoice_upload(supplier=supplier, data=data, filename=f"{number}.xml", actor=user)
    invoice = invoice_validate(invoice_id=invoice.pk)
    if invoice.state != InvoiceState.REJECTED:
        invoice_tax_verify(invoice_id=invoice.pk)
    return invoice


def seed_tax_demo(*, supplier, user, entity, finance) -> None:
    if Invoice.objects.filter(supplier=supplier, invoice_number=VERIFIED).exists():
        return
    today = timezone.localdate()
    service = [("*信息技术服务*设备维护服务", "10", "800", "0.06")]
    goods = [
        ("*计算机配套产品*USB-C 数据线", "200", "25", "0.13"),
        ("*计算机配套产品*显示器", "4", "1500", "0.13"),
    ]
    _invoice(supplier, user, entity, VERIFIED, today - timedelta(days=5), goods)
    selected = _invoice(supplier, user, entity, SELECTED, today - timedelta(days=12), service)
    _invoice(supplier, user, entity, CANCELLED, today - timedelta(days=3), service)
    asked = _invoice(supplier, user, entity, ASKED, today - timedelta(days=20), goods)
    credited = _invoice(supplier, user, entity, CREDITED, today - timedelta(days=25), service)

    vat_deduction_set(invoice_ids=[selected.pk], actor=finance, status="deducted", period=f"{today:%Y-%m}")
    red_letter_request(
        invoice_id=asked.pk,
        actor=finance,
        reason="goods_returned",
        whole=False,
        net="1500.00",
        tax="195.00",
        note="1 显示器退货 / one monitor returned",
    )
    request = red_letter_request(invoice_id=credited.pk, actor=finance, reason="sales_allowance", whole=False,
                                 net="800.00", tax="48.00")  # fmt: skip
    red_letter_confirm(request_id=request.pk, actor=user)
    _invoice(
        supplier,
        user,
        entity,
        RED,
        today - timedelta(days=2),
        [("*信息技术服务*设备维护服务", "1", "800", "0.06")],
        original=CREDITED,
        confirmation=request.number,
    )
