"""Read the EN 16931 semantic model out of a UN/CEFACT CII D16B CrossIndustryInvoice."""

from __future__ import annotations

from decimal import Decimal, localcontext

from lxml import etree

from ..model import Refused
from ._xml import DECIMALS, Kids, Ns, Reader, children, kids, many, norm, one, text, text_of, walk
from .model import (
    Address,
    AllowanceCharge,
    Category,
    Codes,
    Contact,
    Invoice,
    Line,
    Party,
    PaymentMeans,
    Period,
    TaxTotal,
    Totals,
    VatBreakdown,
)

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
ROOT = f"{{{RSM}}}CrossIndustryInvoice"
rsm = Ns(RSM)
ram = Ns(RAM)
udt = Ns(UDT)


def _bool(value: str | None) -> bool | None:
    value = norm(value)
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    return None


def _texts(els: list[etree._Element]) -> list[str]:
    return [norm(e.text) for e in els]


def _text_102(el: etree._Element | None) -> str | None:
    """The text of a ``ram:*DateTime`` element's DateTimeString in format 102 (None: there is none)."""
    for dts in () if el is None else children(el, udt.DateTimeString):
        if dts.get("format") == "102":
            return dts.text or ""
    return None


class _CiiReader(Reader):
    def category(self, el: etree._Element) -> Category:
        k = kids(el)
        pct = one(k, ram.RateApplicablePercent)
        ident = one(k, ram.CategoryCode)
        code = text(ident)
        return Category(
            code=code,
            rate=self.number(pct, "VAT rate"),
            rate_present=pct is not None,
            is_vat=norm(text_of(k, ram.TypeCode)).upper() == "VAT",
            exact=code is None or code == ident.text,
        )

    def address(self, el: etree._Element | None) -> Address | None:
        if el is None:
            return None
        k = kids(el)
        lines = [text_of(k, tag) for tag in (ram.LineOne, ram.LineTwo, ram.LineThree)]
        return Address(
            lines=[t for t in lines if t],
            city=text_of(k, ram.CityName),
            postcode=text_of(k, ram.PostcodeCode),
            subdivision=text_of(k, ram.CountrySubDivisionName),
            country=text_of(k, ram.CountryID),
        )

    def party(self, el: etree._Element | None) -> Party | None:
        if el is None:
            return None
        k = kids(el)
        vat_ids: list[str] = []
        other_ids: list[str] = []
        for reg in many(k, ram.SpecifiedTaxRegistration):
            for ident in children(reg, ram.ID):
                scheme = ident.get("schemeID")
                if scheme == "VA":
                    vat_ids.append(norm(ident.text))
                elif scheme == "FC":
                    other_ids.append(norm(ident.text))
        ok = kids(one(k, ram.SpecifiedLegalOrganization))
        trading = text_of(ok, ram.TradingBusinessName)
        uri = one(k, ram.URIUniversalCommunication)
        endpoint = walk(uri, ram.URIID)
        return Party(
            name=text_of(k, ram.Name),
            trading_names=[trading] if trading else [],
            identifiers=_texts(many(k, ram.ID)) + _texts(many(k, ram.GlobalID)),
            legal_ids=_texts(many(ok, ram.ID)),
            vat_ids=vat_ids,
            tax_registration_ids=other_ids,
            # BR-62/-63 in CII: an URIUniversalCommunication without URIID is an address without scheme
            endpoint=("" if uri is not None else None) if endpoint is None else text(endpoint),
            endpoint_scheme=None if endpoint is None else (norm(endpoint.get("schemeID")) or None),
            address=self.address(one(k, ram.PostalTradeAddress)),
            contact=_contact(one(k, ram.DefinedTradeContact)),
        )

    def allowance_charge(self, el: etree._Element) -> AllowanceCharge:
        k = kids(el)
        cats = [self.category(c) for c in many(k, ram.CategoryTradeTax)]
        return AllowanceCharge(
            charge=_bool(text(walk(one(k, ram.ChargeIndicator), udt.Indicator))),
            amount=self.number(one(k, ram.ActualAmount), "Allowance/charge amount"),
            base_amount=self.number(one(k, ram.BasisAmount), "Allowance/charge base amount"),
            percent=self.number(one(k, ram.CalculationPercent), "Allowance/charge percentage"),
            reason=text_of(k, ram.Reason),
            reason_code=text_of(k, ram.ReasonCode),
            category=next((c for c in cats if c.is_vat), None),
            categories=cats,
        )

    def date(self, el: etree._Element | None, what: str) -> str | None:
        """A ``ram:*DateTime`` element: its udt:DateTimeString in format 102."""
        return self.date_102(walk(el, udt.DateTimeString), what)

    def period(self, el: etree._Element | None) -> Period | None:
        if el is None:
            return None
        k = kids(el)
        start, end = one(k, ram.StartDateTime), one(k, ram.EndDateTime)
        return Period(
            start=self.date(start, "Period start date"),
            end=self.date(end, "Period end date"),
            has_content=bool(k),
            bounds_102=None if start is None or end is None else (_text_102(start), _text_102(end)),
        )

    def line(self, el: etree._Element) -> Line:
        k = kids(el)
        product = kids(one(k, ram.SpecifiedTradeProduct))
        agreement = kids(one(k, ram.SpecifiedLineTradeAgreement))
        settlement = kids(one(k, ram.SpecifiedLineTradeSettlement))
        qty = walk(one(k, ram.SpecifiedLineTradeDelivery), ram.BilledQuantity)
        net = walk(one(settlement, ram.SpecifiedTradeSettlementLineMonetarySummation), ram.LineTotalAmount)
        net_price = kids(one(agreement, ram.NetPriceProductTradePrice))
        gross_price = kids(one(agreement, ram.GrossPriceProductTradePrice))
        price = one(net_price, ram.ChargeAmount)
        gross = one(gross_price, ram.ChargeAmount)
        base_qty = one(net_price, ram.BasisQuantity)
        if base_qty is None:
            base_qty = one(gross_price, ram.BasisQuantity)
        return Line(
            id=text(walk(one(k, ram.AssociatedDocumentLineDocument), ram.LineID)),
            quantity=self.number(qty, "Invoiced quantity"),
            quantity_present=qty is not None,
            unit=None if qty is None else qty.get("unitCode"),
            net=self.number(net, "Invoice line net amount"),
            net_present=net is not None,
            order_line_ref=text(walk(one(agreement, ram.BuyerOrderReferencedDocument), ram.LineID)),
            period=self.period(one(settlement, ram.BillingSpecifiedPeriod)),
            allowances_charges=[
                self.allowance_charge(a) for a in many(settlement, ram.SpecifiedTradeAllowanceCharge)
            ],
            price=self.number(price, "Item net price"),
            price_present=price is not None,
            gross_price=self.number(gross, "Item gross price"),
            gross_price_present=gross is not None,
            base_quantity=self.number(base_qty, "Item price base quantity"),
            item_name=text_of(product, ram.Name),
            seller_item_id=text_of(product, ram.SellerAssignedID),
            standard_ids=[(norm(e.text), e.get("schemeID")) for e in many(product, ram.GlobalID)],
            classifications=[
                (norm(e.text), e.get("listID"))
                for c in many(product, ram.DesignatedProductClassification)
                for e in children(c, ram.ClassCode)
            ],
            categories=[self.category(c) for c in many(settlement, ram.ApplicableTradeTax)],
            attributes=[
                (walk(a, ram.Description) is not None, walk(a, ram.Value) is not None)
                for a in many(product, ram.ApplicableProductCharacteristic)
            ],
        )

    def totals(self, el: etree._Element | None) -> Totals | None:
        if el is None:
            return None
        k = kids(el)
        n = self.number
        return Totals(
            line_total=n(one(k, ram.LineTotalAmount), "Sum of invoice line net amounts"),
            allowance_total=n(one(k, ram.AllowanceTotalAmount), "Sum of allowances"),
            charge_total=n(one(k, ram.ChargeTotalAmount), "Sum of charges"),
            tax_exclusive=n(one(k, ram.TaxBasisTotalAmount), "Invoice total without VAT"),
            tax_inclusive=n(one(k, ram.GrandTotalAmount), "Invoice total with VAT"),
            prepaid=n(one(k, ram.TotalPrepaidAmount), "Paid amount"),
            rounding=n(one(k, ram.RoundingAmount), "Rounding amount"),
            payable=n(one(k, ram.DuePayableAmount), "Amount due for payment"),
        )

    def settlement(self, k: Kids, inv: Invoice) -> None:
        """ApplicableHeaderTradeSettlement (children ``k``): currencies, payment, VAT, totals."""
        inv.currency = text_of(k, ram.InvoiceCurrencyCode)
        inv.tax_currency = text_of(k, ram.TaxCurrencyCode)
        inv.payee = self.party(one(k, ram.PayeeTradeParty))
        for pm in many(k, ram.SpecifiedTradeSettlementPaymentMeans):
            pk = kids(pm)
            accounts = []
            for acc in many(pk, ram.PayeePartyCreditorFinancialAccount):
                ak = kids(acc)
                ident = text_of(ak, ram.IBANID)
                accounts.append(ident if ident is not None else text_of(ak, ram.ProprietaryID))
            inv.payment_means.append(
                PaymentMeans(
                    code=text_of(pk, ram.TypeCode),
                    accounts=accounts,
                    card_numbers=[
                        norm(e.text)
                        for card in many(pk, ram.ApplicableTradeSettlementFinancialCard)
                        for e in children(card, ram.ID)
                    ],
                )
            )
        for tax in many(k, ram.ApplicableTradeTax):
            tk = kids(tax)
            inv.vat_breakdown.append(
                VatBreakdown(
                    taxable=self.number(one(tk, ram.BasisAmount), "VAT category taxable amount"),
                    tax=self.number(one(tk, ram.CalculatedAmount), "VAT category tax amount"),
                    category=self.category(tax),
                    exemption_reason=text_of(tk, ram.ExemptionReason),
                    exemption_code=text_of(tk, ram.ExemptionReasonCode),
                )
            )
            if inv.tax_point_date is None:
                point = walk(one(tk, ram.TaxPointDate), udt.DateString)
                inv.tax_point_date = self.date_102(point, "VAT point date")
            if inv.tax_point_date_code is None:
                inv.tax_point_date_code = text_of(tk, ram.DueDateTypeCode)
        inv.invoice_period = self.period(one(k, ram.BillingSpecifiedPeriod))
        inv.allowances_charges = [
            self.allowance_charge(el) for el in many(k, ram.SpecifiedTradeAllowanceCharge)
        ]
        for terms in many(k, ram.SpecifiedTradePaymentTerms):
            tk = kids(terms)
            if inv.payment_terms is None:
                inv.payment_terms = text_of(tk, ram.Description)
            due = one(tk, ram.DueDateDateTime)
            if due is not None:
                inv.due_date_anywhere = True
                if inv.due_date is None:
                    inv.due_date = self.date(due, "Payment due date")
        summation = one(k, ram.SpecifiedTradeSettlementHeaderMonetarySummation)
        inv.totals = self.totals(summation)
        breakdown_sum = sum((vb.tax for vb in inv.vat_breakdown if vb.tax is not None), start=Decimal(0))
        for el in many(kids(summation), ram.TaxTotalAmount):
            currency = el.get("currencyID")
            inv.tax_totals.append(
                TaxTotal(
                    amount=self.number(el, "Invoice total VAT amount"),
                    currency=currency,
                    # CII checks BT-110 against the breakdown only for the amount in the invoice currency.
                    breakdown_sum=breakdown_sum if currency == inv.currency else None,
                )
            )
        inv.preceding_invoices = [
            text(walk(ref, ram.IssuerAssignedID)) for ref in many(k, ram.InvoiceReferencedDocument)
        ]


