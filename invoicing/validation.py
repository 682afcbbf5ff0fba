"""Generic validation of a :class:`NormalisedInvoice`, whatever format it came from.

Pure module (no Django). :func:`validate` returns a list of :class:`Issue` with stable codes;
an empty list means nothing was found. The EN 16931 business rules (BR-*) are checked
elsewhere; this module only holds the checks that apply to every format. Duplicates are found in
the database layer with :func:`duplicate_key`.

Tolerances (all amounts are in the document currency):

EN 16931 invoices (UBL, CII): the standard's own rules (BR-*, checked by the parsers) decide whether
the invoice is acceptable; the portal's arithmetic checks below follow the standard's semantics and
report what they find as *warnings* (with the figures) for finance and matching, never as errors.
The line net is quantity × (item net price ÷ price base quantity BT-149) + line charges − line
allowances (BG-27/28); the VAT is computed and rounded per VAT breakdown (BG-23).

- ``line_net_mismatch``: net vs quantity × unit price (+ line charges − allowances). Allowed difference: the larger of 0.01
  and 0.005 (rounding the net) + |quantity| × half a unit of the unit price's last shown decimal
  (a price printed as 9.43 may really be 9.434, and that error grows with the quantity). Prices
  printed with fewer than 2 decimals count as shown to the cent (0.005 per unit).
- ``line_tax_mismatch``: tax vs net × rate, at most 0.01 apart. Only for 数电/OFD: in UBL and
  CII a line carries no tax amount of its own.
- ``net_total_mismatch``: the sum of the line nets must equal the net total exactly (sums of
  2-place amounts are exact). For UBL/CII it is a warning, because document-level allowances and
  charges are not part of the normalised invoice.
- ``tax_total_mismatch``: 数电/OFD: the sum of line taxes vs the tax total, at most 0.01 apart.
  UBL/CII: per VAT breakdown, round(taxable amount × rate) summed over the breakdowns (without a
  breakdown: per rate of the lines), at most 0.01 × number of breakdowns.
- ``gross_mismatch``: gross vs net + tax, at most 0.01 apart.
- ``payable_mismatch``: payable vs gross, at most 0.01 apart; an error for Chinese invoices,
  a warning for UBL/CII (prepaid amounts and rounding are not in the normalised invoice).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Context, Decimal, localcontext

from django.utils.translation import gettext_noop

from core.money import q2
from core.texts import english, register
from invoicing.formats.model import DocumentType, Format, Issue, NormalisedInvoice, Severity
from suppliers.taxid import tax_id_error, uscc_problem

ERROR = Severity.ERROR
WARNING = Severity.WARNING

# The words of each finding (English msgids; the page renders them in the reader's language
# from the stored code and parameters, see core.texts).
TEXTS = register(
    {
        "validation.seller_tax_id_invalid": gettext_noop("Seller tax id: %(problem)s"),
        "validation.buyer_tax_id_invalid": gettext_noop("Buyer tax id: %(problem)s"),
        "validation.buyer_tax_id_missing_person": gettext_noop(
            "The invoice names no buyer tax id (buyer %(buyer)s); that is normal for a private person."
        ),
        "validation.buyer_tax_id_missing": gettext_noop(
            "The invoice names no buyer tax id (buyer %(buyer)s); only an invoice to a private person may "
            "leave it out."
        ),
        "validation.seller_mismatch": gettext_noop(
            "The seller's tax id on the invoice is %(found)s, but the supplier's tax id is %(expected)s."
        ),
        "validation.buyer_not_ours": gettext_noop(
            "The buyer on the invoice (%(buyer)s, tax id %(found)s) is not one of our legal entities."
        ),
        "validation.tax_id_read_as": gettext_noop(
            "%(tax_id)s (read as the unified social credit code %(read)s, without the country prefix CN)"
        ),
        "validation.tax_id_empty": gettext_noop("The tax id is empty."),
        "validation.tax_id_legacy_invalid": gettext_noop(
            "The tax id is not a valid %(length)s-character taxpayer number."
        ),
        "validation.tax_id_required": gettext_noop("The unified social credit code is required."),
        "validation.tax_id_length": gettext_noop(
            "A unified social credit code has 18 characters; this one has %(length)d."
        ),
        "validation.tax_id_characters": gettext_noop(
            "These characters are not allowed in a unified social credit code: %(characters)s."
        ),
        "validation.tax_id_check_character": gettext_noop(
            "The check character (the last one) is %(found)s; for this code it must be %(expected)s."
        ),
        "validation.none": gettext_noop("(none)"),
        "validation.no_name": gettext_noop("no name"),
        "validation.line": gettext_noop("Line %(line)s"),
        "validation.line_named": gettext_noop("Line %(line)s (%(name)s)"),
        "validation.line_net_mismatch": gettext_noop(
            "%(label)s: %(quantity)s × %(unit_price)s = %(expected)s, but the line amount is %(net)s "
            "(allowed difference %(tolerance)s)."
        ),
        "validation.line_net_mismatch_adjusted": gettext_noop(
            "%(label)s: %(quantity)s × %(unit_price)s %(sign)s %(adjust)s line charges/allowances = %(expected)s, "
            "but the line amount is %(net)s (allowed difference %(tolerance)s)."
        ),
        "validation.line_tax_without_rate": gettext_noop(
            "%(label)s has no tax rate (exempt or not taxable) but a tax of %(tax)s."
        ),
        "validation.line_tax_mismatch": gettext_noop(
            "%(label)s: %(net)s × %(rate)s%% = %(expected)s, but the line tax is %(tax)s."
        ),
        "validation.net_total_mismatch": gettext_noop(
            "The line amounts add up to %(lines)s, but the invoice's total without tax is %(total)s."
        ),
        "validation.net_total_mismatch_allowances": gettext_noop(
            "The line amounts add up to %(lines)s, but the invoice's total without tax is %(total)s. "
            "(Document-level allowances or charges may explain it.)"
        ),
        "validation.tax_total_mismatch_lines": gettext_noop(
            "The line taxes add up to %(expected)s, but the invoice's tax total is %(total)s."
        ),
        "validation.tax_total_mismatch_rates": gettext_noop(
            "Tax computed per rate (%(rates)s rates) is %(expected)s, but the invoice's tax total is %(total)s."
        ),
        "validation.tax_total_mismatch_one_rate": gettext_noop(
            "Tax computed per rate (1 rate) is %(expected)s, but the invoice's tax total is %(total)s."
        ),
        "validation.tax_total_mismatch_breakdown": gettext_noop(
            "Tax computed per VAT breakdown (%(count)s breakdowns: %(parts)s) is %(expected)s, but the invoice's "
            "tax total is %(total)s."
        ),
        "validation.gross_mismatch": gettext_noop(
            "%(net)s without tax + %(tax)s tax = %(sum)s, but the total with tax is %(gross)s."
        ),
        "validation.payable_mismatch": gettext_noop(
            "The amount payable is %(payable)s, but the total with tax is %(gross)s."
        ),
        "validation.payable_mismatch_prepaid": gettext_noop(
            "The amount payable is %(payable)s, but the total with tax is %(gross)s. "
            "(A prepaid amount or rounding may explain it.)"
        ),
        "validation.number_missing": gettext_noop("The invoice has no invoice number."),
        "validation.currency_unsupported": gettext_noop(
            "The currency %(currency)s is not a 3-letter ISO 4217 code such as CNY."
        ),
        "validation.issue_date_missing": gettext_noop("The invoice has no issue date."),
        "validation.issue_date_in_future": gettext_noop(
            "The invoice is dated %(issued)s, after today (%(today)s)."
        ),
        "validation.issue_date_too_old": gettext_noop(
            "The invoice is dated %(issued)s, %(days)s days ago; invoices older than %(max_days)s days need a check."
        ),
        "validation.credit_note_without_reference_red": gettext_noop(
            "The credit note does not name the invoice it corrects (a red-letter invoice must name the "
            "original blue invoice)."
        ),
        "validation.credit_note_without_reference": gettext_noop(
            "The credit note does not name the invoice it corrects."
        ),
        "validation.no_lines": gettext_noop("The invoice has no lines."),
        "validation.no_lines_header_only": gettext_noop(
            "The invoice has no lines: its Factur-X profile %(profile)s carries the totals only. It is accepted; "
            "matching cannot pair lines, so finance checks it against the order by its totals."
        ),
        "validation.finding": gettext_noop("%(code)s: %(message)s"),
        "validation.failed": gettext_noop("Refused by the checks: %(findings)s"),
    }
)


def _part(code: str, **params) -> dict:
    """A piece of a sentence (a label, "(none)") kept as a code, rendered with the sentence."""
    return {
        "code": f"validation.{code}",
        "params": {k: str(v) if not isinstance(v, dict) else v for k, v in params.items()},
    }


def issue(code: str, severity: Severity, text: str | None = None, **params) -> Issue:
    """A finding: ``code`` (stable, stored), its English ``message`` and the same as a text code
    with parameters (``validation.<text or code>``) for the reader's language."""
    words = _part(text or code, **params)
    return Issue(code, severity, english(words), text=words)


