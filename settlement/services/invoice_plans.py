"""Invoice plans (开票计划) of statement-first settlement.

When the supplier confirms a statement-first statement, ``invoice_plan_issue`` records whom to
bill (the legal entity's name and tax id) and, per tax rate, the net and tax amounts of the
statement's receipt lines. Invoices the supplier then uploads are offered to the open plans by
``invoice_plan_claim`` before three-way matching (settlement.services.matching calls it first).

The tax-rounding allowance: an invoice may compute tax on a different grouping of lines than the
plan (one line per rate instead of one per receipt), so per tax rate its net and tax may exceed
what is left on the plan by at most ``INVOICE_PLAN_ROUNDING_ALLOWANCE`` (a Django setting,
default 0.05 per rate; the value in force is copied onto each plan when issued). A plan is fully
invoiced when, for every rate, less than the allowance is left to invoice.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.money import q2
from core.services import transition_locked
from core.texts import register, text
from invoicing.models import Invoice, InvoiceState
from invoicing.validation import comparable_tax_id

from ..models import (
    InvoicePlan,
    InvoicePlanRate,
    Statement,
    StatementKind,
    StatementLine,
    StatementLineKind,
    StatementState,
    rate_label,
)

DEFAULT_ALLOWANCE = Decimal("0.05")
RATE_PLACES = Decimal("0.0001")


register({"invoice_plan.fulfilled": gettext_noop("Invoice plan fully invoiced with invoice %(number)s.")})


def plan_allowance() -> Decimal:
    return q2(Decimal(str(getattr(settings, "INVOICE_PLAN_ROUNDING_ALLOWANCE", DEFAULT_ALLOWANCE))))


def rate_key(rate) -> Decimal | None:
    """One key per tax rate whatever its written precision (0.13 == 0.1300); None = exempt."""
    return None if rate is None else Decimal(rate).quantize(RATE_PLACES)


def invoice_plan_issue(statement: Statement) -> InvoicePlan:
    """Issue the plan of a statement-first statement the caller has locked (on confirmation)."""
    sums: dict = defaultdict(lambda: [Decimal("0"), Decimal("0")])
    for line in statement.lines.filter(kind=StatementLineKind.RECEIPT, is_live=True):
        entry = sums[rate_key(line.tax_rate)]
        entry[0] += line.net
        entry[1] += line.tax
    entity = statement.legal_entity
    plan = InvoicePlan.objects.create(
        statement=statement,
        supplier_id=statement.supplier_id,
        legal_entity=entity,
        buyer_name=entity.name,
        buyer_tax_id=entity.tax_id.strip().upper(),
        currency=statement.currency,
        allowance=plan_allowance(),
    )
    InvoicePlanRate.objects.bulk_create(
        InvoicePlanRate(plan=plan, tax_rate=rate, net=q2(net), tax=q2(tax))
        for rate, (net, tax) in sorted(sums.items(), key=lambda kv: (kv[0] is None, kv[0]))
        if net or tax
    )
    return plan


def invoice_amounts_per_rate(invoice: Invoice) -> dict[Decimal | None, tuple[Decimal, Decimal]]:
    rows = invoice.lines.values("tax_rate").annotate(net=Sum("net"), tax=Sum("tax"))
    out: dict = defaultdict(lambda: (Decimal("0"), Decimal("0")))
    for row in rows:
        key = rate_key(row["tax_rate"])
        net, tax = out[key]
        out[key] = (net + (row["net"] or 0), tax + (row["tax"] or 0))
    return dict(out)


def plan_fit(amounts: dict, rates: dict, allowance: Decimal) -> str:
    """Why an invoice's per-rate amounts do not fit what is left on a plan ('' when they do)."""
    for key, (net, tax) in sorted(amounts.items(), key=lambda kv: (kv[0] is None, kv[0])):
        rate = rates.get(key)
        if rate is None:
            return f"the plan has no {rate_label(key)} amounts"
        if net > rate.remaining_net + allowance:
            return (
                f"{rate_label(key)} net {net} exceeds the {rate.remaining_net} left (allowance {allowance})"
            )
        if tax > rate.remaining_tax + allowance:
            return (
                f"{rate_label(key)} tax {tax} exceeds the {rate.remaining_tax} left (allowance {allowance})"
            )
    return ""