_PRODUCT = ram.SpecifiedTradeProduct
_CODE_TAGS = (
    rsm.ExchangedDocument,
    ram.CountryID,
    ram.OriginTradeCountry,
    ram.DueDateTypeCode,
    ram.GlobalID,
    ram.SpecifiedLegalOrganization,
    ram.ClassCode,
    ram.SpecifiedTradeSettlementPaymentMeans,
    ram.CategoryCode,
    ram.SpecifiedTradeAllowanceCharge,
    ram.AttachmentBinaryObject,
    ram.ReferenceTypeCode,
    ram.SubjectCode,
    ram.ExemptionReasonCode,
    ram.BasisQuantity,
    ram.BilledQuantity,
    ram.URIID,
)


_URI_PARENT = ram.URIUniversalCommunication
# Every currencyID attribute in the document, in document order: one compiled XPath walks the tree in C,
# about three times faster than visiting each element from Python.
_CURRENCY_IDS = etree.XPath("//@currencyID", smart_strings=False)


def _contact(el: etree._Element | None) -> Contact | None:
    if el is None:
        return None
    k = kids(el)
    return Contact(
        name=text_of(k, ram.PersonName) or text_of(k, ram.DepartmentName),
        phone=text(walk(one(k, ram.TelephoneUniversalCommunication), ram.CompleteNumber)),
        email=text(walk(one(k, ram.EmailURIUniversalCommunication), ram.URIID)),
    )