CHINESE_FORMATS = frozenset({Format.OFD, Format.CN_XML})
CENT = Decimal("0.01")
_CURRENCY_RE = re.compile(r"[A-Z]{3}")
_PRIVATE_PERSON_MARKERS = ("个人", "自然人")


@dataclass(frozen=True)
class ValidationContext:
    today: date
    max_age_days: int = 365
    expected_seller_tax_id: str | None = None  # the supplier's tax id; None: skip seller_mismatch
    buyer_tax_ids: frozenset[str] | None = None  # our legal entities' tax ids; None: skip buyer_not_ours
    future_tolerance_days: int = 1  # an issue date this many days ahead is still fine (time zones)
    # tax ids of our legal entities that require XRechnung (BR-DE-*) from their suppliers
    xrechnung_buyer_tax_ids: frozenset[str] = frozenset()


def normalise_id(value: str | None) -> str:
    """A tax id for comparison: no white space at all, upper case."""
    return "".join((value or "").split()).upper()


def comparable_tax_id(value: str | None) -> str:
    """A tax id as it is compared with a party's: ``normalise_id``, and an EN 16931 VAT id written
    with its country prefix (``CN`` + the 18-character unified social credit code, as BR-CO-09
    requires) read as that code, so ``CN91440300MA5F00002D`` equals ``91440300MA5F00002D``."""
    tax_id = normalise_id(value)
    if len(tax_id) == 20 and tax_id.startswith("CN"):
        return tax_id[2:]
    return tax_id


