"""Read the EN 16931 semantic model out of a UBL 2.1 Invoice or CreditNote (the CEN binding)."""

from __future__ import annotations

from decimal import localcontext

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

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
ROOTS = {f"{{{NS_INVOICE}}}Invoice": False, f"{{{NS_CREDIT_NOTE}}}CreditNote": True}
cac = Ns(CAC)
cbc = Ns(CBC)


def _is_vat(k: Kids) -> bool:
    """The TaxScheme/ID of a tax category or party tax scheme (children ``k``) is VAT."""
    found = k.get(cac.TaxScheme)
    ident = walk(found[0], cbc.ID) if found else None
    return ident is not None and norm(ident.text).upper() == "VAT"


def _bool(value: str | None) -> bool | None:
    value = norm(value)
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    return None


def _texts(els: list[etree._Element], tag: str) -> list[str]:
    """Text of the ``tag`` child of each element that has one."""
    return [norm(c.text) for e in els for c in e if c.tag == tag]


class _UblReader(Reader):
    def category(self, el: etree._Element) -> Category:
        k = kids(el)
        pct = one(k, cbc.Percent)
        ident = one(k, cbc.ID)
        code = text(ident)
        return Category(
            code=code,
            rate=self.number(pct, "VAT rate"),
            rate_present=pct is not None,
            is_vat=_is_vat(k),
            exact=code is None or code == ident.text,
        )

    def sub_categories(self, k: Kids) -> list[Category]:
        """Tax categories of the sub-lines (cac:SubInvoiceLine, at any depth) of a line's children ``k``."""
        out: list[Category] = []
        for sub in many(k, cac.SubInvoiceLine):
            sk = kids(sub)
            out += [self.category(c) for c in many(kids(one(sk, cac.Item)), cac.ClassifiedTaxCategory)]
            out += self.sub_categories(sk)
        return out

    def address(self, el: etree._Element | None) -> Address | None:
        if el is None:
            return None
        k = kids(el)
        lines = [t for t in (text_of(k, cbc.StreetName), text_of(k, cbc.AdditionalStreetName)) if t]
        lines += [t for t in _texts(many(k, cac.AddressLine), cbc.Line) if t]
        return Address(
            lines=lines,
            city=text_of(k, cbc.CityName),
            postcode=text_of(k, cbc.PostalZone),
            subdivision=text_of(k, cbc.CountrySubentity),
            country=text(walk(one(k, cac.Country), cbc.IdentificationCode)),
        )

    def party(self, el: etree._Element | None, *, legal_name: bool = True) -> Party | None:
        """``el`` is a cac:Party (seller, buyer) or a party-typed element (payee, tax representative)."""
        if el is None:
            return None
        k = kids(el)
        vat_ids: list[str] = []
        other_ids: list[str] = []
        for pts in many(k, cac.PartyTaxScheme):
            pk = kids(pts)
            company = one(pk, cbc.CompanyID)
            if company is not None:
                (vat_ids if _is_vat(pk) else other_ids).append(norm(company.text))
        trading = _texts(many(k, cac.PartyName), cbc.Name)
        legal = many(k, cac.PartyLegalEntity)
        endpoint = one(k, cbc.EndpointID)
        return Party(
            name=text(walk(legal[0], cbc.RegistrationName) if legal else None)
            if legal_name
            else (trading[0] if trading else None),
            trading_names=trading,
            identifiers=_texts(many(k, cac.PartyIdentification), cbc.ID),
            legal_ids=_texts(legal, cbc.CompanyID),
            vat_ids=vat_ids,
            tax_registration_ids=other_ids,
            endpoint=text(endpoint),
            endpoint_scheme=None if endpoint is None else endpoint.get("schemeID"),
            address=self.address(one(k, cac.PostalAddress)),
            contact=_contact(one(k, cac.Contact)),
        )

    def allowance_charge(self, el: etree._Element) -> AllowanceCharge:
        k = kids(el)
        cats = [self.category(c) for c in many(k, cac.TaxCategory)]
        return AllowanceCharge(
            charge=_bool(text_of(k, cbc.ChargeIndicator)),
            amount=self.number(one(k, cbc.Amount), "Allowance/charge amount"),
            base_amount=self.number(one(k, cbc.BaseAmount), "Allowance/charge base amount"),
            percent=self.number(one(k, cbc.MultiplierFactorNumeric), "Allowance/charge percentage"),
            reason=text_of(k, cbc.AllowanceChargeReason),
            reason_code=text_of(k, cbc.AllowanceChargeReasonCode),
            category=next((c for c in cats if c.is_vat), None),
            categories=cats,
        )

    def period(self, el: etree._Element | None) -> Period | None:
        if el is None:
            return None
        k = kids(el)
        return Period(
            start=self.iso_date(one(k, cbc.StartDate), "Period start date"),
            end=self.iso_date(one(k, cbc.EndDate), "Period end date"),
            description_code=text_of(k, cbc.DescriptionCode),
            has_content=bool(k),
        )

    def line(self, el: etree._Element) -> Line:
        k = kids(el)
        qty = one(k, cbc.InvoicedQuantity)
        if qty is None:
            qty = one(k, cbc.CreditedQuantity)
        net = one(k, cbc.LineExtensionAmount)
        ik = kids(one(k, cac.Item))
        pk = kids(one(k, cac.Price))
        price = one(pk, cbc.PriceAmount)
        gross = walk(one(pk, cac.AllowanceCharge), cbc.BaseAmount)
        return Line(
            id=text_of(k, cbc.ID),
            quantity=self.number(qty, "Invoiced quantity"),
            quantity_present=qty is not None,
            unit=None if qty is None else qty.get("unitCode"),
            net=self.number(net, "Invoice line net amount"),
            net_present=net is not None,
            order_line_ref=text(walk(one(k, cac.OrderLineReference), cbc.LineID)),
            period=self.period(one(k, cac.InvoicePeriod)),
            allowances_charges=[self.allowance_charge(a) for a in many(k, cac.AllowanceCharge)],
            price=self.number(price, "Item net price"),
            price_present=price is not None,
            gross_price=self.number(gross, "Item gross price"),
            gross_price_present=gross is not None,
            base_quantity=self.number(one(pk, cbc.BaseQuantity), "Item price base quantity"),
            item_name=text_of(ik, cbc.Name),
            seller_item_id=text(walk(one(ik, cac.SellersItemIdentification), cbc.ID)),
            standard_ids=[
                (norm(e.text), e.get("schemeID"))
                for s in many(ik, cac.StandardItemIdentification)
                for e in children(s, cbc.ID)
            ],
            classifications=[
                (norm(e.text), e.get("listID"))
                for c in many(ik, cac.CommodityClassification)
                for e in children(c, cbc.ItemClassificationCode)
            ],
            categories=[self.category(c) for c in many(ik, cac.ClassifiedTaxCategory)],
            attributes=[
                (walk(a, cbc.Name) is not None, walk(a, cbc.Value) is not None)
                for a in many(ik, cac.AdditionalItemProperty)
            ],
            sub_categories=self.sub_categories(k) if cac.SubInvoiceLine in k else [],
        )

    def tax_totals(self, k: Kids, inv: Invoice) -> None:
        for tt in many(k, cac.TaxTotal):
            tk = kids(tt)
            amount_el = one(tk, cbc.TaxAmount)
            subs = many(tk, cac.TaxSubtotal)
            sub_sum = 0
            for sub in subs:
                sk = kids(sub)
                tax_cat = one(sk, cac.TaxCategory)
                ck = kids(tax_cat)
                vb = VatBreakdown(
                    taxable=self.number(one(sk, cbc.TaxableAmount), "VAT category taxable amount"),
                    tax=self.number(one(sk, cbc.TaxAmount), "VAT category tax amount"),
                    category=None if tax_cat is None else self.category(tax_cat),
                    exemption_reason=text_of(ck, cbc.TaxExemptionReason),
                    exemption_code=text_of(ck, cbc.TaxExemptionReasonCode),
                )
                inv.vat_breakdown.append(vb)
                if vb.tax is not None:
                    sub_sum += vb.tax
            inv.tax_totals.append(
                TaxTotal(
                    amount=self.number(amount_el, "Invoice total VAT amount"),
                    currency=None if amount_el is None else amount_el.get("currencyID"),
                    breakdown_sum=sub_sum if subs else None,
                )
            )

    def totals(self, el: etree._Element | None) -> Totals | None:
        if el is None:
            return None
        k = kids(el)
        n = self.number
        return Totals(
            line_total=n(one(k, cbc.LineExtensionAmount), "Sum of invoice line net amounts"),
            allowance_total=n(one(k, cbc.AllowanceTotalAmount), "Sum of allowances"),
            charge_total=n(one(k, cbc.ChargeTotalAmount), "Sum of charges"),
            tax_exclusive=n(one(k, cbc.TaxExclusiveAmount), "Invoice total without VAT"),
            tax_inclusive=n(one(k, cbc.TaxInclusiveAmount), "Invoice total with VAT"),
            prepaid=n(one(k, cbc.PrepaidAmount), "Paid amount"),
            rounding=n(one(k, cbc.PayableRoundingAmount), "Rounding amount"),
            payable=n(one(k, cbc.PayableAmount), "Amount due for payment"),
        )