def _codes(root: etree._Element) -> Codes:
    """Every coded value the code-list rules look at."""
    c = Codes()
    c.currency_ids = _CURRENCY_IDS(root)
    for el in root.iter(_CODE_TAGS):
        tag = el.tag
        if tag == rsm.ExchangedDocument:
            c.type_codes += [(norm(t.text), False) for t in children(el, ram.TypeCode)]
        elif tag == ram.CountryID:
            c.countries.append(norm(el.text))
        elif tag == ram.OriginTradeCountry:
            c.origin_countries += [norm(t.text) for t in children(el, ram.ID)]
        elif tag == ram.DueDateTypeCode:
            c.period_codes.append(norm(el.text))
        elif tag == ram.GlobalID:
            scheme = el.get("schemeID")
            if scheme is None:
                continue
            if el.getparent().tag == _PRODUCT:
                c.standard_id_schemes.append(scheme)
            else:
                c.party_id_schemes.append((scheme, False))
        elif tag == ram.SpecifiedLegalOrganization:
            schemes = [e.get("schemeID") for e in children(el, ram.ID)]
            c.legal_id_schemes += [scheme for scheme in schemes if scheme is not None]
        elif tag == ram.ClassCode:
            value = el.get("listID")
            if value is not None:
                c.classification_list_ids.append(value)
        elif tag == ram.SpecifiedTradeSettlementPaymentMeans:
            c.payment_means += [norm(t.text) for t in children(el, ram.TypeCode)]
        elif tag == ram.CategoryCode:
            # BR-CL-17 checks the allowance/charge categories (CategoryTradeTax), BR-CL-18 every
            # ApplicableTradeTax (lines and the VAT breakdown alike).
            trade_tax = el.getparent().tag == ram.ApplicableTradeTax
            (c.line_tax_categories if trade_tax else c.tax_categories).append(norm(el.text))
        elif tag == ram.SpecifiedTradeAllowanceCharge:
            indicator = _bool(text(walk(el, ram.ChargeIndicator, udt.Indicator)))
            if indicator is not None:
                reasons = [norm(t.text) for t in children(el, ram.ReasonCode)]
                (c.charge_reason_codes if indicator else c.allowance_reason_codes).extend(reasons)
        elif tag == ram.AttachmentBinaryObject:
            value = el.get("mimeCode")
            if value is not None:
                c.mime_codes.append(value)
        elif tag == ram.ReferenceTypeCode:
            c.reference_schemes.append(norm(el.text))
        elif tag == ram.SubjectCode:
            c.note_subjects.append(norm(el.text))
        elif tag == ram.ExemptionReasonCode:
            c.exemption_codes.append(norm(el.text).upper())
        elif tag in (ram.BasisQuantity, ram.BilledQuantity):
            value = el.get("unitCode")
            if value is not None:
                c.unit_codes.append(value)
        elif tag == ram.URIID:
            value = el.get("schemeID")
            if value is not None and el.getparent().tag == _URI_PARENT:
                c.endpoint_schemes.append(value)
    return c


