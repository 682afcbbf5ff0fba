"""Reasons in words a finance user understands: each cites the numbers and the rule applied."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_noop

from core.money import q2, q6
from core.texts import english, joined, register

from .model import Reason, ReasonCode, Verdict
from .tolerance import Direction, Limit, LimitCheck, TolerancePolicy

EXCEPTION = Verdict.EXCEPTION
TOLERATED = Verdict.MATCHED_WITHIN_TOLERANCE

# The words of the tolerance reasons (core.texts): stored with each reason as a code and its
# figures, read in the reader's language; the ``.facts`` variants are what a supplier reads
# (the facts without the buyer's tolerance settings).
TEXTS = register(
    {
        "match.tolerance.above": gettext_noop(
            "%(subject)s is %(size)s above %(against)s; the policy (version %(version)s) allows %(limit)s, "
            "%(outcome)s (rule: %(rule)s)."
        ),
        "match.tolerance.below": gettext_noop(
            "%(subject)s is %(size)s below %(against)s; the policy (version %(version)s) allows %(limit)s, "
            "%(outcome)s (rule: %(rule)s)."
        ),
        "match.tolerance.above.facts": gettext_noop("%(subject)s is %(size)s above %(against)s."),
        "match.tolerance.below.facts": gettext_noop("%(subject)s is %(size)s below %(against)s."),
        "match.subject.unit_price": gettext_noop("Unit price %(price)s"),
        "match.subject.line_amount": gettext_noop("Line amount %(amount)s"),
        "match.subject.net_total": gettext_noop("The net total %(amount)s"),
        "match.against.po_price": gettext_noop("the PO price %(price)s of PO line %(po_line)s"),
        "match.against.matched_at_po_price": gettext_noop(
            "the matched quantity at the PO price, %(quantity)s × %(price)s = %(expected)s"
        ),
        "match.against.matched_at_po_prices": gettext_noop(
            "the matched quantities at their PO prices, %(products)s = %(expected)s"
        ),
        "match.against.matched_total": gettext_noop("the matched quantities at PO prices, %(expected)s"),
        "match.limit.at_most": gettext_noop("at most %(limit)s"),
        "match.limit.at_most_both": gettext_noop("at most %(percent)s and %(absolute)s"),
        "match.limit.none": gettext_noop("no difference"),
        "match.limit.any": gettext_noop("any difference"),
        "match.outcome.within": gettext_noop("so this is accepted within tolerance"),
        "match.outcome.line": gettext_noop("so this line is an exception"),
        "match.outcome.invoice": gettext_noop("so this invoice is an exception"),
        "match.rule.unit_price.upper": gettext_noop("unit price upper limit"),
        "match.rule.unit_price.lower": gettext_noop("unit price lower limit"),
        "match.rule.line_amount.upper": gettext_noop("line amount upper limit"),
        "match.rule.line_amount.lower": gettext_noop("line amount lower limit"),
        "match.rule.invoice_total.upper": gettext_noop("invoice total upper limit"),
        "match.rule.invoice_total.lower": gettext_noop("invoice total lower limit"),
        "match.invalid_quantity": gettext_noop(
            "Quantity %(quantity)s is not a positive quantity, so nothing can be matched and this line is an "
            "exception (rule: every line needs a positive quantity)."
        ),
        "match.invalid_quantity.credit_note": gettext_noop(
            "Quantity %(quantity)s is not a non-zero quantity, so nothing can be matched and this line is an "
            "exception (rule: every line needs a non-zero quantity)."
        ),
        "match.unknown_reference": gettext_noop(
            "The line refers to PO line %(reference)s, which is not among the PO lines being matched, so this "
            "line is an exception (rule: a PO line reference must exist)."
        ),
        "match.paired_with_open_quantity": gettext_noop(
            "Paired with PO line %(chosen)s, which has %(open)s open to invoice, rather than PO line %(passed)s "
            "of the same item, which has nothing open (nothing received, or all of it already invoiced) (rule: "
            "without a PO line reference, a line with open quantity is preferred)."
        ),
        "match.on_po_line_at": gettext_noop("%(quantity)s on PO line %(po_line)s at %(price)s"),
        "match.split_across_po_lines": gettext_noop(
            "The line's quantity was allocated across PO lines of the same item: %(parts)s; each part is "
            "compared with its own PO line's price and tax rate (rule: one invoice line may cover several "
            "PO lines of the same item)."
        ),
        "match.no_po_line.code_or_name": gettext_noop(
            "No PO line has this line's item code %(item_code)s or name “%(name)s”, so it cannot be matched "
            "and this line is an exception (rule: every invoice line needs a PO line)."
        ),
        "match.no_po_line.code": gettext_noop(
            "No PO line has this line's item code %(item_code)s, so it cannot be matched and this line is an "
            "exception (rule: every invoice line needs a PO line)."
        ),
        "match.no_po_line.name": gettext_noop(
            "No PO line has this line's name “%(name)s”, so it cannot be matched and this line is an exception "
            "(rule: every invoice line needs a PO line)."
        ),
        "match.no_po_line": gettext_noop(
            "No PO line has this line's an item code or name, so it cannot be matched and this line is an "
            "exception (rule: every invoice line needs a PO line)."
        ),
        "match.currency_mismatch": gettext_noop(
            "The invoice is in %(invoice_currency)s but PO line %(po_line)s is in %(po_currency)s; prices in "
            "different currencies are not compared, so this line is an exception (rule: same currency as the PO)."
        ),
        "match.tax_rate_mismatch": gettext_noop(
            "Tax rate %(invoiced)s differs from the rate %(ordered)s on PO line %(po_line)s, so this line is an "
            "exception (rule: tax rate must equal the PO's)."
        ),
        "match.tax_amount.within": gettext_noop(
            "Tax %(tax)s differs by %(difference)s from %(rate)s of the line amount %(line_amount)s, which is "
            "%(expected)s; this is within the tax rounding allowance of %(allowance)s per line and is a rounding "
            "difference, not a price difference (rule: tax rounding allowance per line)."
        ),
        "match.tax_amount": gettext_noop(
            "Tax %(tax)s differs by %(difference)s from %(rate)s of the line amount %(line_amount)s, which is "
            "%(expected)s; the tax rounding allowance is %(allowance)s per line, so this line is an exception "
            "(rule: tax rounding allowance per line)."
        ),
        "match.quantity.situation.credit_without_original": gettext_noop(
            "Credit quantity %(invoiced)s cannot be released on PO line %(po_line)s: the credit note does not "
            "name the invoice it corrects."
        ),
        "match.quantity.situation.credit_exceeds": gettext_noop(
            "Credit quantity %(invoiced)s is more than invoice %(original)s still claims on PO line %(po_line)s: "
            "it claims %(claimed)s (after any earlier credit notes)%(by_siblings)s; %(left)s."
        ),
        "match.quantity.situation.two_way": gettext_noop(
            "Invoiced quantity %(invoiced)s is more than is left on PO line %(po_line)s, which is matched against "
            "the order (no goods receipts): ordered %(ordered)s%(already)s%(by_siblings)s; %(left)s."
        ),
        "match.quantity.situation.three_way": gettext_noop(
            "Invoiced quantity %(invoiced)s is more than is left to invoice on PO line %(po_line)s: "
            "%(received)s%(already)s%(by_siblings)s; %(left)s."
        ),
        "match.quantity.part.already": gettext_noop(", %(quantity)s already invoiced on other documents"),
        "match.quantity.part.by_siblings": gettext_noop(
            ", %(quantity)s taken by other lines of this document"
        ),
        "match.quantity.part.left": gettext_noop("%(matched)s matched and %(missing)s not"),
        "match.quantity.part.received": gettext_noop("received %(received)s"),
        "match.quantity.part.received_returned": gettext_noop(
            "received %(received)s (%(accepted)s accepted, %(returned)s returned)"
        ),
        "match.quantity.share": gettext_noop("%(missing)s not matched"),
        "match.quantity.share.percent": gettext_noop(
            "%(missing)s not matched is %(percent)s of the %(matched)s matched"
        ),
        "match.quantity.nothing": gettext_noop(
            "%(situation)s Nothing could be matched, so this line is an exception (rule: %(rule)s)."
        ),
        "match.quantity.within": gettext_noop(
            "%(situation)s The %(share)s; the policy (version %(version)s) allows %(limit)s, so this is accepted "
            "within tolerance and the %(missing)s stays unallocated (rule: %(rule)s)."
        ),
        "match.quantity.within.facts": gettext_noop("%(situation)s The %(share)s."),
        "match.quantity.exception": gettext_noop(
            "%(situation)s The %(share)s; the policy (version %(version)s) allows %(limit)s, so this line is an "
            "exception (rule: %(rule)s)."
        ),
        "match.quantity.exception.facts": gettext_noop("%(situation)s The %(share)s."),
        "match.rule.quantity.upper": gettext_noop("quantity upper limit"),
        "match.rule.quantity.not_more_than_received": gettext_noop("never invoice more than received"),
        "match.rule.quantity.not_more_than_ordered": gettext_noop("never invoice more than ordered"),
        "match.rule.quantity.credit_at_most_invoiced": gettext_noop(
            "a credit note releases at most what its invoice claims"
        ),
        "match.rule.quantity.credit_names_original": gettext_noop(
            "a credit note must name the invoice it corrects"
        ),
        "match.net_tax_split.line": gettext_noop(
            "The line's net %(net)s and tax %(tax)s (gross %(gross)s) split the gross differently from what the PO "
            "prices give, net %(expected_net)s and tax %(expected_tax)s (gross %(expected_gross)s): the net differs "
            "by %(difference)s because of tax rounding; this is within the tax rounding allowance of %(allowance)s "
            "per line and is not a price difference (rule: tax rounding allowance per line)."
        ),
        "match.net_tax_split.invoice": gettext_noop(
            "The invoice's net %(net)s and tax %(tax)s (gross %(gross)s) split the gross differently from what the "
            "PO prices give, net %(expected_net)s and tax %(expected_tax)s (gross %(expected_gross)s): the net "
            "differs by %(difference)s because of tax rounding; this is within the tax rounding allowance of "
            "%(allowance)s per invoice and is not a price difference (rule: tax rounding allowance per invoice)."
        ),
        "match.no_lines": gettext_noop(
            "The document has no lines, so nothing can be matched (rule: a document needs lines)."
        ),
        "match.credit_note_without_original": gettext_noop(
            "This credit note does not name the invoice it corrects, so it cannot release any quantity and is an "
            "exception (rule: a credit note must name the invoice it corrects)."
        ),
        "match.lines_do_not_add_up": gettext_noop(
            "The net total %(net_total)s differs by %(difference)s from the sum of the line amounts, "
            "%(line_sum)s, so this invoice is an exception (rule: lines must add up to the net total)."
        ),
        "match.tax_total.within": gettext_noop(
            "The tax total %(tax)s differs by %(difference)s from the sum of each line's amount × tax rate, "
            "%(expected)s; this is within the tax rounding allowance of %(allowance)s per invoice and is a "
            "rounding difference, not a price difference (rule: tax rounding allowance per invoice)."
        ),
        "match.tax_total": gettext_noop(
            "The tax total %(tax)s differs by %(difference)s from the sum of each line's amount × tax rate, "
            "%(expected)s; the tax rounding allowance is %(allowance)s per invoice, so this invoice is an "
            "exception (rule: tax rounding allowance per invoice)."
        ),
    }
)


def _t(code: str, **params) -> dict:
    return {"code": f"match.{code}", "params": params}


# ------------------------------------------------------------------------------------------- numbers


def amount(value: Decimal) -> str:
    return f"{q2(value):,.2f}"


def price(value: Decimal) -> str:
    """At least 2 decimal places, more only when the price has them."""
    exact = value.normalize()
    if exact.as_tuple().exponent >= -2:
        return amount(value)
    return f"{exact:,f}"


def quantity(value: Decimal) -> str:
    if value == 0:
        return "0"
    return f"{q6(value).normalize():,f}"


def percent(value: Decimal) -> str:
    return f"{q2(value)}%"


def rate(value: Decimal) -> str:
    return f"{(value * 100).normalize():f}%"


def _limit_text(limit: Limit, direction: Direction, unit: str, fmt) -> dict:
    """``at most +2.00% and +0.50 CNY`` (within only if within both), ``no difference`` or ``any difference``."""
    sign = "+" if direction is Direction.ABOVE else "-"
    parts = []
    if limit.percent is not None:
        parts.append(f"{sign}{percent(limit.percent)}")
    if limit.absolute is not None:
        parts.append(f"{sign}{fmt(limit.absolute)}{unit}")
    if not parts:
        return _t("limit.any")
    if limit.percent == 0 and limit.absolute == 0:
        return _t("limit.none")
    if len(parts) == 2:
        return _t("limit.at_most_both", percent=parts[0], absolute=parts[1])
    return _t("limit.at_most", limit=parts[0])


def _outcome(check: LimitCheck, scope: str) -> dict:
    if check.within:
        return _t("outcome.within")
    return _t(f"outcome.{scope}")


def _tolerance_reason(
    *,
    codes: tuple[ReasonCode, ReasonCode, ReasonCode],  # above, below, within
    measure: str,  # unit_price, line_amount, invoice_total
    subject: dict,
    against: dict,
    check: LimitCheck,
    policy: TolerancePolicy,
    unit: str,
    fmt,
    scope: str,
    line_id: str | None,
) -> Reason:
    above, below, within = codes
    words = _t(f"rule.{measure}.{'upper' if check.direction is Direction.ABOVE else 'lower'}")
    rule = english(words)
    size = f"{fmt(abs(check.difference))}{unit}"
    if check.percent is not None:
        size += f" ({percent(check.percent)})"
    text = _t(
        f"tolerance.{check.direction.value}",
        subject=subject,
        size=size,
        against=against,
        version=str(policy.version),
        limit=_limit_text(check.limit, check.direction, unit, fmt),
        outcome=_outcome(check, scope),
        rule=words,
    )
    message = english(text)
    if check.within:
        return Reason(within, TOLERATED, message, rule, line_id, text)
    return Reason(
        above if check.direction is Direction.ABOVE else below, EXCEPTION, message, rule, line_id, text
    )


# ---------------------------------------------------------------------------------------- line level


def _reason(
    code: ReasonCode, severity: Verdict, rule: str, line_id: str | None, words: str, /, **params
) -> Reason:
    """A reason whose sentence is the text ``match.<words>`` with ``params`` (English kept too)."""
    text = _t(words, **params)
    return Reason(code, severity, english(text), rule, line_id, text)


def invalid_quantity(line_id: str, value: Decimal, is_credit_note: bool) -> Reason:
    return _reason(
        ReasonCode.INVALID_QUANTITY,
        EXCEPTION,
        "line quantity",
        line_id,
        "invalid_quantity.credit_note" if is_credit_note else "invalid_quantity",
        quantity=quantity(value),
    )


def unknown_reference(line_id: str, reference: str) -> Reason:
    return _reason(
        ReasonCode.PO_LINE_REFERENCE_UNKNOWN,
        EXCEPTION,
        "PO line reference",
        line_id,
        "unknown_reference",
        reference=reference,
    )


def paired_with_open_quantity(line_id: str, chosen: str, open_quantity: Decimal, passed: list[str]) -> Reason:
    return _reason(
        ReasonCode.PAIRED_WITH_OPEN_QUANTITY,
        Verdict.MATCHED,
        "pairing prefers open quantity",
        line_id,
        "paired_with_open_quantity",
        chosen=chosen,
        open=quantity(open_quantity),
        passed=", ".join(passed),
    )


def split_across_po_lines(line_id: str, pieces: list[tuple[str, Decimal, Decimal]]) -> Reason:
    """``pieces``: (PO line label, quantity allocated on it, its PO price)."""
    parts = [
        _t("on_po_line_at", quantity=quantity(q), po_line=label, price=price(p)) for label, q, p in pieces
    ]
    return _reason(
        ReasonCode.SPLIT_ACROSS_PO_LINES,
        Verdict.MATCHED,
        "allocation across PO lines",
        line_id,
        "split_across_po_lines",
        parts=joined(parts, ", "),
    )


def no_po_line(line_id: str, item_code: str | None, name: str) -> Reason:
    if item_code and name:
        words, params = "no_po_line.code_or_name", {"item_code": item_code, "name": name}
    elif item_code:
        words, params = "no_po_line.code", {"item_code": item_code}
    elif name:
        words, params = "no_po_line.name", {"name": name}
    else:
        words, params = "no_po_line", {}
    return _reason(ReasonCode.NO_PO_LINE, EXCEPTION, "PO line pairing", line_id, words, **params)


def currency_mismatch(line_id: str, invoice_currency: str, po_currency: str, po_display: str) -> Reason:
    return _reason(
        ReasonCode.CURRENCY_MISMATCH,
        EXCEPTION,
        "same currency as the PO",
        line_id,
        "currency_mismatch",
        invoice_currency=invoice_currency,
        po_line=po_display,
        po_currency=po_currency,
    )


def tax_rate_mismatch(line_id: str, invoiced: Decimal, ordered: Decimal, po_display: str) -> Reason:
    return _reason(
        ReasonCode.TAX_RATE_MISMATCH,
        EXCEPTION,
        "tax rate must equal the PO's",
        line_id,
        "tax_rate_mismatch",
        invoiced=rate(invoiced),
        ordered=rate(ordered),
        po_line=po_display,
    )


def quantity_situation(kind: str, **params) -> dict:
    """What could be matched of a line's quantity, as a text (``match.quantity.situation.<kind>``):
    ``credit_without_original``, ``credit_exceeds``, ``two_way`` or ``three_way``. Figures that
    only some situations have (``already``, ``by_siblings``, ``returned``) are parts of their own."""
    return _t(f"quantity.situation.{kind}", **params)


def quantity_part(kind: str, **params) -> dict:
    """A piece of a quantity situation: ``already``, ``by_siblings``, ``left``, ``received``,
    ``received_returned`` (rendered with the sentence), or an empty piece."""
    return _t(f"quantity.part.{kind}", **params)


_NOTHING_RULES = {
    ReasonCode.QUANTITY_NOT_ORDERED: "not_more_than_ordered",
    ReasonCode.CREDIT_EXCEEDS_INVOICED: "credit_at_most_invoiced",
    ReasonCode.CREDIT_NOTE_WITHOUT_ORIGINAL: "credit_names_original",
}


def quantity_shortfall(
    *,
    code: ReasonCode,
    line_id: str,
    invoiced: Decimal,
    matched: Decimal,
    situation: dict,
    check: LimitCheck | None,
    policy: TolerancePolicy,
) -> Reason:
    """``situation`` (a text, :func:`quantity_situation`) explains what could be matched; ``check``
    is None when nothing could be."""
    missing = invoiced - matched
    if check is None:
        words = _t(f"rule.quantity.{_NOTHING_RULES.get(code, 'not_more_than_received')}")
        return _reason(
            code, EXCEPTION, english(words), line_id, "quantity.nothing", situation=situation, rule=words
        )
    words = _t("rule.quantity.upper")
    if check.percent is not None:
        share = _t(
            "quantity.share.percent",
            missing=quantity(missing),
            percent=percent(check.percent),
            matched=quantity(matched),
        )
    else:
        share = _t("quantity.share", missing=quantity(missing))
    params = {
        "situation": situation,
        "share": share,
        "version": str(policy.version),
        "limit": _limit_text(check.limit, Direction.ABOVE, "", quantity),
        "missing": quantity(missing),
        "rule": words,
    }
    if check.within:
        return _reason(
            ReasonCode.QUANTITY_WITHIN_TOLERANCE,
            TOLERATED,
            english(words),
            line_id,
            "quantity.within",
            **params,
        )
    return _reason(code, EXCEPTION, english(words), line_id, "quantity.exception", **params)


def price_variance(
    line_id: str,
    check: LimitCheck,
    invoiced: Decimal,
    ordered: Decimal,
    po_display: str,
    currency: str,
    policy,
) -> Reason:
    return _tolerance_reason(
        codes=(
            ReasonCode.PRICE_ABOVE_TOLERANCE,
            ReasonCode.PRICE_BELOW_TOLERANCE,
            ReasonCode.PRICE_WITHIN_TOLERANCE,
        ),
        measure="unit_price",
        subject=_t("subject.unit_price", price=price(invoiced)),
        against=_t("against.po_price", price=price(ordered), po_line=po_display),
        check=check,
        policy=policy,
        unit=f" {currency}",
        fmt=price,
        scope="line",
        line_id=line_id,
    )


def amount_variance(
    line_id: str,
    check: LimitCheck,
    invoiced: Decimal,
    priced: list[tuple[Decimal, Decimal]],
    currency: str,
    policy,
) -> Reason:
    """``priced``: (matched quantity, PO price) per PO line the line was allocated to."""
    products = " + ".join(f"{quantity(q)} × {price(p)}" for q, p in priced)
    return _tolerance_reason(
        codes=(
            ReasonCode.AMOUNT_ABOVE_TOLERANCE,
            ReasonCode.AMOUNT_BELOW_TOLERANCE,
            ReasonCode.AMOUNT_WITHIN_TOLERANCE,
        ),
        measure="line_amount",
        subject=_t("subject.line_amount", amount=amount(invoiced)),
        against=(
            _t(
                "against.matched_at_po_price",
                quantity=quantity(priced[0][0]),
                price=price(priced[0][1]),
                expected=amount(check.expected),
            )
            if len(priced) == 1
            else _t("against.matched_at_po_prices", products=products, expected=amount(check.expected))
        ),
        check=check,
        policy=policy,
        unit=f" {currency}",
        fmt=amount,
        scope="line",
        line_id=line_id,
    )


def tax_amount(
    line_id: str, tax: Decimal, line_amount: Decimal, tax_rate: Decimal, allowance: Decimal
) -> Reason:
    expected = q2(line_amount * tax_rate)
    difference = tax - expected
    params = {
        "tax": amount(tax),
        "difference": amount(abs(difference)),
        "rate": rate(tax_rate),
        "line_amount": amount(line_amount),
        "expected": amount(expected),
        "allowance": amount(allowance),
    }
    rule = "tax rounding allowance per line"
    if abs(difference) <= allowance:
        return _reason(
            ReasonCode.TAX_ROUNDING_WITHIN_ALLOWANCE, TOLERATED, rule, line_id, "tax_amount.within", **params
        )
    return _reason(ReasonCode.TAX_AMOUNT_MISMATCH, EXCEPTION, rule, line_id, "tax_amount", **params)


def net_tax_split(
    *,
    line_id: str | None,
    net: Decimal,
    tax: Decimal,
    expected_net: Decimal,
    expected_tax: Decimal,
    allowance: Decimal,
    per: str,
) -> Reason:
    """Net and tax moved in opposite directions by a rounding amount: the same gross split differently."""
    scope = "line" if per == "line" else "invoice"
    code = (
        ReasonCode.TAX_ROUNDING_WITHIN_ALLOWANCE
        if per == "line"
        else ReasonCode.TAX_TOTAL_ROUNDING_WITHIN_ALLOWANCE
    )
    return _reason(
        code,
        TOLERATED,
        f"tax rounding allowance per {scope}",
        line_id,
        f"net_tax_split.{scope}",
        net=amount(net),
        tax=amount(tax),
        gross=amount(net + tax),
        expected_net=amount(expected_net),
        expected_tax=amount(expected_tax),
        expected_gross=amount(expected_net + expected_tax),
        difference=amount(abs(net - expected_net)),
        allowance=amount(allowance),
    )


# ------------------------------------------------------------------------------------- invoice level


def no_lines() -> Reason:
    return _reason(ReasonCode.NO_LINES, EXCEPTION, "a document needs lines", None, "no_lines")


def credit_note_without_original() -> Reason:
    rule = "a credit note must name the invoice it corrects"
    return _reason(
        ReasonCode.CREDIT_NOTE_WITHOUT_ORIGINAL, EXCEPTION, rule, None, "credit_note_without_original"
    )


def lines_do_not_add_up(net_total: Decimal, line_sum: Decimal) -> Reason:
    rule = "lines must add up to the net total"
    return _reason(
        ReasonCode.LINES_DO_NOT_ADD_UP,
        EXCEPTION,
        rule,
        None,
        "lines_do_not_add_up",
        net_total=amount(net_total),
        difference=amount(abs(net_total - line_sum)),
        line_sum=amount(line_sum),
    )


def tax_total(tax: Decimal, expected: Decimal, allowance: Decimal) -> Reason:
    rule = "tax rounding allowance per invoice"
    params = {
        "tax": amount(tax),
        "difference": amount(abs(tax - expected)),
        "expected": amount(expected),
        "allowance": amount(allowance),
    }
    if abs(tax - expected) <= allowance:
        return _reason(
            ReasonCode.TAX_TOTAL_ROUNDING_WITHIN_ALLOWANCE,
            TOLERATED,
            rule,
            None,
            "tax_total.within",
            **params,
        )
    return _reason(ReasonCode.TAX_TOTAL_MISMATCH, EXCEPTION, rule, None, "tax_total", **params)


def invoice_total(check: LimitCheck, net_total: Decimal, currency: str, policy: TolerancePolicy) -> Reason:
    return _tolerance_reason(
        codes=(
            ReasonCode.INVOICE_TOTAL_ABOVE_TOLERANCE,
            ReasonCode.INVOICE_TOTAL_BELOW_TOLERANCE,
            ReasonCode.INVOICE_TOTAL_WITHIN_TOLERANCE,
        ),
        measure="invoice_total",
        subject=_t("subject.net_total", amount=amount(net_total)),
        against=_t("against.matched_total", expected=amount(check.expected)),
        check=check,
        policy=policy,
        unit=f" {currency}",
        fmt=amount,
        scope="invoice",
        line_id=None,
    )