_AMOUNT_NAMES = (
    "Amount BaseAmount PriceAmount TaxAmount TaxableAmount LineExtensionAmount TaxExclusiveAmount "
    "TaxInclusiveAmount AllowanceTotalAmount ChargeTotalAmount PrepaidAmount PayableRoundingAmount PayableAmount"
)
_AMOUNT_TAGS = tuple(getattr(cbc, name) for name in _AMOUNT_NAMES.split())
# (parent tag, child tag) -> the Codes list its text goes to; (parent, child, attribute) for attributes
_TEXT_CODES = {
    (cac.Country, cbc.IdentificationCode): "countries",
    (cac.OriginCountry, cbc.IdentificationCode): "origin_countries",
    (cac.InvoicePeriod, cbc.DescriptionCode): "period_codes",
    (cac.PaymentMeans, cbc.PaymentMeansCode): "payment_means",
    (cac.TaxCategory, cbc.ID): "tax_categories",
    (cac.ClassifiedTaxCategory, cbc.ID): "line_tax_categories",
}
_ATTR_CODES = {
    (cac.PartyLegalEntity, cbc.CompanyID): ("schemeID", "legal_id_schemes"),
    (cac.StandardItemIdentification, cbc.ID): ("schemeID", "standard_id_schemes"),
    (cac.CommodityClassification, cbc.ItemClassificationCode): ("listID", "classification_list_ids"),
    (cac.DeliveryLocation, cbc.ID): ("schemeID", "delivery_location_schemes"),
}
_UNIT_TAGS = frozenset({cbc.InvoicedQuantity, cbc.BaseQuantity, cbc.CreditedQuantity})
_DOCUMENT_REFERENCES = frozenset({cac.AdditionalDocumentReference, cac.DocumentReference})
_SELLER_SIDE = (cac.AccountingSupplierParty, cac.PayeeParty)


