"""UN/CEFACT CII D16B CrossIndustryInvoice (EN 16931 binding) -> :class:`NormalisedInvoice`.

Same contract as :mod:`ubl`: ``parse(root)`` reads the EN 16931 semantic model, runs the business
rules (``rules=False`` skips them) and returns the normalised invoice with every problem as an
:class:`Issue`; only a root that is not a CrossIndustryInvoice raises :class:`Refused`.

Mapping: number ExchangedDocument/ID, TypeCode 381 (and the other UNTDID 1001 credit-note codes)
= credit note, issue date IssueDateTime (format 102), currency InvoiceCurrencyCode; seller/buyer
name = Name, tax id = SpecifiedTaxRegistration/ID[@schemeID='VA'], else the legal organisation ID;
totals: net = TaxBasisTotalAmount, tax = TaxTotalAmount in the invoice currency, gross =
GrandTotalAmount, payable = DuePayableAmount; lines: unit price = NetPriceProductTradePrice/
ChargeAmount / BasisQuantity, tax rate as a fraction, line tax = net × rate rounded half-up to the
cent (CII carries VAT per category only); PO references: BuyerOrderReferencedDocument (BT-13),
line BuyerOrderReferencedDocument/LineID (BT-132); corrected invoice: InvoiceReferencedDocument.
"""

from __future__ import annotations

from lxml import etree

from .en16931 import extract_cii, xrechnung
from .en16931.normalise import to_normalised
from .en16931.rules import check
from .model import Format, NormalisedInvoice


def parse(root: etree._Element, *, rules: bool = True) -> NormalisedInvoice:
    model = extract_cii.extract(root)
    issues = [*model.issues, *(check(model) if rules else [])]
    invoice = to_normalised(model, Format.CII, issues)
    if rules:
        invoice.xrechnung_issues = xrechnung.check(model)
    return invoice
