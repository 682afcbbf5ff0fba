"""Builds 数电 (EInvoice) XML test files, following /work/shared/formats/cn-einvoice-xml.md.

    build_cn_xml(items=[item("*电子计算机*路由器", "2", "100", "0.13")])

returns UTF-8 bytes (or ``encoding="GBK"`` etc.). Totals are computed from the items unless
given. Tax ids are valid unified social credit codes of made-up companies.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from core.money import q2

SELLER_ID = "91350100M000100Y43"
SELLER_NAME = "福州测试科技有限公司"
BUYER_ID = "913416007050059877"
BUYER_NAME = "亳州采购测试有限公司"
NUMBER = "26352000000012345678"
ORIGINAL_NUMBER = "26352000000012340000"
NOT_TAXABLE = ("*", "免税", "不征税")


@dataclass(frozen=True)
class Item:
    name: str
    quantity: str | None
    unit_price: str | None
    amount: str
    tax_rate: str
    tax: str
    unit: str = ""
    spec: str = ""
    code: str = "1090511030000000000"


def item(
    name: str,
    quantity: str,
    unit_price: str,
    tax_rate: str = "0.13",
    *,
    unit: str = "台",
    tax: str | None = None,
    amount: str | None = None,
) -> Item:
    """An item line; amount = quantity × unit price and tax = amount × rate unless given."""
    net = q2(Decimal(quantity) * Decimal(unit_price)) if amount is None else Decimal(amount)
    if tax is None:
        if tax_rate in NOT_TAXABLE:
            tax = "*"
        else:
            rate = Decimal(tax_rate[:-1]) / 100 if tax_rate.endswith("%") else Decimal(tax_rate)
            tax = str(q2(net * rate))
    return Item(name, quantity, unit_price, str(q2(net)), tax_rate, tax, unit=unit)


def discount(name: str, amount: str, tax_rate: str = "0.13") -> Item:
    """A discount row (折扣行): negative amount and tax, no quantity or unit price."""
    net = Decimal(amount)
    return Item(name, None, None, str(q2(net)), tax_rate, str(q2(net * Decimal(tax_rate))))


def _el(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def _label(parent: etree._Element, tag: str, code: str, name: str) -> None:
    label = _el(parent, tag)
    _el(label, "LabelCode", code)
    _el(label, "LabelName", name)


def build_cn_xml(
    *,
    items: list[Item] | tuple[Item, ...] = (),
    number: str = NUMBER,
    eiid: str | None = None,
    request_time: str = "2026-03-02 10:11:12",
    issue_time: str = "2026-03-02",
    blue: bool = True,
    special_vat: bool = True,
    seller: tuple[str, str] = (SELLER_ID, SELLER_NAME),
    buyer: tuple[str, str] = (BUYER_ID, BUYER_NAME),
    totals: tuple[str, str, str] | None = None,
    original_number: str | None = None,
    red_confirmation: str | None = None,
    remark: str | None = None,
    signed: bool = True,
    encoding: str = "utf-8",
    gross_tag: str = "TotalTax-includedAmount",
) -> bytes:
    """XML bytes of a 数电 invoice. ``totals`` = (net, tax, gross) overrides the computed ones.

    ``original_number`` / ``red_confirmation`` add SpecificInformation/RedEInvoice; ``blue=False``
    sets the red-letter flag (InIssuType "N").
    """
    if not items:
        items = (item("*信息技术服务*软件维护费", "1", "1000", "0.06", unit="项"),)
    if totals is None:
        net = sum((Decimal(i.amount) for i in items), Decimal(0))
        tax = sum((Decimal(i.tax) for i in items if i.tax.strip("*")), Decimal(0))
        totals = (str(q2(net)), str(q2(tax)), str(q2(net + tax)))

    root = etree.Element("EInvoice")
    header = _el(root, "Header")
    _el(header, "EIid", number if eiid is None else eiid)
    _el(header, "EInvoiceTag", "SWEI3500")
    _el(header, "Version", "0.37")
    inherent = _el(header, "InherentLabel")
    _label(inherent, "InIssuType", "Y" if blue else "N", "是否蓝字发票标志")
    _label(inherent, "EInvoiceType", "01", "电子发票")
    _label(
        inherent, "GeneralOrSpecialVAT", *(("01", "增值税专用发票") if special_vat else ("02", "普通发票"))
    )
    _label(inherent, "TaxpayerType", "1", "一般纳税人")
    undefined = _el(header, "UndefinedLabel")
    label = _el(undefined, "Label")
    _el(label, "LabelType", "发票开具方式标签")
    _el(label, "LabelCode", "1")
    _el(label, "LabelName", "网页开票")

    data = _el(root, "EInvoiceData")
    info = _el(data, "SellerInformation")
    _el(info, "SellerIdNum", seller[0])
    _el(info, "SellerName", seller[1])
    _el(info, "SellerAddr", "福州市鼓楼区测试路1号")
    _el(info, "SellerTelNum", "0591-00000000")
    _el(info, "SellerBankName", "测试银行福州分行")
    _el(info, "SellerBankAccNum", "6200000000000000")
    info = _el(data, "BuyerInformation")
    _el(info, "BuyerIdNum", buyer[0])
    _el(info, "BuyerName", buyer[1])

    basic = _el(data, "BasicInformation")
    _el(basic, "TotalAmWithoutTax", totals[0])
    _el(basic, "TotalTaxAm", totals[1])
    _el(basic, gross_tag, totals[2])
    _el(basic, "TotalTax-includedAmountInChinese", "（负数）" if not blue else "壹圆整")
    _el(basic, "Drawer", "测试开票员")
    if request_time:
        _el(basic, "RequestTime", request_time)

    for line in items:
        node = _el(data, "IssuItemInformation")
        _el(node, "ItemName", line.name)
        if line.spec:
            _el(node, "SpecMod", line.spec)
        if line.unit:
            _el(node, "MeaUnits", line.unit)
        if line.quantity is not None:
            _el(node, "Quantity", line.quantity)
        if line.unit_price is not None:
            _el(node, "UnPrice", line.unit_price)
        _el(node, "Amount", line.amount)
        _el(node, "TaxRate", line.tax_rate)
        _el(node, "ComTaxAm", line.tax)
        gross = Decimal(line.amount) + (Decimal(line.tax) if line.tax.strip("*") else 0)
        _el(node, "TotaltaxIncludedAmount", str(q2(gross)))
        _el(node, "TaxClassificationCode", line.code)

    specific = _el(data, "SpecificInformation")
    if original_number is not None or red_confirmation is not None:
        red = _el(specific, "RedEInvoice")
        _el(red, "OriginalInvoiceCode", original_number or "")
        _el(red, "CreditNoteNumber", red_confirmation or "")
    additional = _el(data, "AdditionalInformation")
    if remark is not None:
        _el(additional, "Remark", remark)

    auth = _el(root, "SellerAuthentication")
    _el(auth, "AuthenticationMethods", "01")
    supervision = _el(root, "TaxSupervisionInfo")
    _el(supervision, "InvoiceNumber", number)
    if issue_time:
        _el(supervision, "IssueTime", issue_time)
    _el(supervision, "TaxBureauCode", "13500000000")
    _el(supervision, "TaxBureauName", "国家税务总局福建省税务局")
    if signed:
        signature = _el(root, "TaxBureauSignature")
        ref = _el(signature, "Reference")
        ref.set("URI", "/Einvoice/Header|/Einvoice/EinvoiceData|/Einvoice/TaxSupervisionInfo")
        _el(signature, "SignatureAlgorithm", "1.2.156.10197.1.501")
        _el(signature, "SignatureFormat", "DETACH")
        _el(signature, "SignatureTime", "2026-03-02 10:20:00")
        _el(signature, "SignatureValue", "3082000130&MjAyNjAzMDIgMTAyMDAw")  # not a real signature
        _el(signature, "KeyInfo")
    else:
        _el(root, "ptbh", "0123456789abcdef0123")
    return etree.tostring(root, encoding=encoding, xml_declaration=True, pretty_print=True)
