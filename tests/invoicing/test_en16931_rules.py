"""EN 16931 rules on the full samples and on invoices built here, in both syntaxes.

The builder writes the same invoice as UBL and as CII, so every test also checks that one rule set
gives the same verdict whatever the syntax.
"""

from dataclasses import dataclass, field, replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicing.formats import en16931
from invoicing.formats.en16931 import codelists, oracle
from invoicing.formats.en16931.rules import RULES, check, r0, r2
from invoicing.formats.model import Refused, Severity
from invoicing.formats.safexml import parse_xml
from tests.invoicing.samples import SHARED, sample

D = Decimal


def fatal(xml: bytes) -> list[str]:
    return sorted(i.code for i in en16931.validate(parse_xml(xml)) if i.severity == Severity.ERROR)


# -- an invoice builder (UBL and CII) -------------------------------------------------------------


@dataclass
class Spec:
    lines: list[tuple[Decimal, Decimal, Decimal]] = field(
        default_factory=lambda: [(D(2), D("9.95"), D(19)), (D(1), D("100"), D(7))]
    )  # (quantity, net price, VAT rate %)
    allowances: list[tuple[Decimal, Decimal]] = field(default_factory=list)  # (amount, VAT rate %)
    prepaid: Decimal | None = None
    currency: str = "EUR"
    seller_name: str = "Seller GmbH"
    seller_vat: str | None = "DE123456789"
    seller_country: str = "DE"
    payable_delta: Decimal = D(0)
    inclusive_delta: Decimal = D(0)
    period: tuple[str, str] | None = None
    tax_point: bool = False

    def nets(self) -> list[Decimal]:
        return [r2(q * p) for q, p, _ in self.lines]

    def breakdown(self) -> dict[Decimal, tuple[Decimal, Decimal]]:
        taxable: dict[Decimal, Decimal] = {}
        for net, (_, _, rate) in zip(self.nets(), self.lines, strict=True):
            taxable[rate] = taxable.get(rate, D(0)) + net
        for amount, rate in self.allowances:
            taxable[rate] = taxable.get(rate, D(0)) - amount
        return {rate: (t, r2(t * rate / 100)) for rate, t in taxable.items()}

    def totals(self) -> dict[str, Decimal]:
        line_total = sum(self.nets(), D(0))
        allowance = sum((a for a, _ in self.allowances), D(0))
        tax = sum((t for _, t in self.breakdown().values()), D(0))
        exclusive = line_total - allowance
        inclusive = exclusive + tax + self.inclusive_delta
        payable = inclusive - (self.prepaid or 0) + self.payable_delta
        return {
            "lines": line_total,
            "allowances": allowance,
            "tax": tax,
            "excl": exclusive,
            "incl": inclusive,
            "payable": payable,
        }


UBL_NS = (
    'xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
    'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"'
)


def _ubl_cat(tag: str, rate: Decimal) -> str:
    return f"<cac:{tag}><cbc:ID>S</cbc:ID><cbc:Percent>{rate}</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:{tag}>"


def _ubl_party(name: str, country: str, vat: str | None) -> str:
    tax = (
        f"<cac:PartyTaxScheme><cbc:CompanyID>{vat}</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
        if vat
        else ""
    )
    return (
        f"<cac:Party><cac:PostalAddress><cbc:CityName>Berlin</cbc:CityName><cac:Country><cbc:IdentificationCode>{country}"
        f"</cbc:IdentificationCode></cac:Country></cac:PostalAddress>{tax}<cac:PartyLegalEntity><cbc:RegistrationName>"
        f"{name}</cbc:RegistrationName></cac:PartyLegalEntity></cac:Party>"
    )


