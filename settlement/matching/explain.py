"""Reasons in words a finance user understands: each cites the numbers and the rule applied."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_noop as N_

from core.money import q2, q6
from core.texts import english, register

from .model import Reason, ReasonCode, Verdict
from .tolerance import Direction, Limit, LimitCheck, TolerancePolicy

EXCEPTION = Verdict.EXCEPTION
TOLERATED = Verdict.MATCHED_WITHIN_TOLERANCE

# The words of the tolerance reasons (core.texts): stored with each reason as a code and its
# figures, read in the reader's language; the ``.facts`` variants are what a supplier reads
# (the facts without the buyer's tolerance settings).
TEXTS = register(
    {
        "match.tolerance.above": N_(
            "%(subject)s is %(size)s above %(against)s; the policy (version %(version)s) allows %(limit)s, "
            "%(outcome)s (rule: %(rule)s)."
        ),
        "match.tolerance.below": N_(
            "%(subject)s is %(size)s below %(against)s; the policy (version %(version)s) allows %(limit)s, "
            "%(outcome)s (rule: %(rule)s)."
        ),
        "match.tolerance.above.facts": N_("%(subject)s is %(size)s above %(against)s."),
        "match.tolerance.below.facts": N_("%(subject)s is %(size)s below %(against)s."),
        "match.subject.unit_price": N_("Unit price %(price)s"),
        "match.subject.line_amount": N_("Line amount %(amount)s"),
        "match.subject.net_total": N_("The net total %(amount)s"),
        "match.against.po_price": N_("the PO price %(price)s of PO line %(po_line)s"),
        "match.against.matched_at_po_price": N_(
            "the matched quantity at the PO price, %(quantity)s × %(price)s = %(expected)s"
        ),
        "match.against.matched_total": N_("the matched quantities at PO prices, %(expected)s"),
        "match.limit.at_most": N_("at most %(limit)s"),
        "match.limit.at_most_both": N_("at most %(percent)s and %(absolute)s"),
        "match.limit.none": N_("no difference"),
        "match.limit.any": N_("any difference"),
        "match.outcome.within": N_("so this is accepted within tolerance"),
        "match.outcome.line": N_("so this line is an exception"),
        "match.outcome.invoice": N_("so this invoice is an exception"),
        "match.rule.unit_price.upper": N_("unit price upper limit"),
        "match.rule.unit_price.lower": N_("unit price lower limit"),
        "match.rule.line_amount.upper": N_("line amount upper limit"),
        "match.rule.line_amount.lower": N_("line amount lower limit"),
        "match.rule.invoice_total.upper": N_("invoice total upper limit"),
        "match.rule.invoice_total.lower": N_("invoice total lower limit"),
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


def invalid_quantity(line_id: str, value: Decimal, is_credit_note: bool) -> Reason:
    wanted = "a non-zero quantity" if is_credit_note else "a positive quantity"
    return Reason(
        ReasonCode.INVALID_QUANTITY,
        EXCEPTION,
        f"Quantity {quantity(value)} is not {wanted}, so nothing can be matched and this line is an "
        f"exception (rule: every line needs {wanted}).",
        "line quantity",
        line_id,
    )


def unknown_reference(line_id: str, reference: str) -> Reason:
    return Reason(
        ReasonCode.PO_LINE_REFERENCE_UNKNOWN,
        EXCEPTION,
        f"The line refers to PO line {reference}, which is not among the PO lines being matched, so this "
        f"line is an exception (rule: a PO line reference must exist).",
        "PO line reference",
        line_id,
    )


def paired_with_open_quantity(line_id: str, chosen: str, open_quantity: Decimal, passed: list[str]) -> Reason:
    return Reason(
        ReasonCode.PAIRED_WITH_OPEN_QUANTITY,
        Verdict.MATCHED,
        f"Paired with PO line {chosen}, which has {quantity(open_quantity)} open to invoice, rather than "
        f"PO line {', '.join(passed)} of the same item, which has nothing open (nothing received, or all of "
        f"it already invoiced) (rule: without a PO line reference, a line with open quantity is preferred).",
        "pairing prefers open quantity",
        line_id,
    )


def split_across_po_lines(line_id: str, pieces: list[tuple[str, Decimal]]) -> Reason:
    parts = ", ".join(f"{quantity(q)} on PO line {label}" for label, q in pieces)
    return Reason(
        ReasonCode.SPLIT_ACROSS_PO_LINES,
        Verdict.MATCHED,
        f"The line's quantity was allocated across PO lines of the same item at the same price: {parts} "
        f"(rule: one invoice line may cover several PO lines of the same item).",
        "allocation across PO lines",
        line_id,
    )


def no_po_line(line_id: str, item_code: str | None, name: str) -> Reason:
    described = []
    if item_code:
        described.append(f"item code {item_code}")
    if name:
        described.append(f"name “{name}”")
    what = " or ".join(described) if described else "an item code or name"
    return Reason(
        ReasonCode.NO_PO_LINE,
        EXCEPTION,
        f"No PO line has this line's {what}, so it cannot be matched and this line is an exception "
        f"(rule: every invoice line needs a PO line).",
        "PO line pairing",
        line_id,
    )


def currency_mismatch(line_id: str, invoice_currency: str, po_currency: str, po_display: str) -> Reason:
    return Reason(
        ReasonCode.CURRENCY_MISMATCH,
        EXCEPTION,
        f"The invoice is in {invoice_currency} but PO line {po_display} is in {po_currency}; prices in "
        f"different currencies are not compared, so this line is an exception (rule: same currency as the PO).",
        "same currency as the PO",
        line_id,
    )


def tax_rate_mismatch(line_id: str, invoiced: Decimal, ordered: Decimal, po_display: str) -> Reason:
    return Reason(
        ReasonCode.TAX_RATE_MISMATCH,
        EXCEPTION,
        f"Tax rate {rate(invoiced)} differs from the rate {rate(ordered)} on PO line {po_display}, so this "
        f"line is an exception (rule: tax rate must equal the PO's).",
        "tax rate must equal the PO's",
        line_id,
    )


def quantity_shortfall(
    *,
    code: ReasonCode,
    line_id: str,
    invoiced: Decimal,
    matched: Decimal,
    situation: str,
    check: LimitCheck | None,
    policy: TolerancePolicy,
) -> Reason:
    """``situation`` explains what could be matched; ``check`` is None when nothing could be."""
    missing = invoiced - matched
    if check is None:
        rule = {
            ReasonCode.QUANTITY_NOT_ORDERED: "never invoice more than ordered",
            ReasonCode.CREDIT_EXCEEDS_INVOICED: "a credit note releases at most what its invoice claims",
            ReasonCode.CREDIT_NOTE_WITHOUT_ORIGINAL: "a credit note must name the invoice it corrects",
        }.get(code, "never invoice more than received")
        outcome = f"Nothing could be matched, so this line is an exception (rule: {rule})."
        return Reason(code, EXCEPTION, f"{situation} {outcome}", rule, line_id)
    rule = "quantity upper limit"
    share = f"{quantity(missing)} not matched"
    if check.percent is not None:
        share += f" is {percent(check.percent)} of the {quantity(matched)} matched"
    allowed = english(_limit_text(check.limit, Direction.ABOVE, "", quantity))
    if check.within:
        outcome = (
            f"The {share}; the policy (version {policy.version}) allows {allowed}, so this is accepted within "
            f"tolerance and the {quantity(missing)} stays unallocated (rule: {rule})."
        )
        return Reason(
            ReasonCode.QUANTITY_WITHIN_TOLERANCE, TOLERATED, f"{situation} {outcome}", rule, line_id
        )
    outcome = (
        f"The {share}; the policy (version {policy.version}) allows {allowed}, so this line is an exception "
        f"(rule: {rule})."
    )
    return Reason(code, EXCEPTION, f"{situation} {outcome}", rule, line_id)


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
    matched: Decimal,
    ordered_price: Decimal,
    currency: str,
    policy,
) -> Reason:
    return _tolerance_reason(
        codes=(
            ReasonCode.AMOUNT_ABOVE_TOLERANCE,
            ReasonCode.AMOUNT_BELOW_TOLERANCE,
            ReasonCode.AMOUNT_WITHIN_TOLERANCE,
        ),
        measure="line_amount",
        subject=_t("subject.line_amount", amount=amount(invoiced)),
        against=_t(
            "against.matched_at_po_price",
            quantity=quantity(matched),
            price=price(ordered_price),
            expected=amount(check.expected),
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
    facts = (
        f"Tax {amount(tax)} differs by {amount(abs(difference))} from {rate(tax_rate)} of the line amount "
        f"{amount(line_amount)}, which is {amount(expected)}"
    )
    rule = "tax rounding allowance per line"
    if abs(difference) <= allowance:
        return Reason(
            ReasonCode.TAX_ROUNDING_WITHIN_ALLOWANCE,
            TOLERATED,
            f"{facts}; this is within the tax rounding allowance of {amount(allowance)} per line and is a "
            f"rounding difference, not a price difference (rule: {rule}).",
            rule,
            line_id,
        )
    return Reason(
        ReasonCode.TAX_AMOUNT_MISMATCH,
        EXCEPTION,
        f"{facts}; the tax rounding allowance is {amount(allowance)} per line, so this line is an exception "
        f"(rule: {rule}).",
        rule,
        line_id,
    )


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
    rule = f"tax rounding allowance per {per}"
    message = (
        f"The {scope}'s net {amount(net)} and tax {amount(tax)} (gross {amount(net + tax)}) split the gross "
        f"differently from what the PO prices give, net {amount(expected_net)} and tax {amount(expected_tax)} "
        f"(gross {amount(expected_net + expected_tax)}): the net differs by {amount(abs(net - expected_net))} "
        f"because of tax rounding; this is within the tax rounding allowance of {amount(allowance)} per {per} "
        f"and is not a price difference (rule: {rule})."
    )
    return Reason(code, TOLERATED, message, rule, line_id)


# ------------------------------------------------------------------------------------- invoice level


def no_lines() -> Reason:
    return Reason(
        ReasonCode.NO_LINES,
        EXCEPTION,
        "The document has no lines, so nothing can be matched (rule: a document needs lines).",
        "a document needs lines",
    )


def credit_note_without_original() -> Reason:
    rule = "a credit note must name the invoice it corrects"
    return Reason(
        ReasonCode.CREDIT_NOTE_WITHOUT_ORIGINAL,
        EXCEPTION,
        "This credit note does not name the invoice it corrects, so it cannot release any quantity and is "
        f"an exception (rule: {rule}).",
        rule,
    )


def lines_do_not_add_up(net_total: Decimal, line_sum: Decimal) -> Reason:
    rule = "lines must add up to the net total"
    return Reason(
        ReasonCode.LINES_DO_NOT_ADD_UP,
        EXCEPTION,
        f"The net total {amount(net_total)} differs by {amount(abs(net_total - line_sum))} from the sum of the "
        f"line amounts, {amount(line_sum)}, so this invoice is an exception (rule: {rule}).",
        rule,
    )


def tax_total(tax: Decimal, expected: Decimal, allowance: Decimal) -> Reason:
    rule = "tax rounding allowance per invoice"
    facts = (
        f"The tax total {amount(tax)} differs by {amount(abs(tax - expected))} from the sum of each line's "
        f"amount × tax rate, {amount(expected)}"
    )
    if abs(tax - expected) <= allowance:
        return Reason(
            ReasonCode.TAX_TOTAL_ROUNDING_WITHIN_ALLOWANCE,
            TOLERATED,
            f"{facts}; this is within the tax rounding allowance of {amount(allowance)} per invoice and is a "
            f"rounding difference, not a price difference (rule: {rule}).",
            rule,
        )
    return Reason(
        ReasonCode.TAX_TOTAL_MISMATCH,
        EXCEPTION,
        f"{facts}; the tax rounding allowance is {amount(allowance)} per invoice, so this invoice is an "
        f"exception (rule: {rule}).",
        rule,
    )


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