def plan_is_fulfilled(plan: InvoicePlan, rates) -> bool:
    return all(
        rate.remaining_net <= plan.allowance and rate.remaining_tax <= plan.allowance for rate in rates
    )


def invoice_plan_claim(invoice, *, locked: bool = False) -> bool:
    """Attach a freshly validated invoice to an open invoice plan of its supplier, if it was issued
    against one. Returns True when a plan took it (then it is not three-way matched).

    A plan takes an invoice (not a credit note) of its supplier whose buyer tax id is the plan's and
    whose net and tax per tax rate fit what is left on the plan within the allowance; the oldest
    open plan that fits wins. The invoice is then matched, approved and scheduled (no person, the
    reason names the statement) and listed on the statement; the statement becomes ``invoiced``
    when its plan is fully invoiced. An invoice that overshoots every plan is left alone (False).
    ``locked``: the caller holds ``invoice`` locked and fresh (the match task), so it is not read again.
    """
    if locked and (invoice.is_credit_note or not comparable_tax_id(invoice.buyer_tax_id)):
        return False  # the common case for the match task: nothing to read
    # the match task's transaction is the caller's: no savepoint of its own (a failure undoes the task)
    with transaction.atomic(savepoint=not locked):
        locked = invoice if locked else Invoice.objects.select_for_update().filter(pk=invoice.pk).first()
        if locked is None or locked.state != InvoiceState.VALIDATED or locked.is_credit_note:
            return False
        buyer_tax_id = comparable_tax_id(locked.buyer_tax_id)
        plans = list(
            InvoicePlan.objects.select_for_update()
            .select_related("statement")
            .filter(
                supplier_id=locked.supplier_id,
                buyer_tax_id=buyer_tax_id,
                fulfilled_at__isnull=True,
                statement__state=StatementState.CONFIRMED,
                statement__kind=StatementKind.STATEMENT_FIRST,
            )
            .order_by("issued_at", "id")
        )
        if not plans or not buyer_tax_id:  # the common case: no open plan, one query
            return False
        amounts = invoice_amounts_per_rate(locked)
        gross = sum((net + tax for net, tax in amounts.values()), Decimal("0"))
        if not amounts or gross <= 0:
            return False
        for plan in plans:
            if locked.currency and locked.currency != plan.currency:
                continue
            rates = {rate_key(r.tax_rate): r for r in plan.rates.select_for_update().order_by("id")}
            if plan_fit(amounts, rates, plan.allowance):
                continue
            _claim(locked, plan, rates, amounts)
            break
        else:
            return False
    if locked is not invoice and hasattr(invoice, "refresh_from_db"):
        invoice.refresh_from_db()
    return True


def _claim(invoice: Invoice, plan: InvoicePlan, rates: dict, amounts: dict) -> None:
    statement = plan.statement
    reason = f"Claimed by the invoice plan of statement {statement.number} (buyer tax id and amounts per rate fit)."
    for name in ("match", "approve", "schedule"):
        transition_locked(invoice, name, actor=None, reason=reason)
    for key, (net, tax) in amounts.items():
        rate = rates[key]
        rate.invoiced_net = q2(rate.invoiced_net + net)
        rate.invoiced_tax = q2(rate.invoiced_tax + tax)
        rate.save(update_fields=["invoiced_net", "invoiced_tax"])
    net = q2(sum((n for n, _ in amounts.values()), Decimal("0")))
    tax = q2(sum((t for _, t in amounts.values()), Decimal("0")))
    StatementLine.objects.create(
        statement=statement,
        kind=StatementLineKind.PLAN_INVOICE,
        invoice=invoice,
        reference=invoice.invoice_number,
        description=invoice.seller_name[:300],
        date=invoice.issue_date,
        tax_rate=next(iter(amounts)) if len(amounts) == 1 else None,
        net=net,
        tax=tax,
        gross=net + tax,
    )
    if plan_is_fulfilled(plan, rates.values()):
        plan.fulfilled_at = timezone.now()
        plan.save(update_fields=["fulfilled_at"])
        transition_locked(
            statement,
            "mark_invoiced",
            actor=None,
            reason=text("invoice_plan.fulfilled", number=invoice.invoice_number),
        )