def to_ubl(s: Spec) -> bytes:
    c = s.currency
    t = s.totals()
    period = (
        f"<cac:InvoicePeriod><cbc:StartDate>{s.period[0]}</cbc:StartDate><cbc:EndDate>{s.period[1]}</cbc:EndDate></cac:InvoicePeriod>"
        if s.period
        else ""
    )
    if s.tax_point:
        period += "<cbc:TaxPointDate>2024-05-01</cbc:TaxPointDate><cac:InvoicePeriod><cbc:DescriptionCode>3</cbc:DescriptionCode></cac:InvoicePeriod>"
    allowances = "".join(
        f"<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator><cbc:AllowanceChargeReason>Discount"
        f"</cbc:AllowanceChargeReason><cbc:Amount currencyID='{c}'>{a}</cbc:Amount>{_ubl_cat('TaxCategory', r)}</cac:AllowanceCharge>"
        for a, r in s.allowances
    )
    subtotals = "".join(
        f"<cac:TaxSubtotal><cbc:TaxableAmount currencyID='{c}'>{taxable}</cbc:TaxableAmount><cbc:TaxAmount currencyID='{c}'>"
        f"{tax}</cbc:TaxAmount>{_ubl_cat('TaxCategory', rate)}</cac:TaxSubtotal>"
        for rate, (taxable, tax) in s.breakdown().items()
    )
    lines = "".join(
        f"<cac:InvoiceLine><cbc:ID>{n}</cbc:ID><cbc:InvoicedQuantity unitCode='C62'>{q}</cbc:InvoicedQuantity>"
        f"<cbc:LineExtensionAmount currencyID='{c}'>{net}</cbc:LineExtensionAmount><cac:OrderLineReference><cbc:LineID>{n}"
        f"</cbc:LineID></cac:OrderLineReference><cac:Item><cbc:Name>Item {n}</cbc:Name>{_ubl_cat('ClassifiedTaxCategory', r)}"
        f"</cac:Item><cac:Price><cbc:PriceAmount currencyID='{c}'>{p}</cbc:PriceAmount></cac:Price></cac:InvoiceLine>"
        for n, ((q, p, r), net) in enumerate(zip(s.lines, s.nets(), strict=True), start=1)
    )
    allowance_total = (
        f"<cbc:AllowanceTotalAmount currencyID='{c}'>{t['allowances']}</cbc:AllowanceTotalAmount>"
        if s.allowances
        else ""
    )
    prepaid = (
        f"<cbc:PrepaidAmount currencyID='{c}'>{s.prepaid}</cbc:PrepaidAmount>"
        if s.prepaid is not None
        else ""
    )
    return (
        f"<Invoice {UBL_NS}><cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID><cbc:ID>INV-1</cbc:ID>"
        f"<cbc:IssueDate>2024-05-01</cbc:IssueDate><cbc:DueDate>2024-05-31</cbc:DueDate><cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>"
        f"<cbc:DocumentCurrencyCode>{c}</cbc:DocumentCurrencyCode>{period}<cac:OrderReference><cbc:ID>PO-7</cbc:ID></cac:OrderReference>"
        f"<cac:AccountingSupplierParty>{_ubl_party(s.seller_name, s.seller_country, s.seller_vat)}</cac:AccountingSupplierParty>"
        f"<cac:AccountingCustomerParty>{_ubl_party('Buyer AG', 'DE', None)}</cac:AccountingCustomerParty>"
        f"{allowances}<cac:TaxTotal><cbc:TaxAmount currencyID='{c}'>{t['tax']}</cbc:TaxAmount>{subtotals}</cac:TaxTotal>"
        f"<cac:LegalMonetaryTotal><cbc:LineExtensionAmount currencyID='{c}'>{t['lines']}</cbc:LineExtensionAmount>"
        f"<cbc:TaxExclusiveAmount currencyID='{c}'>{t['excl']}</cbc:TaxExclusiveAmount><cbc:TaxInclusiveAmount currencyID='{c}'>"
        f"{t['incl']}</cbc:TaxInclusiveAmount>{allowance_total}{prepaid}<cbc:PayableAmount currencyID='{c}'>{t['payable']}"
        f"</cbc:PayableAmount></cac:LegalMonetaryTotal>{lines}</Invoice>"
    ).encode()


CII_NS = (
    'xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" '
    'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" '
    'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"'
)


def _cii_tax(tag: str, rate: Decimal, amounts: str = "") -> str:
    return f"<ram:{tag}>{amounts}<ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>{rate}</ram:RateApplicablePercent></ram:{tag}>"


def _cii_party(tag: str, name: str, country: str, vat: str | None) -> str:
    tax = (
        f"<ram:SpecifiedTaxRegistration><ram:ID schemeID='VA'>{vat}</ram:ID></ram:SpecifiedTaxRegistration>"
        if vat
        else ""
    )
    return (
        f"<ram:{tag}><ram:Name>{name}</ram:Name><ram:PostalTradeAddress><ram:CityName>Berlin</ram:CityName>"
        f"<ram:CountryID>{country}</ram:CountryID></ram:PostalTradeAddress>{tax}</ram:{tag}>"
    )


def _d(iso: str) -> str:
    return f"<udt:DateTimeString format='102'>{iso.replace('-', '')}</udt:DateTimeString>"