def _compared(tax_id: str) -> str | dict:
    """How a tax id was read for the comparison, for the message."""
    read = comparable_tax_id(tax_id)
    if read != tax_id:
        return _part("tax_id_read_as", tax_id=tax_id, read=read)
    return tax_id or _part("none")


def duplicate_key(invoice: NormalisedInvoice) -> tuple[str, str, str]:
    """(seller tax id, invoice code or "", invoice number): the same for every file of one invoice.

    The OFD and the XML of one 数电 invoice give the same key; an old-style VAT invoice is
    identified by its 发票代码 + 发票号码.
    """
    return (
        comparable_tax_id(invoice.seller.tax_id),
        "".join((invoice.invoice_code or "").split()),
        "".join(invoice.invoice_number.split()),
    )


def _money(value: Decimal) -> str:
    return f"{q2(value):,}"


# -- parties ---------------------------------------------------------------------------------


def _chinese_id(invoice: NormalisedInvoice, tax_id: str, country: str) -> str | None:
    """The id to check as a Chinese tax id, or None when the party is foreign (skip the check)."""
    if invoice.format in CHINESE_FORMATS:
        return tax_id
    if country.upper() == "CN":
        return tax_id[2:] if tax_id.startswith("CN") and len(tax_id) == 20 else tax_id
    if tax_id.startswith("CN") and len(tax_id) == 20:  # VAT-style "CN" + USCC without a country
        return tax_id[2:]
    return None