_TYPE_CODE_TAGS = frozenset({cbc.InvoiceTypeCode, cbc.CreditNoteTypeCode})
_SCHEME_TAGS = {
    cbc.EndpointID: ("schemeID", "endpoint_schemes"),
    cbc.EmbeddedDocumentBinaryObject: ("mimeCode", "mime_codes"),
}
_AMOUNT_SET = frozenset(_AMOUNT_TAGS)
_CODE_TAGS = (  # one pass over these: amounts, codes and due dates
    *_AMOUNT_TAGS,
    *{child for _, child in (*_TEXT_CODES, *_ATTR_CODES)},
    cbc.DueDate,
    cbc.InvoiceTypeCode,
    cbc.CreditNoteTypeCode,
    cbc.AllowanceChargeReasonCode,
    cbc.EmbeddedDocumentBinaryObject,
    cbc.Note,
    cbc.TaxExemptionReasonCode,
    cbc.EndpointID,
    *_UNIT_TAGS,
)


def _note_subject(note: str) -> str | None:
    """BR-CL-08 in UBL: a note may start its text with a subject code between two '#'."""
    if "#" not in note:
        return None
    code = note.split("#", 2)[1] if note.count("#") >= 2 else ""
    return code if len(code) == 3 else None


def _codes(root: etree._Element) -> tuple[Codes, bool]:
    """One pass over the document for every coded value the code-list rules look at; and whether
    there is a cbc:DueDate anywhere."""
    # el.get(name) rather than ``name in el.attrib``: the attrib mapping is a new object per call
    c = Codes()
    currency_ids = c.currency_ids
    due_date = False
    for el in root.iter(_CODE_TAGS):
        tag = el.tag
        if tag in _AMOUNT_SET:
            currency_ids.append(el.get("currencyID", ""))
            continue
        # the tags whose parent does not matter first: getparent() makes a new proxy object
        if tag in _UNIT_TAGS:
            value = el.get("unitCode")
            if value is not None:
                c.unit_codes.append(value)
            continue
        if tag in _TYPE_CODE_TAGS:
            c.type_codes.append((norm(el.text), tag == cbc.CreditNoteTypeCode))
            continue
        if tag in _SCHEME_TAGS:  # EndpointID, EmbeddedDocumentBinaryObject
            attr, field = _SCHEME_TAGS[tag]
            value = el.get(attr)
            if value is not None:
                getattr(c, field).append(value)
            continue
        if tag == cbc.TaxExemptionReasonCode:
            c.exemption_codes.append(norm(el.text).upper())
            continue
        if tag == cbc.DueDate:
            due_date = True
            continue
        parent = el.getparent()
        ptag = parent.tag
        key = (ptag, tag)
        if key in _TEXT_CODES:
            getattr(c, _TEXT_CODES[key]).append(norm(el.text))
        elif key in _ATTR_CODES:
            attr, field = _ATTR_CODES[key]
            value = el.get(attr)
            if value is not None:
                getattr(c, field).append(value)
        elif tag == cbc.ID:
            scheme = el.get("schemeID")
            if scheme is None:
                continue
            if ptag == cac.PartyIdentification:
                seller_side = any(a.tag in _SELLER_SIDE for a in el.iterancestors())
                c.party_id_schemes.append((scheme, seller_side))
            elif ptag in _DOCUMENT_REFERENCES and any(
                t.tag == cbc.DocumentTypeCode and t.text == "130" for t in parent
            ):
                c.reference_schemes.append(scheme)
        elif tag == cbc.AllowanceChargeReasonCode and ptag == cac.AllowanceCharge:
            indicator = _bool(text(walk(parent, cbc.ChargeIndicator)))
            if indicator is False:
                c.allowance_reason_codes.append(norm(el.text))
            elif indicator is True:
                c.charge_reason_codes.append(norm(el.text))
        elif tag == cbc.Note and parent is root:
            subject = _note_subject(el.text or "")
            if subject is not None:
                c.note_subjects.append(subject)
    return c, due_date