def to_cii(s: Spec) -> bytes:
    t = s.totals()
    lines = "".join(
        f"<ram:IncludedSupplyChainTradeLineItem><ram:AssociatedDocumentLineDocument><ram:LineID>{n}</ram:LineID>"
        f"</ram:AssociatedDocumentLineDocument><ram:SpecifiedTradeProduct><ram:Name>Item {n}</ram:Name></ram:SpecifiedTradeProduct>"
        f"<ram:SpecifiedLineTradeAgreement><ram:BuyerOrderReferencedDocument><ram:LineID>{n}</ram:LineID>"
        f"</ram:BuyerOrderReferencedDocument><ram:NetPriceProductTradePrice><ram:ChargeAmount>{p}</ram:ChargeAmount>"
        f"</ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement><ram:SpecifiedLineTradeDelivery>"
        f"<ram:BilledQuantity unitCode='C62'>{q}</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>"
        f"<ram:SpecifiedLineTradeSettlement>{_cii_tax('ApplicableTradeTax', r)}<ram:SpecifiedTradeSettlementLineMonetarySummation>"
        f"<ram:LineTotalAmount>{net}</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation>"
        f"</ram:SpecifiedLineTradeSettlement></ram:IncludedSupplyChainTradeLineItem>"
        for n, ((q, p, r), net) in enumerate(zip(s.lines, s.nets(), strict=True), start=1)
    )
    taxes = "".join(
        _cii_tax(
            "ApplicableTradeTax",
            rate,
            f"<ram:CalculatedAmount>{tax}</ram:CalculatedAmount>",
        ).replace("<ram:CategoryCode>", f"<ram:BasisAmount>{taxable}</ram:BasisAmount><ram:CategoryCode>")
        for rate, (taxable, tax) in s.breakdown().items()
    )
    if s.tax_point:
        taxes = taxes.replace(
            "</ram:RateApplicablePercent>",
            "</ram:RateApplicablePercent><ram:DueDateTypeCode>5</ram:DueDateTypeCode>",
            1,
        )
        taxes = taxes.replace(
            "<ram:TypeCode>VAT",
            "<ram:TaxPointDate><udt:DateString format='102'>20240501</udt:DateString></ram:TaxPointDate><ram:TypeCode>VAT",
            1,
        )
    allowances = "".join(
        f"<ram:SpecifiedTradeAllowanceCharge><ram:ChargeIndicator><udt:Indicator>false</udt:Indicator></ram:ChargeIndicator>"
        f"<ram:ActualAmount>{a}</ram:ActualAmount><ram:Reason>Discount</ram:Reason>{_cii_tax('CategoryTradeTax', r)}"
        f"</ram:SpecifiedTradeAllowanceCharge>"
        for a, r in s.allowances
    )
    period = (
        f"<ram:BillingSpecifiedPeriod><ram:StartDateTime>{_d(s.period[0])}</ram:StartDateTime><ram:EndDateTime>{_d(s.period[1])}"
        f"</ram:EndDateTime></ram:BillingSpecifiedPeriod>"
        if s.period
        else ""
    )
    allowance_total = (
        f"<ram:AllowanceTotalAmount>{t['allowances']}</ram:AllowanceTotalAmount>" if s.allowances else ""
    )
    prepaid = f"<ram:TotalPrepaidAmount>{s.prepaid}</ram:TotalPrepaidAmount>" if s.prepaid is not None else ""
    return (
        f"<rsm:CrossIndustryInvoice {CII_NS}><rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter>"
        f"<ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext>"
        f"<rsm:ExchangedDocument><ram:ID>INV-1</ram:ID><ram:TypeCode>380</ram:TypeCode><ram:IssueDateTime>{_d('2024-05-01')}"
        f"</ram:IssueDateTime></rsm:ExchangedDocument><rsm:SupplyChainTradeTransaction>{lines}<ram:ApplicableHeaderTradeAgreement>"
        f"{_cii_party('SellerTradeParty', s.seller_name, s.seller_country, s.seller_vat)}"
        f"{_cii_party('BuyerTradeParty', 'Buyer AG', 'DE', None)}<ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>PO-7"
        f"</ram:IssuerAssignedID></ram:BuyerOrderReferencedDocument></ram:ApplicableHeaderTradeAgreement>"
        f"<ram:ApplicableHeaderTradeDelivery/><ram:ApplicableHeaderTradeSettlement><ram:InvoiceCurrencyCode>{s.currency}"
        f"</ram:InvoiceCurrencyCode>{taxes}{period}{allowances}<ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime>{_d('2024-05-31')}"
        f"</ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms><ram:SpecifiedTradeSettlementHeaderMonetarySummation>"
        f"<ram:LineTotalAmount>{t['lines']}</ram:LineTotalAmount>{allowance_total}<ram:TaxBasisTotalAmount>{t['excl']}"
        f"</ram:TaxBasisTotalAmount><ram:TaxTotalAmount currencyID='{s.currency}'>{t['tax']}</ram:TaxTotalAmount>"
        f"<ram:GrandTotalAmount>{t['incl']}</ram:GrandTotalAmount>{prepaid}<ram:DuePayableAmount>{t['payable']}"
        f"</ram:DuePayableAmount></ram:SpecifiedTradeSettlementHeaderMonetarySummation></ram:ApplicableHeaderTradeSettlement>"
        f"</rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>"
    ).encode()