def _tax_id_problem(invoice: NormalisedInvoice, tax_id: str) -> dict | None:
    """Why ``tax_id`` is not valid, as a text (the checker's precise English kept), or None."""
    legacy = invoice.format in CHINESE_FORMATS
    detail = tax_id_error(tax_id, allow_legacy=legacy)
    if detail is None:
        return None
    code = (tax_id or "").strip().upper()
    problem = uscc_problem(code)
    if not code or problem is None or (legacy and len(code) in (15, 20)):
        words = _part("tax_id_empty") if not code else _part("tax_id_legacy_invalid", length=len(code))
    else:
        words = {"code": f"validation.{problem[0]}", "params": problem[1]}
    return {**words, "english": detail}


def _check_parties(invoice: NormalisedInvoice, ctx: ValidationContext) -> list[Issue]:
    issues: list[Issue] = []
    seller_id = normalise_id(invoice.seller.tax_id)
    buyer_id = normalise_id(invoice.buyer.tax_id)

    checked = _chinese_id(invoice, seller_id, invoice.seller.country)
    if checked is not None:
        problem = _tax_id_problem(invoice, checked)
        if problem:
            issues.append(issue("seller_tax_id_invalid", ERROR, problem=problem))

    checked = _chinese_id(invoice, buyer_id, invoice.buyer.country)
    if checked is not None:
        if not checked:
            if invoice.format in CHINESE_FORMATS:
                person = any(m in invoice.buyer.name for m in _PRIVATE_PERSON_MARKERS)
                issues.append(
                    issue(
                        "buyer_tax_id_invalid",
                        WARNING if person else ERROR,
                        "buyer_tax_id_missing_person" if person else "buyer_tax_id_missing",
                        buyer=repr(invoice.buyer.name),
                    )
                )
        else:
            problem = _tax_id_problem(invoice, checked)
            if problem:
                issues.append(issue("buyer_tax_id_invalid", ERROR, problem=problem))

    if ctx.expected_seller_tax_id is not None:
        expected = normalise_id(ctx.expected_seller_tax_id)
        if comparable_tax_id(seller_id) != comparable_tax_id(expected):
            issues.append(
                issue("seller_mismatch", ERROR, found=_compared(seller_id), expected=_compared(expected))
            )
    if ctx.buyer_tax_ids is not None:
        ours = {comparable_tax_id(t) for t in ctx.buyer_tax_ids}
        if comparable_tax_id(buyer_id) not in ours:
            issues.append(
                issue(
                    "buyer_not_ours",
                    ERROR,
                    buyer=invoice.buyer.name or _part("no_name"),
                    found=_compared(buyer_id),
                )
            )
    return issues


# -- arithmetic ------------------------------------------------------------------------------