def _extract(root: etree._Element) -> Invoice:
    """Build the semantic model from a CII root element; refuse anything that is not CII."""
    if root.tag != ROOT:
        raise Refused("cii_root", f"The root element {root.tag!r} is not a UN/CEFACT CrossIndustryInvoice.")
    r = _CiiReader()
    inv = Invoice(syntax="cii")
    k = kids(root)
    doc = kids(one(k, rsm.ExchangedDocument))
    tx = kids(one(k, rsm.SupplyChainTradeTransaction))
    agreement = kids(one(tx, ram.ApplicableHeaderTradeAgreement))
    delivery = kids(one(tx, ram.ApplicableHeaderTradeDelivery))

    inv.customization_id = text(
        walk(one(k, rsm.ExchangedDocumentContext), ram.GuidelineSpecifiedDocumentContextParameter, ram.ID)
    )
    inv.number = text_of(doc, ram.ID)
    inv.type_code = text_of(doc, ram.TypeCode)
    issued = one(doc, ram.IssueDateTime)
    inv.issue_date = r.date(issued, "Invoice issue date")
    inv.issue_date_102 = norm(_text_102(issued))

    inv.buyer_reference = text_of(agreement, ram.BuyerReference)
    inv.order_reference = text(walk(one(agreement, ram.BuyerOrderReferencedDocument), ram.IssuerAssignedID))
    seller = one(agreement, ram.SellerTradeParty)
    inv.seller = r.party(seller)
    if seller is not None:
        sk = kids(seller)
        inv.seller_identified = bool(
            one(sk, ram.ID) is not None
            or one(sk, ram.GlobalID) is not None
            or one(kids(one(sk, ram.SpecifiedLegalOrganization)), ram.ID) is not None
            or any(
                i.get("schemeID") == "VA"
                for reg in many(sk, ram.SpecifiedTaxRegistration)
                for i in children(reg, ram.ID)
            )
        )
    inv.buyer = r.party(one(agreement, ram.BuyerTradeParty))
    inv.tax_representative = r.party(one(agreement, ram.SellerTaxRepresentativeTradeParty))
    inv.additional_documents = [
        text(walk(d, ram.IssuerAssignedID)) for d in many(agreement, ram.AdditionalReferencedDocument)
    ]

    event = walk(one(delivery, ram.ActualDeliverySupplyChainEvent), ram.OccurrenceDateTime)
    inv.actual_delivery_date = r.date(event, "Actual delivery date")
    inv.deliver_to = r.address(walk(one(delivery, ram.ShipToTradeParty), ram.PostalTradeAddress))

    r.settlement(kids(one(tx, ram.ApplicableHeaderTradeSettlement)), inv)
    line_items = many(tx, ram.IncludedSupplyChainTradeLineItem)
    inv.lines = [r.line(el) for el in line_items]
    # BR-52 in CII looks at every AdditionalReferencedDocument, the lines' (BT-128) too
    for el in line_items:
        settlement = walk(el, ram.SpecifiedLineTradeSettlement)
        if settlement is not None:
            inv.additional_documents += [
                text(walk(d, ram.IssuerAssignedID))
                for d in children(settlement, ram.AdditionalReferencedDocument)
            ]
    inv.codes = _codes(root)
    inv.issues = r.issues
    return inv


def extract(root: etree._Element) -> Invoice:
    """Build the semantic model from a CII root element; refuse anything else."""
    with localcontext(DECIMALS):
        return _extract(root)