BUILDERS = {"ubl": to_ubl, "cii": to_cii}


@pytest.mark.parametrize("syntax", BUILDERS)
def test_built_invoice_is_clean(syntax):
    assert fatal(BUILDERS[syntax](Spec(allowances=[(D("5.00"), D(19))], prepaid=D("10.00")))) == []


@pytest.mark.parametrize("syntax", BUILDERS)
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"payable_delta": D("0.01")}, ["BR-CO-16"]),
        ({"payable_delta": D("0.001")}, ["BR-CO-16", "BR-DEC-18"]),
        ({"inclusive_delta": D("1.00")}, ["BR-CO-15"]),
        ({"seller_name": ""}, ["BR-06"]),
        ({"seller_country": "XX"}, ["BR-CL-14"]),
        ({"seller_vat": None}, ["BR-CO-26", "BR-S-02", "BR-S-03"]),
        ({"seller_vat": "ZZ123"}, ["BR-CO-09"]),
        ({"period": ("2024-05-31", "2024-05-01")}, ["BR-29"]),
        ({"tax_point": True}, ["BR-CO-03"]),
    ],
)
def test_one_defect_one_verdict_in_both_syntaxes(syntax, change, expected):
    spec = replace(Spec(allowances=[(D("5.00"), D(19))]), **change)
    assert fatal(BUILDERS[syntax](spec)) == expected


def test_unknown_currency_fires_the_currency_code_lists():
    assert set(fatal(to_ubl(Spec(currency="XYZ")))) == {"BR-CL-03", "BR-CL-04"}
    assert set(fatal(to_cii(Spec(currency="XYZ")))) == {"BR-CL-03", "BR-CL-04"}


_amount = st.decimals(min_value=D("0.01"), max_value=D("99999.99"), places=2)
_line = st.tuples(
    st.integers(min_value=-3, max_value=50).map(D), _amount, st.sampled_from([D(5), D(7), D("19"), D("25")])
)


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(_line, min_size=1, max_size=6),
    allowance=st.one_of(st.none(), _amount),
    prepaid=st.one_of(st.none(), _amount),
    syntax=st.sampled_from(sorted(BUILDERS)),
)
def test_consistent_invoices_pass_and_a_one_cent_error_is_caught(lines, allowance, prepaid, syntax):
    allowances = [(allowance, lines[0][2])] if allowance is not None else []
    spec = Spec(lines=lines, allowances=allowances, prepaid=prepaid)
    build = BUILDERS[syntax]
    assert fatal(build(spec)) == []
    assert fatal(build(replace(spec, payable_delta=D("0.01")))) == ["BR-CO-16"]


# -- the shared samples ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ubl-example1_wrong-payable-amount.xml", ["BR-CO-16"]),
        ("ubl-example1_bad-currency-code.xml", ["BR-CL-04", "BR-CO-15"]),
        ("cii-example1_no-seller-name.xml", ["BR-06"]),
        ("cii-example1_wrong-due-amount.xml", ["BR-CO-16"]),
    ],
)
def test_invalid_derived_samples_fire_exactly_the_listed_rules(name, expected):
    assert fatal(sample(f"en16931/invalid-derived/{name}").read_bytes()) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("01.01a-INVOICE_ubl.xml", []),
        ("01.01a-INVOICE_uncefact.xml", []),
        ("01.05a-INVOICE_ubl.xml", []),
        ("01.05a-INVOICE_uncefact.xml", []),
        ("01.14a-INVOICE_ubl.xml", []),
        ("01.14a-INVOICE_uncefact.xml", []),
        ("01.05_minimal_test_ubl.xml", []),
        ("01.05_minimal_test_uncefact.xml", []),
        ("04.02a-INVOICE_ubl.xml", []),
        ("04.05a-INVOICE_uncefact.xml", ["BR-CL-10", "BR-CL-10", "BR-CL-10", "BR-CL-21"]),
        ("02.01a-cvd_INVOICE_ubl.xml", ["BR-CL-13"]),
    ],
)
def test_xrechnung_samples(name, expected):
    assert fatal(sample(f"en16931/xrechnung/{name}").read_bytes()) == expected


