"""A small 数电 (EInvoice) XML invoice with placeholders, for the upload and validation loads.

``@NUMBER@``, ``@SELLER_ID@`` and ``@SELLER_NAME@`` vary per file (the wrk script fills them per
request, so every upload is new bytes and a new invoice number); ``template()`` fills the rest
(buyer, date). Three lines at 13 %; totals add up, so a file from an approved supplier to the
bench legal entity passes validation (with the warning that the tax bureau signature is not
verified, as for every 数电 XML file).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

LINES = (  # name, unit, quantity, unit price, amount, tax
    ("*电子元件*连接器 BENCH-A", "个", "100", "2.50", "250.00", "32.50"),
    ("*电子元件*线缆 BENCH-B", "米", "40", "7.25", "290.00", "37.70"),
    ("*五金*螺丝 BENCH-C", "盒", "12", "18.00", "216.00", "28.08"),
)
NET, TAX, GROSS = "756.00", "98.28", "854.28"

_ITEM = """    <IssuItemInformation>
      <ItemName>{0}</ItemName>
      <MeaUnits>{1}</MeaUnits>
      <Quantity>{2}</Quantity>
      <UnPrice>{3}</UnPrice>
      <Amount>{4}</Amount>
      <TaxRate>0.13</TaxRate>
      <ComTaxAm>{5}</ComTaxAm>
      <TotaltaxIncludedAmount>{6}</TotaltaxIncludedAmount>
      <TaxClassificationCode>1090511030000000000</TaxClassificationCode>
    </IssuItemInformation>
"""

_DOCUMENT = """<?xml version='1.0' encoding='utf-8'?>
<EInvoice>
  <Header>
    <EIid>@NUMBER@</EIid>
    <EInvoiceTag>SWEI3500</EInvoiceTag>
    <Version>0.37</Version>
    <InherentLabel>
      <InIssuType><LabelCode>Y</LabelCode><LabelName>是否蓝字发票标志</LabelName></InIssuType>
      <EInvoiceType><LabelCode>01</LabelCode><LabelName>电子发票</LabelName></EInvoiceType>
      <GeneralOrSpecialVAT><LabelCode>01</LabelCode><LabelName>增值税专用发票</LabelName></GeneralOrSpecialVAT>
      <TaxpayerType><LabelCode>1</LabelCode><LabelName>一般纳税人</LabelName></TaxpayerType>
    </InherentLabel>
  </Header>
  <EInvoiceData>
    <SellerInformation>
      <SellerIdNum>@SELLER_ID@</SellerIdNum>
      <SellerName>@SELLER_NAME@</SellerName>
    </SellerInformation>
    <BuyerInformation>
      <BuyerIdNum>{buyer_id}</BuyerIdNum>
      <BuyerName>{buyer_name}</BuyerName>
    </BuyerInformation>
    <BasicInformation>
      <TotalAmWithoutTax>{net}</TotalAmWithoutTax>
      <TotalTaxAm>{tax}</TotalTaxAm>
      <TotalTax-includedAmount>{gross}</TotalTax-includedAmount>
      <TotalTax-includedAmountInChinese>捌佰伍拾肆圆贰角捌分</TotalTax-includedAmountInChinese>
      <Drawer>基准开票员</Drawer>
      <RequestTime>{day} 10:11:12</RequestTime>
    </BasicInformation>
{items}    <SpecificInformation/>
    <AdditionalInformation/>
  </EInvoiceData>
  <SellerAuthentication><AuthenticationMethods>01</AuthenticationMethods></SellerAuthentication>
  <TaxSupervisionInfo>
    <InvoiceNumber>@NUMBER@</InvoiceNumber>
    <IssueTime>{day}</IssueTime>
    <TaxBureauCode>13500000000</TaxBureauCode>
    <TaxBureauName>国家税务总局福建省税务局</TaxBureauName>
  </TaxSupervisionInfo>
  <TaxBureauSignature>
    <Reference URI="/Einvoice/Header|/Einvoice/EinvoiceData|/Einvoice/TaxSupervisionInfo"/>
    <SignatureAlgorithm>1.2.156.10197.1.501</SignatureAlgorithm>
    <SignatureFormat>DETACH</SignatureFormat>
    <SignatureTime>{day} 10:20:00</SignatureTime>
    <SignatureValue>3082000130&amp;MjAyNjAzMDIgMTAyMDAw</SignatureValue>
    <KeyInfo/>
  </TaxBureauSignature>
