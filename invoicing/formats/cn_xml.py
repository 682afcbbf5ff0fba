"""China fully digitalised e-invoice (数电票) XML, root ``EInvoice`` → :class:`NormalisedInvoice`.

Element names and meanings: ``/work/shared/formats/cn-einvoice-xml.md``. The format has no
public schema, so elements are matched by local name (some issuers add namespace prefixes),
child order is ignored, and an empty element counts as a missing one.

Amounts are kept as printed: a red-letter (红字) invoice has negative amounts. Unit prices keep
all their printed digits (they are unrounded in the file); amounts are rounded to 2 places and
quantities to 6 by :mod:`invoicing.money`.

The ``TaxBureauSignature`` is a detached SM2 CMS over bytes whose serialisation is not public,
so it is reported as present but unverified.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from lxml import etree

from core.money import q2, q6, to_decimal

from .model import (
    DocumentType,
    Format,
    InvoiceLine,
    Issue,
    NormalisedInvoice,
    Party,
    Refused,
    Severity,
    SignatureInfo,
    Totals,
)
from .po_refs import line_reference_in, po_references_in
from .safexml import local

MAX_LINES = 10_000

SIGNATURE_DETAIL = "detached SM2 CMS; signed bytes are not public"

_DATE_RE = re.compile(r"([0-9]{4})-?([0-9]{2})-?([0-9]{2})(?:$|[ T])")
_RED_REMARK_RE = re.compile(r"被红冲蓝字(?:数电)?(?:发票)?(?:票)?号码\s*[:：]\s*([0-9]{20})")
_NOT_TAXABLE_RATES = {"免税", "不征税", "免征", "不征收"}


# -- small tree helpers (namespace-agnostic, order-agnostic) ---------------------------------


def _kids(el: etree._Element | None, name: str) -> list[etree._Element]:
    if el is None:
        return []
    return [c for c in el if local(c.tag) == name]


def _kid(el: etree._Element | None, *path: str) -> etree._Element | None:
    for name in path:
        found = _kids(el, name)
        el = found[0] if found else None
        if el is None:
            return None
    return el


def _text(el: etree._Element | None, *path: str) -> str:
    node = _kid(el, *path) if path else el
    if node is None or node.text is None:
        return ""
    return node.text.strip()


def _first_text(el: etree._Element | None, *names: str) -> str:
    for name in names:
        value = _text(el, name)
        if value:
            return value
    return ""


# -- value readers ---------------------------------------------------------------------------


def _number(value: str, what: str) -> Decimal | None:
    try:
        return to_decimal(value)
    except ValueError:
        raise Refused("invalid_value", f"{what} is {value[:60]!r}, which is not a decimal number.") from None


def _amount(value: str, what: str) -> Decimal | None:
    number = _number(value, what)
    return None if number is None else q2(number)


def _total(value: str, what: str) -> Decimal:
    if value and set(value) == {"*"}:  # printed as "*" / "***": does not apply
        return Decimal("0.00")
    number = _amount(value, what)
    if number is None:
        raise Refused("missing_element", f"The 数电 XML has no {what}.")
    return number


def _tax_rate(value: str, what: str) -> Decimal | None:
    """Read a tax rate: "0.06" or "6%" → 0.06; "*", "免税", "不征税" → None (not taxable)."""
    value = value.strip()
    if not value or set(value) == {"*"} or value in _NOT_TAXABLE_RATES:
        return None
    percent = value.endswith(("%", "％"))
    number = _number(value.rstrip("%％"), what)
    if number is None:
        return None
    if percent:
        number = number / 100
    if number < 0 or number >= 1:
        raise Refused("invalid_value", f"{what} is {value!r}, which is not a tax rate between 0 and 1.")
    return number.normalize() if number else Decimal("0")


def _date(value: str, what: str) -> date | None:
    if not value:
        return None
    match = _DATE_RE.match(value)
    try:
        if match is None:
            raise ValueError
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise Refused("invalid_value", f"{what} is {value[:40]!r}, which is not a date.") from None


# -- parts -----------------------------------------------------------------------------------


def _party(info: etree._Element | None, prefix: str) -> Party:
    return Party(
        name=_text(info, f"{prefix}Name"),
        tax_id=_text(info, f"{prefix}IdNum").upper(),
        address=_text(info, f"{prefix}Addr"),
        country="CN",
    )


def _lines(data: etree._Element, *, credit_note: bool) -> list[InvoiceLine]:
    items = _kids(data, "IssuItemInformation")
    if len(items) > MAX_LINES:
        raise Refused("too_many_lines", f"The invoice has {len(items)} lines; the limit is {MAX_LINES}.")
    lines: list[InvoiceLine] = []
    last_item_id = ""
    for index, item in enumerate(items, start=1):
        what = f"Line {index} "
        quantity = _number(_text(item, "Quantity"), what + "Quantity")
        unit_price = _number(_text(item, "UnPrice"), what + "UnPrice")
        net = _amount(_text(item, "Amount"), what + "Amount") or Decimal("0.00")
        tax = _amount(_text(item, "ComTaxAm"), what + "ComTaxAm") or Decimal("0.00")
        line_id = str(index)
        # A discount row (折扣行) follows the discounted item: negative amount, no quantity or
        # price. In a red-letter invoice every row is negative, so it is not a discount there.
        is_discount = not credit_note and net < 0 and quantity is None and unit_price is None
        lines.append(
            InvoiceLine(
                name=_text(item, "ItemName"),
                quantity=q6(quantity) if quantity is not None else None,
                unit=_text(item, "MeaUnits"),
                unit_price=unit_price,
                net=net,
                tax_rate=_tax_rate(_text(item, "TaxRate"), what + "TaxRate"),
                tax=tax,
                item_code=_text(item, "TaxClassificationCode"),
                po_reference=line_reference_in(_text(item, "SpecMod")),
                line_id=line_id,
                discount_for=last_item_id if is_discount else "",
            )
        )
        if not is_discount:
            last_item_id = line_id
    return lines


def _label(header: etree._Element | None, name: str) -> tuple[str, str]:
    node = _kid(header, "InherentLabel", name)
    return _text(node, "LabelCode"), _text(node, "LabelName")


# -- entry point -----------------------------------------------------------------------------


def parse(root: etree._Element) -> NormalisedInvoice:
    """Read a parsed ``EInvoice`` tree. Raises :class:`Refused` when it cannot be read."""
    if local(root.tag) != "EInvoice":
        raise Refused("not_an_invoice", f"The root element is <{local(root.tag)}>, not <EInvoice>.")
    header = _kid(root, "Header")
    data = _kid(root, "EInvoiceData")
    if data is None:
        raise Refused("missing_element", "The 数电 XML has no EInvoiceData element.")
    basic = _kid(data, "BasicInformation")
    supervision = _kid(root, "TaxSupervisionInfo")
    specific = _kid(data, "SpecificInformation")
    remark = _text(data, "AdditionalInformation", "Remark")
    issues: list[Issue] = []

    blue_code, _ = _label(header, "InIssuType")
    red = _kid(specific, "RedEInvoice")
    credit_note = blue_code.upper() == "N" or red is not None
    corrects = ""
    if credit_note:
        corrects = _text(red, "OriginalInvoiceCode")
        if not corrects:
            match = _RED_REMARK_RE.search(remark)
            corrects = match[1] if match else ""

    number = _text(supervision, "InvoiceNumber")
    eiid = _text(header, "EIid")
    if number and eiid and number != eiid:
        issues.append(
            Issue(
                "cn_xml_number_differs",
                Severity.WARNING,
                f"The invoice number is {number} but the header's EIid is {eiid}.",
            )
        )
    number = number or eiid

    issue_date = _date(_text(basic, "RequestTime"), "RequestTime") or _date(
        _text(supervision, "IssueTime"), "IssueTime"
    )

    net = _total(_text(basic, "TotalAmWithoutTax"), "TotalAmWithoutTax (total excluding tax)")
    tax = _total(_text(basic, "TotalTaxAm"), "TotalTaxAm (total tax)")
    gross = _total(
        _first_text(basic, "TotalTax-includedAmount", "TotalTaxIncludedAmount"),
        "TotalTax-includedAmount (total including tax)",
    )

    kind_code, kind_name = _label(header, "GeneralOrSpecialVAT")
    extra = {
        "invoice_kind_code": kind_code,
        "invoice_kind": kind_name,
        "platform_tag": _text(header, "EInvoiceTag"),
        "version": _text(header, "Version"),
        "drawer": _text(basic, "Drawer"),
        "issue_time": _text(basic, "RequestTime"),
        "remark": remark,
        "tax_bureau": _text(supervision, "TaxBureauName"),
        "red_confirmation_number": _text(red, "CreditNoteNumber"),
    }
    channel = [
        _text(label, "LabelName")
        for label in _kids(_kid(header, "UndefinedLabel"), "Label")
        if _text(label, "LabelType") == "发票开具方式标签"
    ]
    if channel:
        extra["issue_channel"] = channel[0]

    signed = _kid(root, "TaxBureauSignature") is not None
    return NormalisedInvoice(
        format=Format.CN_XML,
        document_type=DocumentType.CREDIT_NOTE if credit_note else DocumentType.INVOICE,
        invoice_number=number,
        issue_date=issue_date,
        currency="CNY",
        seller=_party(_kid(data, "SellerInformation"), "Seller"),
        buyer=_party(_kid(data, "BuyerInformation"), "Buyer"),
        totals=Totals(net=net, tax=tax, gross=gross, payable=gross),
        lines=_lines(data, credit_note=credit_note),
        invoice_code=None,
        corrects_invoice=corrects,
        po_references=po_references_in(remark),
        signature=SignatureInfo(present=True, detail=SIGNATURE_DETAIL) if signed else SignatureInfo(),
        issues=issues,
        extra={k: v for k, v in extra.items() if v},
    )
