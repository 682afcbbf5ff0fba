"""The EN 16931 semantic model: business terms (BT-) and groups (BG-) read out of UBL or CII.

One extractor per syntax (``extract_ubl``, ``extract_cii``) fills these plain dataclasses and one
rule set (``rules``) checks them, whatever the syntax.

Conventions, chosen so that the rules can say what the standard says:

* text fields are whitespace-normalised strings; ``None`` means the element is absent, ``""`` means
  it is present but blank;
* amounts, quantities and rates are :class:`~decimal.Decimal`; ``None`` means absent (a value that is
  present but not a number is also ``None``, and the extractor records a ``bad_number`` issue);
* lists keep document order.

A few syntax-specific facts that only the code-list rules need (every country code, every
``currencyID`` …) are gathered in :class:`Codes`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property as _locking_cached_property

from ..model import Issue


class cached_property(_locking_cached_property):  # noqa: N801 - used as the functools decorator
    """``functools.cached_property`` without its lock (Python 3.11 takes an RLock on every first
    read, a measurable share of checking an invoice; 3.12 dropped the lock). An invoice model is
    read by one thread; the value lands in the instance ``__dict__``, so later reads skip this."""

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = instance.__dict__[self.attrname] = self.func(instance)
        return value


Num = Decimal | None
Text = str | None


@dataclass(slots=True)
class Category:
    """A VAT category: BT-151/152 (line), BT-95/96, BT-102/103 (allowance/charge), BT-118/119."""

    code: Text = None  # S, Z, E, AE, K, G, O, L, M, B
    rate: Num = None  # percent, e.g. Decimal("19")
    rate_present: bool = False
    is_vat: bool = True  # the tax scheme is VAT (UBL TaxScheme/ID, CII TypeCode)
    exact: bool = True  # the code's text is the code itself, without surrounding whitespace


@dataclass(slots=True)
class Address:
    lines: list[str] = field(default_factory=list)
    city: Text = None
    postcode: Text = None
    subdivision: Text = None
    country: Text = None  # BT-40 / BT-55 / BT-69 / BT-80

    def one_line(self) -> str:
        parts = [*self.lines, " ".join(p for p in (self.postcode, self.city) if p), self.subdivision or ""]
        if self.country:
            parts.append(self.country)
        return ", ".join(p for p in parts if p)


@dataclass(slots=True)
class Contact:
    """Seller contact (BG-6) or buyer contact (BG-9)."""

    name: Text = None  # BT-41 / BT-56
    phone: Text = None  # BT-42 / BT-57
    email: Text = None  # BT-43 / BT-58


@dataclass(slots=True)
class Party:
    """Seller (BG-4), buyer (BG-7), payee (BG-10) or seller tax representative (BG-11)."""

    name: Text = None  # BT-27/44/59/62: legal name (UBL RegistrationName, CII Name)
    trading_names: list[str] = field(default_factory=list)  # BT-28/45 (UBL PartyName/Name)
    identifiers: list[str] = field(default_factory=list)  # BT-29/46/60
    legal_ids: list[str] = field(default_factory=list)  # BT-30/47/61
    vat_ids: list[str] = field(default_factory=list)  # BT-31/48/63
    tax_registration_ids: list[str] = field(default_factory=list)  # BT-32 (a tax scheme other than VAT)
    endpoint: Text = None  # BT-34/49
    endpoint_scheme: Text = None  # its scheme identifier (None: attribute absent)
    address: Address | None = None  # BG-5/8/12
    contact: Contact | None = None  # BG-6 / BG-9 (seller, buyer)

    @property
    def any_tax_id(self) -> bool:
        """BT-31 or BT-32 present."""
        return bool(self.vat_ids or self.tax_registration_ids)


@dataclass(slots=True)
class Period:
    """Invoicing period (BG-14) or invoice line period (BG-26)."""

    start: Text = None
    end: Text = None
    description_code: Text = None  # BT-8 (UBL carries it inside the invoicing period)
    has_content: bool = False  # any child element at all
    # CII only, when both a start and an end element are given: their DateTimeString texts in format
    # 102 (None where there is none), which the CII binding of BR-29/BR-30 compares as strings
    bounds_102: tuple[str | None, str | None] | None = None


@dataclass(slots=True)
class AllowanceCharge:
    """BG-20/21 (document level) or BG-27/28 (line level)."""

    charge: bool | None = None  # None: indicator missing or not a boolean
    amount: Num = None
    base_amount: Num = None
    percent: Num = None
    reason: Text = None
    reason_code: Text = None
    category: Category | None = None  # BT-95/96 or BT-102/103
    categories: list[Category] = field(default_factory=list)  # every tax category given (UBL may repeat)


@dataclass(slots=True)
class VatBreakdown:
    """BG-23."""

    taxable: Num = None  # BT-116
    tax: Num = None  # BT-117
    category: Category | None = None  # BT-118/119
    exemption_reason: Text = None  # BT-120
    exemption_code: Text = None  # BT-121


@dataclass(slots=True)
class TaxTotal:
    """One invoice total VAT amount (BT-110 in the document currency, BT-111 in the VAT currency)."""

    amount: Num = None
    currency: Text = None
    breakdown_sum: Num = None  # Σ BT-117 given with it; None when it carries no breakdown


@dataclass(slots=True)
class Totals:
    """BG-22."""

    line_total: Num = None  # BT-106
    allowance_total: Num = None  # BT-107
    charge_total: Num = None  # BT-108
    tax_exclusive: Num = None  # BT-109
    tax_inclusive: Num = None  # BT-112
    prepaid: Num = None  # BT-113
    rounding: Num = None  # BT-114
    payable: Num = None  # BT-115


@dataclass(slots=True)
class PaymentMeans:
    """BG-16 with BG-17 (credit transfer), BG-18 (card), BG-19 (direct debit)."""

    code: Text = None  # BT-81
    accounts: list[Text] = field(default_factory=list)  # BT-84 per payee account given (None: no ID)
    card_numbers: list[str] = field(default_factory=list)  # BT-87
    mandates: int = 0


@dataclass(slots=True)
class Line:
    """BG-25."""

    id: Text = None  # BT-126
    quantity: Num = None  # BT-129
    quantity_present: bool = False
    unit: Text = None  # BT-130
    net: Num = None  # BT-131
    net_present: bool = False
    order_line_ref: Text = None  # BT-132
    period: Period | None = None  # BG-26
    allowances_charges: list[AllowanceCharge] = field(default_factory=list)  # BG-27/28
    price: Num = None  # BT-146 item net price
    price_present: bool = False
    gross_price: Num = None  # BT-148 item gross price
    gross_price_present: bool = False
    base_quantity: Num = None  # BT-149
    item_name: Text = None  # BT-153
    seller_item_id: Text = None  # BT-155
    standard_ids: list[tuple[str, Text]] = field(default_factory=list)  # BT-157 (value, scheme)
    classifications: list[tuple[str, Text]] = field(default_factory=list)  # BT-158 (value, list id)
    categories: list[Category] = field(default_factory=list)  # BT-151/152 (first one is the category)
    attributes: list[tuple[bool, bool]] = field(default_factory=list)  # BG-32: (has name, has value)
    sub_categories: list[Category] = field(default_factory=list)  # UBL SubInvoiceLine tax categories

    @property
    def category(self) -> Category | None:
        return self.categories[0] if self.categories else None


@dataclass(slots=True)
class Codes:
    """Coded values as they appear in the syntax, for the code-list rules (BR-CL-*)."""

    type_codes: list[tuple[str, bool]] = field(default_factory=list)  # (value, is credit-note element)
    currency_ids: list[str] = field(default_factory=list)  # every amount's currency ("" when missing)
    countries: list[str] = field(default_factory=list)
    origin_countries: list[str] = field(default_factory=list)
    period_codes: list[str] = field(default_factory=list)  # BT-8 anywhere
    party_id_schemes: list[tuple[str, bool]] = field(default_factory=list)  # (scheme, seller/payee side)
    legal_id_schemes: list[str] = field(default_factory=list)
    standard_id_schemes: list[str] = field(default_factory=list)
    classification_list_ids: list[str] = field(default_factory=list)
    payment_means: list[str] = field(default_factory=list)
    tax_categories: list[str] = field(default_factory=list)  # document level and breakdown
    line_tax_categories: list[str] = field(default_factory=list)
    allowance_reason_codes: list[str] = field(default_factory=list)
    mime_codes: list[str] = field(default_factory=list)
    delivery_location_schemes: list[str] = field(default_factory=list)
    reference_schemes: list[str] = field(default_factory=list)  # BR-CL-07 (UNTDID 1153)
    note_subjects: list[str] = field(default_factory=list)  # BR-CL-08 (UNTDID 4451)
    charge_reason_codes: list[str] = field(default_factory=list)  # BR-CL-20 (UNTDID 7161)
    exemption_codes: list[str] = field(default_factory=list)  # BR-CL-22 (VATEX), upper case
    unit_codes: list[str] = field(default_factory=list)  # BR-CL-23 (UN/ECE Rec. 20)
    endpoint_schemes: list[str] = field(default_factory=list)  # BR-CL-25 (EAS)


@dataclass
class Invoice:
    """One invoice or credit note, as the EN 16931 semantic model sees it."""

    syntax: str  # "ubl" or "cii"
    credit_note_element: bool = False  # UBL <CreditNote> root
    customization_id: Text = None  # BT-24
    number: Text = None  # BT-1
    issue_date: Text = None  # BT-2 (ISO yyyy-mm-dd once extracted)
    issue_date_102: Text = None  # CII: the issue date's text only where its format is 102 (BR-03)
    type_code: Text = None  # BT-3
    currency: Text = None  # BT-5
    tax_currency: Text = None  # BT-6
    tax_point_date: Text = None  # BT-7
    tax_point_date_code: Text = None  # BT-8
    due_date: Text = None  # BT-9 (first found)
    due_date_anywhere: bool = False  # a due date anywhere in the document (BR-CO-25)
    payment_terms: Text = None  # BT-20
    buyer_reference: Text = None  # BT-10
    order_reference: Text = None  # BT-13
    preceding_invoices: list[Text] = field(default_factory=list)  # BG-3 / BT-25 (None: no reference)
    invoice_period: Period | None = None  # BG-14
    seller: Party | None = None
    # BR-CO-26 as the syntax tests it: None without a seller element, else whether it is identified
    seller_identified: bool | None = None
    buyer: Party | None = None
    payee: Party | None = None
    tax_representative: Party | None = None
    actual_delivery_date: Text = None  # BT-72
    deliver_to: Address | None = None  # BG-15
    payment_means: list[PaymentMeans] = field(default_factory=list)
    allowances_charges: list[AllowanceCharge] = field(default_factory=list)  # BG-20/21
    totals: Totals | None = None
    tax_totals: list[TaxTotal] = field(default_factory=list)
    vat_breakdown: list[VatBreakdown] = field(default_factory=list)
    additional_documents: list[Text] = field(default_factory=list)  # BT-122 per BG-24
    lines: list[Line] = field(default_factory=list)
    codes: Codes = field(default_factory=Codes)
    issues: list[Issue] = field(default_factory=list)  # found while extracting (bad numbers, dates)

    # -- views shared by the rules (computed once per invoice) -------------------------------------

    @property
    def allowances(self) -> list[AllowanceCharge]:
        return [ac for ac in self.allowances_charges if ac.charge is False]

    @property
    def charges(self) -> list[AllowanceCharge]:
        return [ac for ac in self.allowances_charges if ac.charge is True]

    @cached_property
    def line_allowances_charges(self) -> list[AllowanceCharge]:
        return [ac for line in self.lines for ac in line.allowances_charges]

    @cached_property
    def all_allowances_charges(self) -> list[AllowanceCharge]:
        """Document level and line level allowances and charges."""
        return self.allowances_charges + self.line_allowances_charges

    @cached_property
    def line_categories(self) -> list[tuple[Line, Category]]:
        return [(line, c) for line in self.lines for c in line.categories]

    def ac_categories(self, charge: bool, doc_only: bool = False) -> list[tuple[AllowanceCharge, Category]]:
        """(allowance or charge, category) pairs, all levels unless ``doc_only``."""
        return self._ac_categories[(charge, doc_only)]

    @cached_property
    def _ac_categories(self) -> dict[tuple[bool, bool], list[tuple[AllowanceCharge, Category]]]:
        out: dict[tuple[bool, bool], list] = {(ch, d): [] for ch in (True, False) for d in (True, False)}
        for doc_only, acs in ((True, self.allowances_charges), (False, self.all_allowances_charges)):
            for ac in acs:
                if ac.charge is not None:
                    out[(ac.charge, doc_only)].extend((ac, c) for c in ac.categories)
        return out

    @cached_property
    def breakdown_by_code(self) -> dict[str | None, list[VatBreakdown]]:
        """VAT breakdowns under the VAT scheme, by category code."""
        out: dict[str | None, list[VatBreakdown]] = {}
        for vb in self.vat_breakdown:
            if vb.category is not None and vb.category.is_vat:
                out.setdefault(vb.category.code, []).append(vb)
        return out

    @cached_property
    def generic_breakdowns(self) -> list[VatBreakdown]:
        """The VAT breakdowns the rules on every breakdown (BR-45 … BR-48, BR-CO-17, BR-DEC-19/-20)
        look at: in CII, a breakdown of category L, M or O under VAT is matched by its category's own
        rule context first, so those rules never see it."""
        if self.syntax != "cii":
            return self.vat_breakdown
        return [
            vb
            for vb in self.vat_breakdown
            if not (
                vb.category
                and vb.category.is_vat
                and vb.category.exact
                and vb.category.code in ("L", "M", "O")
            )
        ]

    @cached_property
    def exact_code_counts(self) -> dict[str | None, list[int]]:
        """[line categories, allowance/charge categories (any level), VAT breakdowns] per category
        code written exactly, under any tax scheme: what the CII binding counts (``CategoryCode='E'``)."""
        out: dict[str | None, list[int]] = {}
        for _, c in self.line_categories:
            if c.exact:
                out.setdefault(c.code, [0, 0, 0])[0] += 1
        for ac in self.all_allowances_charges:
            for c in ac.categories:
                if c.exact:
                    out.setdefault(c.code, [0, 0, 0])[1] += 1
        for vb in self.vat_breakdown:
            if vb.category is not None and vb.category.exact:
                out.setdefault(vb.category.code, [0, 0, 0])[2] += 1
        return out

    @cached_property
    def cii_family_breakdowns(self) -> dict[str | None, list[VatBreakdown]]:
        """The VAT breakdowns the CII binding's VAT category rules (BR-S-08 …) look at, by code:
        written exactly, under VAT (S and Z: under any tax scheme)."""
        out: dict[str | None, list[VatBreakdown]] = {}
        for vb in self.vat_breakdown:
            c = vb.category
            if c is not None and c.exact and (c.is_vat or c.code in ("S", "Z")):
                out.setdefault(c.code, []).append(vb)
        return out

    @cached_property
    def vat_codes_used(self) -> Counter[str | None]:
        """How often each VAT category code is used by lines, allowances and charges (any level)."""
        cats = [c for _, c in self.line_categories] + [
            c for ac in self.all_allowances_charges for c in ac.categories
        ]
        return Counter(c.code for c in cats if c.is_vat)

    @cached_property
    def line_nets_by_category(self) -> dict[tuple[str | None, Decimal | None], Decimal]:
        """Σ line net amounts (BT-131) per (VAT category code, rate) a line matches: it has a category
        with the code and one (the same or another) with the rate; rate None stands for any rate.
        A key is present when some line matches, even one without a net amount."""
        out: dict[tuple[str | None, Decimal | None], Decimal] = {}
        for line in self.lines:
            cats = line.categories
            keys = {(a.code, b.rate) for a in cats for b in cats} | {(a.code, None) for a in cats}
            net = line.net if line.net is not None else Decimal(0)
            for key in keys:
                out[key] = out.get(key, Decimal(0)) + net
        return out

    @cached_property
    def category_codes_present(self) -> frozenset[str | None]:
        """Every VAT category code used anywhere (any scheme, as written or not)."""
        return (
            frozenset(self.vat_codes_used)
            | frozenset(self.breakdown_by_code)
            | frozenset(self.exact_code_counts)
        )

    @cached_property
    def line_vat_codes(self) -> Counter[str | None]:
        return Counter(c.code for _, c in self.line_categories if c.is_vat)