def _price_tolerance(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """max(0.01, 0.005 for rounding the net + |quantity| × half a unit of the price's last decimal)."""
    exponent = unit_price.as_tuple().exponent
    shown = max(-exponent, 2) if isinstance(exponent, int) else 2
    return max(CENT, CENT / 2 + abs(quantity) * Decimal(5).scaleb(-(shown + 1)))


def _arithmetic_severity(invoice: NormalisedInvoice) -> Severity:
    """Chinese invoices: an arithmetic error refuses the invoice. EN 16931: the standard's rules
    decide, the portal's own arithmetic only warns."""
    return ERROR if invoice.format in CHINESE_FORMATS else WARNING


def _check_lines(invoice: NormalisedInvoice) -> list[Issue]:
    issues: list[Issue] = []
    check_tax = invoice.format in CHINESE_FORMATS
    severity = _arithmetic_severity(invoice)
    for index, line in enumerate(invoice.lines, start=1):
        number = line.line_id or index
        label = _part("line_named", line=number, name=line.name) if line.name else _part("line", line=number)
        if line.quantity is not None and line.unit_price is not None:
            adjust = line.allowances_charges
            expected = line.quantity * line.unit_price + adjust
            tolerance = _price_tolerance(line.quantity, line.unit_price)
            if abs(line.net - expected) > tolerance:
                issues.append(
                    issue(
                        "line_net_mismatch",
                        severity,
                        "line_net_mismatch_adjusted" if adjust else "line_net_mismatch",
                        label=label,
                        quantity=f"{line.quantity.normalize():f}",
                        unit_price=f"{line.unit_price.normalize():f}",
                        sign="+" if adjust >= 0 else "−",
                        adjust=_money(abs(adjust)),
                        expected=_money(expected),
                        net=_money(line.net),
                        tolerance=f"{tolerance.normalize():f}",
                    )
                )
        if not check_tax:
            continue
        if line.tax_rate is None:
            if line.tax:
                issues.append(
                    issue(
                        "line_tax_mismatch", ERROR, "line_tax_without_rate", label=label, tax=_money(line.tax)
                    )
                )
            continue
        expected = line.net * line.tax_rate
        if abs(line.tax - expected) > CENT:
            issues.append(
                issue(
                    "line_tax_mismatch",
                    ERROR,
                    label=label,
                    net=_money(line.net),
                    rate=f"{(line.tax_rate * 100).normalize():f}",
                    expected=_money(expected),
                    tax=_money(line.tax),
                )
            )
    return issues


def _check_totals(invoice: NormalisedInvoice) -> list[Issue]:
    issues: list[Issue] = []
    chinese = invoice.format in CHINESE_FORMATS
    totals = invoice.totals
    if invoice.lines:
        line_net = sum((line.net for line in invoice.lines), Decimal(0))
        if line_net != totals.net:
            issues.append(
                issue(
                    "net_total_mismatch",
                    ERROR if chinese else WARNING,
                    "net_total_mismatch" if chinese else "net_total_mismatch_allowances",
                    lines=_money(line_net),
                    total=_money(totals.net),
                )
            )
        if chinese:
            expected_tax = sum((line.tax for line in invoice.lines), Decimal(0))
            tolerance = CENT
            how, rates = "tax_total_mismatch_lines", {}
        elif invoice.tax_breakdown:
            parts = invoice.tax_breakdown
            expected_tax = sum((q2(b.taxable * (b.rate or Decimal(0))) for b in parts), Decimal(0))
            tolerance = CENT * len(parts)
            how = "tax_total_mismatch_breakdown"
            rates = {
                "count": len(parts),
                "parts": ", ".join(
                    f"{_money(b.taxable)} × {((b.rate or Decimal(0)) * 100).normalize():f}%"
                    for b in parts[:5]
                ),
            }
        else:
            by_rate: dict[Decimal, Decimal] = {}
            for line in invoice.lines:
                rate = line.tax_rate or Decimal(0)
                by_rate[rate] = by_rate.get(rate, Decimal(0)) + line.net
            expected_tax = sum((q2(net * rate) for rate, net in by_rate.items()), Decimal(0))
            tolerance = CENT * len(by_rate)
            how = "tax_total_mismatch_rates" if len(by_rate) > 1 else "tax_total_mismatch_one_rate"
            rates = {"rates": len(by_rate)}
        if abs(totals.tax - expected_tax) > tolerance:
            issues.append(
                issue(
                    "tax_total_mismatch",
                    _arithmetic_severity(invoice),
                    how,
                    expected=_money(expected_tax),
                    total=_money(totals.tax),
                    **rates,
                )
            )
    if abs(totals.gross - (totals.net + totals.tax)) > CENT:
        issues.append(
            issue(
                "gross_mismatch",
                _arithmetic_severity(invoice),
                net=_money(totals.net),
                tax=_money(totals.tax),
                sum=_money(totals.net + totals.tax),
                gross=_money(totals.gross),
            )
        )
    if abs(totals.payable - totals.gross) > CENT:
        issues.append(
            issue(
                "payable_mismatch",
                ERROR if chinese else WARNING,
                "payable_mismatch" if chinese else "payable_mismatch_prepaid",
                payable=_money(totals.payable),
                gross=_money(totals.gross),
            )
        )
    return issues


# -- header ----------------------------------------------------------------------------------


def _check_header(invoice: NormalisedInvoice, ctx: ValidationContext) -> list[Issue]:
    issues: list[Issue] = []
    if not invoice.invoice_number.strip():
        issues.append(issue("number_missing", ERROR))
    if not _CURRENCY_RE.fullmatch(invoice.currency or ""):
        issues.append(issue("currency_unsupported", ERROR, currency=repr(invoice.currency)))
    issued = invoice.issue_date
    if issued is None:
        issues.append(issue("issue_date_missing", ERROR))
    elif issued > ctx.today + timedelta(days=ctx.future_tolerance_days):
        issues.append(
            issue("issue_date_in_future", ERROR, issued=issued.isoformat(), today=ctx.today.isoformat())
        )
    elif (ctx.today - issued).days > ctx.max_age_days:
        issues.append(
            issue(
                "issue_date_too_old",
                WARNING,
                issued=issued.isoformat(),
                days=(ctx.today - issued).days,
                max_days=ctx.max_age_days,
            )
        )
    if invoice.document_type == DocumentType.CREDIT_NOTE and not invoice.corrects_invoice.strip():
        chinese = invoice.format in CHINESE_FORMATS
        issues.append(
            issue(
                "credit_note_without_reference",
                ERROR if chinese else WARNING,
                "credit_note_without_reference_red" if chinese else "credit_note_without_reference",
            )
        )
    if not invoice.lines:
        if invoice.extra.get("header_only"):
            issues.append(
                issue("no_lines", WARNING, "no_lines_header_only", profile=invoice.extra.get("profile", ""))
            )
        else:
            issues.append(issue("no_lines", ERROR))
    return issues


def _check_xrechnung(invoice: NormalisedInvoice, ctx: ValidationContext) -> list[Issue]:
    """The XRechnung rules, when the buyer on the invoice is one of our entities that requires them."""
    if not ctx.xrechnung_buyer_tax_ids or not invoice.xrechnung_issues:
        return []
    required = {comparable_tax_id(t) for t in ctx.xrechnung_buyer_tax_ids}
    return invoice.xrechnung_issues if comparable_tax_id(invoice.buyer.tax_id) in required else []


def validate(invoice: NormalisedInvoice, ctx: ValidationContext) -> list[Issue]:
    """All generic problems of ``invoice``; an empty list when there are none."""
    with localcontext(Context(prec=60)):
        return [
            *_check_header(invoice, ctx),
            *_check_parties(invoice, ctx),
            *_check_lines(invoice),
            *_check_totals(invoice),
            *_check_xrechnung(invoice, ctx),
        ]


ISSUE_CODES = (
    "number_missing",
    "currency_unsupported",
    "issue_date_missing",
    "issue_date_in_future",
    "issue_date_too_old",
    "credit_note_without_reference",
    "no_lines",
    "seller_tax_id_invalid",
    "buyer_tax_id_invalid",
    "seller_mismatch",
    "buyer_not_ours",
    "line_net_mismatch",
    "line_tax_mismatch",
    "net_total_mismatch",
    "tax_total_mismatch",
    "gross_mismatch",
    "payable_mismatch",
)