</EInvoice>
"""


def template(*, buyer_id: str, buyer_name: str, day: date) -> str:
    """The document with buyer and date filled; number and seller still placeholders."""
    items = "".join(
        _ITEM.format(name, unit, qty, price, amount, tax, Decimal(amount) + Decimal(tax))
        for name, unit, qty, price, amount, tax in LINES
    )
    return _DOCUMENT.format(
        buyer_id=buyer_id,
        buyer_name=buyer_name,
        net=NET,
        tax=TAX,
        gross=GROSS,
        day=day.isoformat(),
        items=items,
    )


def render(text: str, *, number: str, seller_id: str, seller_name: str) -> bytes:
    """One file (what the wrk script does per request, in Python)."""
    return (
        text.replace("@NUMBER@", number)
        .replace("@SELLER_ID@", seller_id)
        .replace("@SELLER_NAME@", seller_name)
    ).encode("utf-8")


# The same three lines as an EN 16931 UBL invoice naming its PO (OrderReference, BT-13); VAT ids
# are the country prefix and the unified social credit code (BR-CO-09).
_UBL_PARTY = """<cac:Party>
      <cac:PostalAddress><cbc:CityName>福州</cbc:CityName><cac:Country><cbc:IdentificationCode>CN</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
      <cac:PartyTaxScheme><cbc:CompanyID>CN{0}</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
      <cac:PartyLegalEntity><cbc:RegistrationName>{1}</cbc:RegistrationName></cac:PartyLegalEntity>
    </cac:Party>"""

_UBL_LINE = """  <cac:InvoiceLine>
    <cbc:ID>{0}</cbc:ID>
    <cbc:InvoicedQuantity unitCode="H87">{1}</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="CNY">{3}</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name>{4}</cbc:Name>
      <cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>13</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory>
    </cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="CNY">{2}</cbc:PriceAmount></cac:Price>
  </cac:InvoiceLine>
"""

_UBL = """<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>
  <cbc:ID>@NUMBER@</cbc:ID>
  <cbc:IssueDate>{day}</cbc:IssueDate>
  <cbc:DueDate>{day}</cbc:DueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:DocumentCurrencyCode>CNY</cbc:DocumentCurrencyCode>
  <cbc:BuyerReference>{po}</cbc:BuyerReference>
  <cac:OrderReference><cbc:ID>{po}</cbc:ID></cac:OrderReference>
  <cac:AccountingSupplierParty>{seller}</cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty>{buyer}</cac:AccountingCustomerParty>
  <cac:TaxTotal>
    <cbc:TaxAmount currencyID="CNY">{tax}</cbc:TaxAmount>
    <cac:TaxSubtotal>
      <cbc:TaxableAmount currencyID="CNY">{net}</cbc:TaxableAmount>
      <cbc:TaxAmount currencyID="CNY">{tax}</cbc:TaxAmount>
      <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>13</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>
    </cac:TaxSubtotal>
  </cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="CNY">{net}</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="CNY">{net}</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="CNY">{gross}</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="CNY">{gross}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
{lines}</Invoice>
"""


def ubl_template(*, buyer_id: str, buyer_name: str, day: date, po_number: str) -> str:
    """The three lines as a UBL invoice naming ``po_number``; number and seller still placeholders
    (``render`` fills them; the seller's VAT id is CN + its tax id)."""
    lines = "".join(
        _UBL_LINE.format(n, qty, price, amount, name.split("*")[-1])
        for n, (name, _unit, qty, price, amount, _tax) in enumerate(LINES, start=1)
    )
    return _UBL.format(
        day=day.isoformat(),
        po=po_number,
        seller=_UBL_PARTY.format("@SELLER_ID@", "@SELLER_NAME@"),
        buyer=_UBL_PARTY.format(buyer_id, buyer_name),
        net=NET,
        tax=TAX,
        gross=GROSS,
        lines=lines,
    )