def test_rounding_issue_sample_does_not_fail_br_co_10():
    assert fatal(sample("en16931/cii/CII-BR-CO-10-RoundingIssue.xml").read_bytes()) == []


# -- the API and the helpers ----------------------------------------------------------------------


def test_validate_refuses_what_is_not_an_invoice():
    with pytest.raises(Refused):
        en16931.validate(parse_xml(b"<html/>"))


def test_validate_can_run_selected_rules():
    xml = to_ubl(Spec(payable_delta=D("1"), seller_name=""))
    assert [i.code for i in en16931.validate(parse_xml(xml), only=["BR-CO-16"])] == ["BR-CO-16"]


def test_messages_cite_the_numbers():
    issues = en16931.validate(parse_xml(to_ubl(Spec(payable_delta=D("0.01")))))
    (issue,) = [i for i in issues if i.code == "BR-CO-16"]
    payable = Spec(payable_delta=D("0.01")).totals()["payable"]
    assert str(payable) in issue.message


def test_covered_rules_include_the_required_families():
    required = {f"BR-{n:02d}" for n in range(1, 66) if n not in (34, 35, 39, 40, 58, 59, 60)}
    required |= {f"BR-CO-{n:02d}" for n in (3, 4, *range(9, 25), 26)}  # BR-CO-25: gone in 1.3.16
    for prefix in ("BR-S", "BR-Z", "BR-E", "BR-AE", "BR-IC", "BR-G", "BR-O"):
        required |= {f"{prefix}-{n:02d}" for n in range(1, 11)}
    required |= {"BR-CL-03", "BR-CL-04", "BR-CL-05", "BR-CL-14", "BR-CL-15", "BR-CL-16"}
    required |= {f"BR-DEC-{n:02d}" for n in (1, 2, 5, 6, *range(9, 21), 23, 24, 25, 27, 28)}
    assert required - en16931.COVERED_RULES == set()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.005", "1.01"),
        ("1.004", "1"),
        ("-1.005", "-1"),
        ("-1.006", "-1.01"),
        ("2.5", "2.5"),
        ("0.125", "0.13"),
    ],
)
def test_r2_rounds_half_up_like_xpath(value, expected):
    assert r2(D(value)) == D(expected)


def test_r0_rounds_half_towards_positive_infinity():
    assert (r0(D("2.5")), r0(D("-2.5")), r0(D("-2.6"))) == (D(3), D(-2), D(-3))


def test_code_lists():
    assert {"EUR", "USD", "CNY", "SEK"} <= codelists.CURRENCIES
    assert "XYZ" not in codelists.CURRENCIES
    assert {"DE", "CN", "XI", "1A"} <= codelists.COUNTRIES and "EL" not in codelists.COUNTRIES
    assert "EL" in codelists.VAT_PREFIXES
    assert len(codelists.COUNTRIES) == 251
    assert codelists.in_list(" EUR ", codelists.CURRENCIES)
    assert not codelists.in_list("EUR USD", codelists.CURRENCIES)
    assert {"0088", "0002", "0240", "0241", "0245", "0248"} <= codelists.ICD and "0092" not in codelists.ICD
    assert (
        "CNH" in codelists.CURRENCIES and "HRK" not in codelists.CURRENCIES
    )  # 1.3.16: CNH in, HRK withdrawn
    assert "BR-CO-25" not in en16931.COVERED_RULES
    assert {"30", "58", "ZZZ"} <= codelists.PAYMENT_MEANS and "71" not in codelists.PAYMENT_MEANS


def test_check_gives_what_each_rule_run_alone_gives_in_rule_order():
    """``check`` skips the rules of the VAT categories an invoice does not use as whole groups; its
    findings are still exactly those of running every rule alone, in the order of ``RULES``."""
    paths = oracle.corpus_files(SHARED)
    if not paths:
        pytest.skip(f"the EN 16931 samples are not available ({SHARED} is absent or incomplete)")
    from_several_groups = 0
    for path in paths:
        root = parse_xml(path.read_bytes())
        for name, doc in [(path.name, root), *oracle.mutants(path.name, root, 5)]:
            model = en16931.extract(doc)
            alone = [issue for code in RULES for issue in check(model, only=[code])]
            assert check(model) == alone, name
            from_several_groups += len({RULES[i.code].category for i in alone}) > 1
    assert from_several_groups > 10  # invoices whose findings come from more than one group of rules
