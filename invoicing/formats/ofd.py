"""OFD VAT e-invoices (GB/T 33190 container) → :class:`NormalisedInvoice`.

An OFD file is a ZIP: ``OFD.xml`` → ``DocBody/DocRoot`` → ``Document.xml`` → pages, custom tags,
attachments; ``DocBody/Signatures`` lists the electronic seals. Invoice data are carried in up
to three ways, read here and merged in this order of trust, each filling the others' gaps:

1. a structured attachment: ``original_invoice.xml`` (edrm e-invoice namespace) or an XBRL
   instance (MOF ``inv`` taxonomy) — the only sources with reliable line items;
2. CustomTag files that point at text objects on the pages (``ObjectRef`` = page + object id);
3. ``OFD.xml`` ``DocInfo/CustomDatas`` (发票号码, 开票日期, 合计金额 …).

Everything goes through :mod:`safezip` and :mod:`safexml`. Missing or unreadable values become
issues (``ofd_missing_field``, ``ofd_bad_value``, ``ofd_field_conflict``), never exceptions;
only a file that is hostile, not an OFD, or carries no invoice data at all is refused.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from suppliers.taxid import normalise_tax_id

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
from .ofd_signature import check_signatures, optional_xml, resolve_path
from .po_refs import line_reference_in, po_references_in
from .safexml import local, parse_xml
from .safezip import read_zip

OFD_NAMESPACES = frozenset({"http://www.ofdspec.org/2016", "http://www.ofdspec.org"})
EDRM_NAMESPACE_PREFIX = "http://www.edrm.org.cn/schema/e-invoice/"  # …/2019 (and …/2016)
XBRL_INV_NAMESPACE_PREFIX = "http://xbrl.mof.gov.cn/taxonomy/"  # …/2021-09-30/inv

# Header fields, by CustomData name (Chinese), CustomTag / edrm element name, or XBRL concept.
_HEADER_FIELDS = {
    "发票号码": "invoice_number",
    "发票代码": "invoice_code",
    "开票日期": "issue_date",
    "合计金额": "net",
    "合计税额": "tax",
    "价税合计": "gross",
    "购买方名称": "buyer_name",
    "购买方纳税人识别号": "buyer_tax_id",
    "销售方名称": "seller_name",
    "销售方纳税人识别号": "seller_tax_id",
    "校验码": "check_code",
    "备注": "note",
    "InvoiceNo": "invoice_number",
    "InvoiceCode": "invoice_code",
    "IssueDate": "issue_date",
    "TaxExclusiveTotalAmount": "net",
    "TaxTotalAmount": "tax",
    "TaxInclusiveTotalAmount": "gross",
    "BuyerName": "buyer_name",
    "BuyerTaxID": "buyer_tax_id",
    "SellerName": "seller_name",
    "SellerTaxID": "seller_tax_id",
    "InvoiceCheckCode": "check_code",
    "MachineNo": "machine_no",
    "SellerAddrTel": "seller_address",
    "BuyerAddrTel": "buyer_address",
    "AddressPhoneNumberOfSeller": "seller_address",
    "AddressPhoneNumberOfPurchaser": "buyer_address",
    "Note": "note",
    "TypeOfInvoice": "invoice_type",
    "CodeOfInvoice": "invoice_code",
    "NumberOfInvoice": "invoice_number",
    "DateOfIssue": "issue_date",
    "IdentifyingCode": "check_code",
    "NumberOfInvoiceMachine": "machine_no",
    "NameOfPurchaser": "buyer_name",
    "TaxpayerIdentificationNumberUnifiedSocialCreditCodeOfPurchaser": "buyer_tax_id",
    "NameOfSeller": "seller_name",
    "TaxpayerIdentificationNumberUnifiedSocialCreditCodeOfSeller": "seller_tax_id",
    "TotalAmountExcludingTax": "net",
    "TotalTaxAmount": "tax",
    "TaxIncludedAmountInFigures": "gross",
    "Remarks": "note",
}
_LINE_FIELDS = {
    "Item": "name",
    "NameOfTaxableGoodsOrServices": "name",
    "Specification": "spec",
    "MeasurementDimension": "unit",
    "UnitOfGoodsOrServices": "unit",
    "Quantity": "quantity",
    "QuantityOfGoodsOrServices": "quantity",
    "Price": "unit_price",
    "UnitPriceOfGoodsOrServices": "unit_price",
    "Amount": "net",
    "AmountExcludingTax": "net",
    "TaxScheme": "rate",
    "TaxRate": "rate",
    "TaxAmount": "tax",
}
_LINE_CONTAINERS = frozenset({"GoodsInfo", "InformationOfTaxableGoodsOrServicesDetailItemsTuple"})
_LABELS = {
    "invoice_number": "invoice number (发票号码)",
    "invoice_code": "invoice code (发票代码)",
    "issue_date": "issue date (开票日期)",
    "net": "total net amount (合计金额)",
    "tax": "total tax (合计税额)",
    "gross": "total including tax (价税合计)",
    "seller_name": "seller name",
    "seller_tax_id": "seller tax id",
    "buyer_name": "buyer name",
    "buyer_tax_id": "buyer tax id",
}
_COMPARED = (
    "invoice_number",
    "invoice_code",
    "issue_date",
    "net",
    "tax",
    "gross",
    "seller_tax_id",
    "buyer_tax_id",
)
_AMOUNT = re.compile(r"-?\d{1,18}(\.\d{1,20})?")
_DATE = re.compile(r"(\d{4})\s*[年./-]?\s*(\d{1,2})\s*[月./-]?\s*(\d{1,2})")
_NOT_TAXED = frozenset({"免税", "不征税", "*", "**", "***", "出口退税", "免征"})
_TITLE = re.compile(r"[^：:]{2,30}发票[）)]?")
_CORRECTS_OLD = re.compile(r"对应正数发票代码[:：]?\s*(\d{10,12})\s*号码[:：]?\s*(\d{8,20})")
_CORRECTS_NEW = re.compile(r"被红冲蓝字(?:数电票|数电发票|发票)?号码[:：]?\s*(\d{8,20})")


def parse(data: bytes, *, verify_signature: bool = True) -> NormalisedInvoice:
    """Parse OFD bytes; raise :class:`Refused` when the file is hostile or not an OFD invoice."""
    package = _Package(read_zip(data, what="The OFD file"))
    reader = _Reader(package)
    invoice = reader.invoice()
    if not verify_signature:
        if reader.signatures_loc:
            invoice.signature = SignatureInfo(present=True, detail="seals not checked")
    else:
        check = check_signatures(package.members, reader.signatures_loc)
        invoice.signature = check.info
        uncovered = sorted(package.used - check.covered) if check.info.present else []
        if uncovered:
            invoice.issues.append(
                Issue(
                    "ofd_unsigned_content",
                    Severity.WARNING,
                    "These parts were read but are not protected by a valid seal digest: "
                    + ", ".join(uncovered)
                    + ".",
                )
            )
    return invoice


class _Package:
    """The ZIP members, with cached XML parsing and a record of which members were read."""

    def __init__(self, members: dict[str, bytes]):
        self.members = members
        self.used: set[str] = set()
        self._trees: dict[str, object] = {}

    def xml(self, name: str, *, optional: bool = False):
        """The parsed member; a malformed one is None when ``optional``, else Refused."""
        if name not in self._trees:
            self._trees[name] = optional_xml(self.members, name)
        if self._trees[name] is None and not optional:
            parse_xml(self.members[name], what=f"OFD member {name}")  # raises the reason
        if self._trees[name] is not None:
            self.used.add(name)
        return self._trees[name]

    def resolve(self, loc: str, base: str = "") -> str | None:
        """The member ``loc`` points to; ``base`` is the member the location was written in."""
        return resolve_path(self.members, loc, posixpath.dirname(base))


@dataclass
class _Source:
    """Raw text values from one carrier of invoice data."""

    name: str
    fields: dict[str, str] = field(default_factory=dict)
    lines: list[dict[str, str]] = field(default_factory=list)


class _Reader:
    def __init__(self, package: _Package):
        self.package = package
        self.notes: list[str] = []
        self.issues: list[Issue] = []
        self.signatures_loc: str | None = None
        self.page_paths: dict[str, str] = {}  # page ID → member
        self.template_paths: list[str] = []
        self._page_texts: dict[str, dict[str, str]] = {}

    # --- structure ----------------------------------------------------------------------------

    def invoice(self) -> NormalisedInvoice:
        if "OFD.xml" not in self.package.members:
            raise Refused("not_an_invoice", "The archive has no OFD.xml, so it is not an OFD document.")
        ofd = self.package.xml("OFD.xml")
        if local(ofd.tag) != "OFD":
            raise Refused("not_an_invoice", "OFD.xml is not an OFD document (its root element is not OFD).")
        if _namespace(ofd.tag) not in OFD_NAMESPACES:
            self.notes.append(f"OFD.xml uses the unexpected namespace {_namespace(ofd.tag)!r}")
        body = _first(ofd, "DocBody")
        doc_path = self.package.resolve(_text(_first(body, "DocRoot"))) if body is not None else None
        if doc_path is None:
            raise Refused("ofd_malformed", "OFD.xml does not point to a document (DocBody/DocRoot).")
        self.signatures_loc = _text(_first(body, "Signatures")) or None
        document = self.package.xml(doc_path)
        self._index_pages(document, doc_path)

        sources = [
            *self._attachments(document, doc_path),
            *self._custom_tags(document, doc_path),
            self._custom_data(body),
        ]
        return self._build(sources)

    def _index_pages(self, document, doc_path: str) -> None:
        for page in _all(_first(document, "Pages"), "Page"):
            path = self.package.resolve(page.get("BaseLoc", ""), doc_path)
            if path:
                self.page_paths[page.get("ID", "")] = path
        for template in _all(_first(document, "CommonData"), "TemplatePage"):
            path = self.package.resolve(template.get("BaseLoc", ""), doc_path)
            if path:
                self.template_paths.append(path)

    # --- the three carriers -------------------------------------------------------------------

    def _custom_data(self, body) -> _Source:
        source = _Source("OFD.xml CustomData")
        for item in _all(_first(_first(body, "DocInfo"), "CustomDatas"), "CustomData"):
            key = _HEADER_FIELDS.get(item.get("Name", "").strip())
            value = _text(item)
            if key and value:
                source.fields.setdefault(key, value)
        return source

    def _custom_tags(self, document, doc_path: str) -> list[_Source]:
        index_path = self.package.resolve(_text(_first(document, "CustomTags")), doc_path)
        if index_path is None:
            return []
        index = self.package.xml(index_path, optional=True)
        if index is None:
            self.notes.append(f"{index_path} is not well-formed XML and was skipped")
            return []
        sources = []
        for tag in _all(index, "CustomTag"):
            path = self.package.resolve(_text(_first(tag, "FileLoc")), index_path)
            if path is None:
                continue
            root = self.package.xml(path, optional=True)
            if root is None:
                self.notes.append(f"custom tag file {path} is not well-formed XML and was skipped")
                continue
            sources.append(_collect(root, path, self._tag_value))
        return sources

    def _attachments(self, document, doc_path: str) -> list[_Source]:
        index_path = self.package.resolve(_text(_first(document, "Attachments")), doc_path)
        if index_path is None:
            return []
        index = self.package.xml(index_path, optional=True)
        if index is None:
            self.notes.append(f"{index_path} is not well-formed XML and was skipped")
            return []
        sources = []
        for attachment in _all(index, "Attachment"):
            path = self.package.resolve(_text(_first(attachment, "FileLoc")), index_path)
            if path is None or not path.lower().endswith(".xml"):
                continue
            root = self.package.xml(path, optional=True)
            if root is None:
                self.notes.append(f"attachment {path} is not well-formed XML and was skipped")
            elif _is_edrm(root) or _is_xbrl(root):
                sources.append(_collect(root, path, _element_value))
        return sources

    def _tag_value(self, element) -> str:
        """A CustomTag value: the page text its ObjectRefs point to (or literal text)."""
        refs = [child for child in element if local(child.tag) == "ObjectRef"]
        if not refs:
            return "" if len(element) else (element.text or "").strip()
        parts = []
        for ref in refs:
            text = self._page_text(ref.get("PageRef", "")).get(_text(ref))
            if text is None:
                self.notes.append(
                    f"custom tag object {_text(ref)} on page {ref.get('PageRef')} was not found"
                )
            else:
                parts.append(text)
        return "".join(parts).strip()

    def _page_text(self, page_id: str) -> dict[str, str]:
        """Text of every TextObject on a page, by object ID."""
        if page_id not in self._page_texts:
            path = self.page_paths.get(page_id)
            self._page_texts[page_id] = dict(_text_objects(self.package.xml(path))) if path else {}
        return self._page_texts[page_id]

    def _title(self) -> str:
        """The printed invoice title (e.g. 浙江增值税电子普通发票), looked up on pages and templates."""
        for path in [*self.page_paths.values(), *self.template_paths]:
            page = self.package.xml(path, optional=True)
            for _, text in _text_objects(page) if page is not None else ():
                if _TITLE.fullmatch(text.strip()):
                    return text.strip()
        return ""

    # --- merging ------------------------------------------------------------------------------

    def _build(self, sources: list[_Source]) -> NormalisedInvoice:
        merged: dict[str, str] = {}
        for source in sources:
            for key, value in source.fields.items():
                merged.setdefault(key, value)
        if not any(merged.get(key) for key in ("invoice_number", "net", "tax", "gross")):
            raise Refused("not_an_invoice", "This OFD document carries no invoice data (number or totals).")
        self._check_conflicts(sources)
        if "invoice_type" not in merged:
            merged["invoice_type"] = self._title()

        number = merged.get("invoice_number", "").strip()
        code = merged.get("invoice_code", "").strip() or None
        if not number:
            self._missing("invoice_number", Severity.ERROR)
        if code is None and number and len(number) != 20:  # 数电 numbers have 20 digits and no code
            self._missing("invoice_code", Severity.WARNING)
        issue_date = self._date(merged.get("issue_date", ""))
        seller = self._party(merged, "seller", Severity.ERROR)
        buyer = self._party(merged, "buyer", Severity.WARNING)
        totals = self._totals(merged)
        line_source = next((s for s in sources if s.lines), None)
        lines = [self._line(raw, i) for i, raw in enumerate(line_source.lines, 1)] if line_source else []
        if not lines:
            self.issues.append(Issue("ofd_missing_field", Severity.WARNING, "No invoice lines were found."))

        note = merged.get("note", "").strip()
        document_type, corrects_number, corrects_code = _document_type(totals, note, merged["invoice_type"])
        extra = {
            key: merged[key].strip()
            for key in ("invoice_type", "check_code", "machine_no", "note")
            if merged.get(key, "").strip()
        }
        extra["sources"] = ", ".join(s.name for s in sources if s.fields or s.lines)
        if line_source:
            extra["lines_from"] = line_source.name
        if self.notes:
            extra["parse_notes"] = "; ".join(dict.fromkeys(self.notes))
        return NormalisedInvoice(
            format=Format.OFD,
            document_type=document_type,
            invoice_number=number,
            issue_date=issue_date,
            currency="CNY",
            seller=seller,
            buyer=buyer,
            totals=totals,
            lines=lines,
            invoice_code=code,
            corrects_invoice=corrects_number,
            corrects_invoice_code=corrects_code,
            po_references=po_references_in(note),
            issues=self.issues,
            extra=extra,
        )

    def _check_conflicts(self, sources: list[_Source]) -> None:
        for key in _COMPARED:
            seen: dict[object, str] = {}
            for source in sources:
                raw = source.fields.get(key, "")
                value = _comparable(key, raw)
                if value is not None and value != "":
                    seen.setdefault(value, f"{source.name} says {raw.strip()!r}")
            if len(seen) > 1:
                self.issues.append(
                    Issue(
                        "ofd_field_conflict",
                        Severity.WARNING,
                        f"The {_LABELS[key]} differs between the parts of the file: "
                        + "; ".join(seen.values())
                        + ". The first is used.",
                    )
                )

    def _party(self, merged: dict[str, str], role: str, severity: Severity) -> Party:
        name = merged.get(f"{role}_name", "").strip()
        tax_id = normalise_tax_id(merged.get(f"{role}_tax_id", ""))
        if not name:
            self._missing(f"{role}_name", Severity.WARNING)
        if not tax_id:
            self._missing(f"{role}_tax_id", severity)
        address = merged.get(f"{role}_address", "").strip()
        return Party(name=name, tax_id=tax_id, address=address, country="CN")

    def _totals(self, merged: dict[str, str]) -> Totals:
        net, tax, gross = (self._amount(merged.get(key, ""), key) for key in ("net", "tax", "gross"))
        if gross is None and net is not None and tax is not None:
            gross = net + tax
        if net is None and gross is not None and tax is not None:
            net = gross - tax
        if tax is None and gross is not None and net is not None:
            tax = gross - net
        for key, value in (("net", net), ("tax", tax), ("gross", gross)):
            if value is None:
                self._missing(key, Severity.ERROR)
        zero = Decimal("0")
        gross = gross if gross is not None else zero
        return Totals(
            net=net if net is not None else zero,
            tax=tax if tax is not None else zero,
            gross=gross,
            payable=gross,
        )

    def _line(self, raw: dict[str, str], number: int) -> InvoiceLine:
        label = f"line {number}"
        net = self._amount(raw.get("net", ""), "net", label)
        rate = self._rate(raw.get("rate", ""), label)
        tax_text = raw.get("tax", "").strip()
        not_taxed = rate is None and (not tax_text or tax_text in _NOT_TAXED)
        tax = None if not_taxed else self._amount(tax_text, "tax", label)
        return InvoiceLine(
            name=raw.get("name", "").strip(),
            quantity=self._amount(raw.get("quantity", ""), "quantity", label, required=False),
            unit=raw.get("unit", "").strip(),
            unit_price=self._amount(raw.get("unit_price", ""), "unit price", label, required=False),
            net=net if net is not None else Decimal("0"),
            tax_rate=rate,
            tax=tax if tax is not None else Decimal("0"),
            po_reference=line_reference_in(raw.get("spec", "")),
            line_id=str(number),
        )

    # --- values -------------------------------------------------------------------------------

    def _missing(self, key: str, severity: Severity, where: str = "") -> None:
        label = _LABELS.get(key, key)
        place = f" on {where}" if where else ""
        self.issues.append(
            Issue("ofd_missing_field", severity, f"The {label}{place} was not found in the file.")
        )

    def _amount(self, text: str, key: str, where: str = "", *, required: bool = True) -> Decimal | None:
        if not text.strip():
            if required:
                self._missing(key, Severity.ERROR, where)
            return None
        value = _decimal(text)
        if value is None:
            place = f" on {where}" if where else ""
            self.issues.append(
                Issue(
                    "ofd_bad_value",
                    Severity.ERROR,
                    f"The {_LABELS.get(key, key)}{place} {text.strip()!r} is not a number.",
                )
            )
        return value

    def _date(self, text: str) -> date | None:
        if not text.strip():
            self._missing("issue_date", Severity.ERROR)
            return None
        value = _parse_date(text)
        if value is None:
            self.issues.append(
                Issue("ofd_bad_value", Severity.ERROR, f"The issue date {text.strip()!r} is not a date.")
            )
        return value

    def _rate(self, text: str, where: str) -> Decimal | None:
        text = text.strip()
        if not text or text in _NOT_TAXED:
            return None
        value = _parse_rate(text)
        if value is None:
            self.issues.append(
                Issue(
                    "ofd_bad_value", Severity.WARNING, f"The tax rate on {where} {text!r} is not understood."
                )
            )
        return value


# --- reading values out of XML -------------------------------------------------------------------


def _collect(root, name: str, value_of) -> _Source:
    """Walk a CustomTag / edrm / XBRL tree, picking header fields and invoice lines by element name."""
    source = _Source(posixpath.basename(name))
    loose: dict[str, list[str]] = {}  # line fields outside any line container, in document order

    def walk(element) -> None:
        for child in element:
            tag = local(child.tag)
            if tag in _LINE_CONTAINERS:
                line: dict[str, str] = {}
                for part in child.iter():
                    key = _LINE_FIELDS.get(local(part.tag))
                    if key and key not in line:
                        line[key] = value_of(part)
                source.lines.append(line)
            elif tag in _HEADER_FIELDS:
                value = value_of(child)
                if value:
                    source.fields.setdefault(_HEADER_FIELDS[tag], value)
            elif tag in _LINE_FIELDS:
                loose.setdefault(_LINE_FIELDS[tag], []).append(value_of(child))
            else:
                walk(child)

    walk(root)
    if loose and not source.lines:
        count = max(len(values) for values in loose.values())
        source.lines = [{k: v[i] for k, v in loose.items() if i < len(v)} for i in range(count)]
    return source


def _element_value(element) -> str:
    return _text(element)


def _text_objects(page) -> list[tuple[str, str]]:
    """(ID, text) of every TextObject on a page or template, in document order."""
    # "{*}Name" matches the local name in any namespace or none, in C (no Python call per element)
    return [
        (element.get("ID", ""), "".join(code.text or "" for code in element.iter("{*}TextCode")))
        for element in page.iter("{*}TextObject")
    ]


def _is_edrm(root) -> bool:
    if local(root.tag) == "eInvoice":
        return True
    return any(_namespace(child.tag).startswith(EDRM_NAMESPACE_PREFIX) for child in root)


def _is_xbrl(root) -> bool:
    return any(_namespace(child.tag).startswith(XBRL_INV_NAMESPACE_PREFIX) for child in root)


def _namespace(tag: object) -> str:
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def _first(element, name: str):
    if element is None:
        return None
    return next((child for child in element if local(child.tag) == name), None)


def _all(element, name: str) -> list:
    return [] if element is None else [child for child in element if local(child.tag) == name]


def _text(element) -> str:
    if element is None:
        return ""
    if not len(element):  # a leaf (most values): its text, without building an itertext iterator
        return (element.text or "").strip()
    return "".join(element.itertext()).strip()


def _decimal(text: str) -> Decimal | None:
    """An amount as printed (¥1,234.50, -3.2, 4197.16981132075) → Decimal; None if not a number."""
    cleaned = re.sub(r"[\s,¥￥元]", "", text)
    return Decimal(cleaned) if _AMOUNT.fullmatch(cleaned) else None


def _parse_rate(text: str) -> Decimal | None:
    """A tax rate as printed (13%, 13.00%, 0.13) → Decimal("0.13"); 零税率 → 0."""
    if text == "零税率":
        return Decimal("0")
    if text.endswith("%"):
        value = _decimal(text[:-1])
        return None if value is None else (value / 100).normalize()
    value = _decimal(text)
    return value if value is not None and 0 <= value < 1 else None


def _parse_date(text: str) -> date | None:
    """2024年05月28日, 2022-09-01, 2020/10/10, 20201010 (a trailing time is ignored)."""
    match = _DATE.match(text.strip())
    if not match:
        return None
    try:
        return date(*(int(group) for group in match.groups()))
    except ValueError:
        return None


def _comparable(key: str, raw: str) -> object:
    if key in ("net", "tax", "gross"):
        return _decimal(raw)
    if key == "issue_date":
        return _parse_date(raw)
    return re.sub(r"\s", "", raw).upper()


def _document_type(totals: Totals, note: str, title: str) -> tuple[DocumentType, str, str]:
    """Red-letter invoices (红字发票) are credit notes: negative totals, a 红字 title, or a remark
    naming the original (对应正数发票代码:… 号码:… / 被红冲蓝字数电票号码:…)."""
    old, new = _CORRECTS_OLD.search(note), _CORRECTS_NEW.search(note)
    number, code = "", ""
    if old:
        code, number = old.group(1), old.group(2)
    elif new:
        number = new.group(1)
    red = totals.gross < 0 or totals.net < 0 or "红字" in title or bool(number)
    return (DocumentType.CREDIT_NOTE if red else DocumentType.INVOICE), number, code
