"""UBL 2.1 Invoice and CreditNote (EN 16931 binding) -> :class:`NormalisedInvoice`.

``parse(root)`` takes a root element already parsed by :func:`safexml.parse_xml`. It reads the
EN 16931 semantic model, runs the EN 16931 business rules on it (``rules=False`` skips them) and
returns the normalised invoice; every problem is an :class:`Issue` in ``invoice.issues`` (rule ids
such as ``BR-CO-10``; ``bad_number`` / ``bad_date`` for values that cannot be read). Only a root
that is not a UBL Invoice or CreditNote raises :class:`Refused`.

Mapping: number BT-1, issue date BT-2, currency BT-5; seller/buyer name = legal name (BT-27/44,
else trading name), tax id = VAT id (BT-31/48), else legal registration id (BT-30/47); totals:
net = TaxExclusiveAmount (BT-109), tax = TaxTotal/TaxAmount in the document currency (BT-110),
gross = TaxInclusiveAmount (BT-112), payable = PayableAmount (BT-115); lines: unit price = net price
(BT-146) / base quantity (BT-149), tax rate as a fraction (0.19), line tax = net × rate rounded
half-up to the cent (UBL carries VAT per category only); PO references: OrderReference (BT-13),
line OrderLineReference (BT-132) as the line's po_reference; a credit note's corrected invoice:
BillingReference (BT-25).
"""

from __future__ import annotations

from lxml import etree

from .en16931 import extract_ubl, xrechnung
from .en16931.normalise import to_normalised
from .en16931.rules import check
from .model import Format, NormalisedInvoice


def parse(root: etree._Element, *, rules: bool = True) -> NormalisedInvoice:
    model = extract_ubl.extract(root)
    issues = [*model.issues, *(check(model) if rules else [])]
    invoice = to_normalised(model, Format.UBL, issues)
    if rules:
        invoice.xrechnung_issues = xrechnung.check(model)
    return invoice