def _contact(el: etree._Element | None) -> Contact | None:
    if el is None:
        return None
    k = kids(el)
    return Contact(
        name=text_of(k, cbc.Name), phone=text_of(k, cbc.Telephone), email=text_of(k, cbc.ElectronicMail)
    )


def _seller_identified(party: etree._Element | None) -> bool:
    """BR-CO-26: a VAT identifier, a party identifier other than a SEPA creditor id, or a legal id."""
    if party is None:
        return False
    k = kids(party)
    return (
        any(one(kids(t), cbc.CompanyID) is not None and _is_vat(kids(t)) for t in many(k, cac.PartyTaxScheme))
        or any(
            i.get("schemeID") != "SEPA" for p in many(k, cac.PartyIdentification) for i in children(p, cbc.ID)
        )
        or any(one(kids(e), cbc.CompanyID) is not None for e in many(k, cac.PartyLegalEntity))
    )


def _extract(root: etree._Element) -> Invoice:
    """Build the semantic model from a UBL root element; refuse anything that is not UBL."""
    if root.tag not in ROOTS:
        raise Refused("ubl_root", f"The root element {root.tag!r} is not a UBL 2.1 Invoice or CreditNote.")
    r = _UblReader()
    k = kids(root)
    inv = Invoice(syntax="ubl", credit_note_element=ROOTS[root.tag])
    inv.customization_id = text_of(k, cbc.CustomizationID)
    inv.number = text_of(k, cbc.ID)
    inv.issue_date = r.iso_date(one(k, cbc.IssueDate), "Invoice issue date")
    inv.type_code = text_of(k, cbc.CreditNoteTypeCode if inv.credit_note_element else cbc.InvoiceTypeCode)
    inv.currency = text_of(k, cbc.DocumentCurrencyCode)
    inv.tax_currency = text_of(k, cbc.TaxCurrencyCode)
    inv.tax_point_date = r.iso_date(one(k, cbc.TaxPointDate), "VAT point date")
    means = many(k, cac.PaymentMeans)
    due = one(k, cbc.DueDate)
    if due is None and means:
        due = walk(means[0], cbc.PaymentDueDate)
    inv.due_date = r.iso_date(due, "Payment due date")
    terms = _texts(many(k, cac.PaymentTerms), cbc.Note)
    inv.payment_terms = terms[0] if terms else None
    inv.buyer_reference = text_of(k, cbc.BuyerReference)
    inv.order_reference = text(walk(one(k, cac.OrderReference), cbc.ID))
    inv.preceding_invoices = [
        text(walk(br, cac.InvoiceDocumentReference, cbc.ID)) for br in many(k, cac.BillingReference)
    ]
    period = one(k, cac.InvoicePeriod)
    inv.invoice_period = r.period(period)
    inv.tax_point_date_code = inv.invoice_period.description_code if inv.invoice_period else None
    supplier = one(k, cac.AccountingSupplierParty)
    inv.seller = r.party(walk(supplier, cac.Party))
    if supplier is not None:
        inv.seller_identified = _seller_identified(walk(supplier, cac.Party))
    inv.buyer = r.party(walk(one(k, cac.AccountingCustomerParty), cac.Party))
    inv.payee = r.party(one(k, cac.PayeeParty), legal_name=False)
    inv.tax_representative = r.party(one(k, cac.TaxRepresentativeParty), legal_name=False)
    dk = kids(one(k, cac.Delivery))
    inv.actual_delivery_date = text_of(dk, cbc.ActualDeliveryDate)
    inv.deliver_to = r.address(walk(one(dk, cac.DeliveryLocation), cac.Address))
    for pm in means:
        pk = kids(pm)
        inv.payment_means.append(
            PaymentMeans(
                code=text_of(pk, cbc.PaymentMeansCode),
                accounts=[text(walk(a, cbc.ID)) for a in many(pk, cac.PayeeFinancialAccount)],
                card_numbers=_texts(many(pk, cac.CardAccount), cbc.PrimaryAccountNumberID),
                mandates=len(many(pk, cac.PaymentMandate)),
            )
        )
    inv.allowances_charges = [r.allowance_charge(el) for el in many(k, cac.AllowanceCharge)]
    r.tax_totals(k, inv)
    inv.totals = r.totals(one(k, cac.LegalMonetaryTotal))
    inv.additional_documents = [text(walk(d, cbc.ID)) for d in many(k, cac.AdditionalDocumentReference)]
    inv.lines = [r.line(el) for el in (*many(k, cac.InvoiceLine), *many(k, cac.CreditNoteLine))]
    inv.codes, inv.due_date_anywhere = _codes(root)
    inv.issues = r.issues
    return inv


def extract(root: etree._Element) -> Invoice:
    """Build the semantic model from a UBL root element; refuse anything else."""
    with localcontext(DECIMALS):
        return _extract(root)
