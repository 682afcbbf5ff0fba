"""Reads of statements, invoice plans and payments, scoped by user.

Internal users (finance, buyers) see every statement; a supplier user sees only its own
supplier's statements, and only once they have been sent to it (drafts are finance's work).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext

from core.errors import NotFound
from core.listing import csv_cell
from invoicing.models import Invoice, InvoiceState
from suppliers.selectors import supplier_id_for

from ..models import (
    InvoicePlan,
    Payment,
    Statement,
    StatementKind,
    StatementLine,
    StatementLineKind,
    StatementState,
)


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def statement_list(user) -> QuerySet[Statement]:
    qs = Statement.objects.select_related("supplier", "legal_entity")
    if not _active(user):
        return qs.none()
    if user.is_internal:
        return qs
    supplier_id = supplier_id_for(user)
    if supplier_id is None:
        return qs.none()
    return qs.filter(supplier_id=supplier_id, sent_at__isnull=False)


def statement_filter(
    qs: QuerySet[Statement],
    *,
    state: str = "",
    kind: str = "",
    supplier_id: int | None = None,
    legal_entity_id: int | None = None,
    q: str = "",
) -> QuerySet[Statement]:
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if supplier_id:
        qs = qs.filter(supplier_id=supplier_id)
    if legal_entity_id:
        qs = qs.filter(legal_entity_id=legal_entity_id)
    if q:
        qs = qs.filter(number__icontains=q.strip())
    return qs


def statement_get(user, statement_id: int) -> Statement:
    statement = statement_list(user).filter(pk=statement_id).first()
    if statement is None:
        raise NotFound(gettext("Statement %(statement_id)s not found.") % {"statement_id": statement_id})
    return statement


def statement_lines(statement: Statement) -> QuerySet[StatementLine]:
    """Lines of a statement the caller may see (settled lines first, then plan invoices)."""
    return statement.lines.select_related("invoice", "receipt_line").order_by("id")


def statements_to_confirm(user) -> QuerySet[Statement]:
    if not (_active(user) and user.is_supplier_user):
        return Statement.objects.none()
    return statement_list(user).filter(state=StatementState.SENT).order_by("sent_at")


def statements_to_approve(user) -> QuerySet[Statement]:
    """Finance's queue: confirmed invoice-first and fully invoiced statement-first statements, but
    not those the user prepared (four eyes: another finance user approves them)."""
    if not (_active(user) and (user.is_finance or user.is_superuser)):
        return Statement.objects.none()
    return (
        statement_list(user)
        .filter(state__in=[StatementState.CONFIRMED, StatementState.INVOICED])
        .exclude(state=StatementState.CONFIRMED, kind=StatementKind.STATEMENT_FIRST)
        .exclude(created_by=user)
        .order_by("created_at")
    )


def statements_to_pay(user) -> QuerySet[Statement]:
    if not (_active(user) and (user.is_finance or user.is_superuser)):
        return Statement.objects.none()
    return statement_list(user).filter(state=StatementState.APPROVED).order_by("created_at")


def statements_disputed(user) -> QuerySet[Statement]:
    if not (_active(user) and (user.is_finance or user.is_superuser)):
        return Statement.objects.none()
    return statement_list(user).filter(state=StatementState.DISPUTED).order_by("created_at")


def invoices_addable(statement: Statement) -> QuerySet[Invoice]:
    """Approved invoices and credit notes that could go into a draft invoice-first statement
    (any issue date: finance may add one from outside the period)."""
    if statement.kind != StatementKind.INVOICE_FIRST or statement.state != StatementState.DRAFT:
        return Invoice.objects.none()
    return Invoice.objects.filter(
        supplier_id=statement.supplier_id,
        legal_entity_id=statement.legal_entity_id,
        state=InvoiceState.APPROVED,
    ).order_by("issue_date", "id")


def invoice_plan_get(user, statement_id: int) -> InvoicePlan:
    statement = statement_get(user, statement_id)
    plan = InvoicePlan.objects.filter(statement=statement).select_related("statement", "legal_entity").first()
    if plan is None:
        raise NotFound(gettext("Statement %(number)s has no invoice plan.") % {"number": statement.number})
    return plan


def invoice_plan_lines(plan: InvoicePlan) -> QuerySet[StatementLine]:
    return plan.statement.lines.filter(kind=StatementLineKind.RECEIPT, is_live=True).order_by("id")


def invoice_plan_invoices(plan: InvoicePlan) -> QuerySet[StatementLine]:
    return plan.statement.lines.filter(kind=StatementLineKind.PLAN_INVOICE, is_live=True).order_by("id")


def _plain(value) -> str:
    return "" if value is None else f"{value.normalize():f}"


def invoice_plan_csv(plan: InvoicePlan) -> str:
    """The plan as CSV for the supplier's invoicing software: header rows, then one row per
    tax rate (what to invoice) and one per line."""
    out = io.StringIO()
    writer = csv.writer(out)
    statement = plan.statement
    writer.writerow(["statement", csv_cell(statement.number)])
    writer.writerow(["bill_to", csv_cell(plan.buyer_name)])
    writer.writerow(["buyer_tax_id", csv_cell(plan.buyer_tax_id)])
    writer.writerow(["currency", plan.currency])
    writer.writerow(["rounding_allowance_per_rate", plan.allowance])
    writer.writerow([])
    writer.writerow(["tax_rate", "net", "tax", "gross", "invoiced_net", "invoiced_tax"])
    for rate in plan.rates.all():
        writer.writerow(
            [
                "exempt" if rate.tax_rate is None else _plain(rate.tax_rate),
                rate.net,
                rate.tax,
                rate.gross,
                rate.invoiced_net,
                rate.invoiced_tax,
            ]
        )
    writer.writerow([])
    writer.writerow(
        ["reference", "description", "date", "quantity", "unit_price", "tax_rate", "net", "tax", "gross"]
    )
    for line in invoice_plan_lines(plan):
        writer.writerow(
            [
                csv_cell(line.reference),
                csv_cell(line.description),
                line.date,
                _plain(line.quantity),
                _plain(line.unit_price),
                "exempt" if line.tax_rate is None else _plain(line.tax_rate),
                line.net,
                line.tax,
                line.gross,
            ]
        )
    return out.getvalue()


def payment_list(user) -> QuerySet[Payment]:
    qs = Payment.objects.select_related("statement", "supplier", "recorded_by")
    if not _active(user):
        return qs.none()
    if user.is_internal:
        return qs
    supplier_id = supplier_id_for(user)
    return qs.filter(supplier_id=supplier_id) if supplier_id else qs.none()


def payment_for(user, statement_id: int) -> Payment:
    statement = statement_get(user, statement_id)
    payment = payment_list(user).filter(statement=statement).first()
    if payment is None:
        raise NotFound(gettext("Statement %(number)s has no payment.") % {"number": statement.number})
    return payment


# --- credit notes and the supplier balance ------------------------------------------------------

CREDIT_NOTE_WAITING = "waiting"  # its original is not payable yet: the credit note waits with it
CREDIT_NOTE_OWED = "owed"  # its original was paid: the supplier owes the amount back
CREDIT_NOTE_ON_STATEMENT = "on_statement"
CREDIT_NOTE_VOID = "original_void"  # its original was rejected, cancelled or credited: nothing to settle


def credit_note_status(credit_note: Invoice) -> str:
    original = credit_note.corrects
    if StatementLine.objects.filter(invoice=credit_note, is_live=True).exists():
        return CREDIT_NOTE_ON_STATEMENT
    if original is None or original.state in (
        InvoiceState.REJECTED,
        InvoiceState.CANCELLED,
        InvoiceState.CREDITED,
    ):
        return CREDIT_NOTE_VOID
    if original.state == InvoiceState.PAID:
        return CREDIT_NOTE_OWED
    return CREDIT_NOTE_WAITING


def open_credit_notes(user) -> list[tuple[Invoice, str]]:
    """Approved credit notes not yet settled, with their status, for finance (all suppliers) or
    a supplier user (its own)."""
    qs = Invoice.objects.filter(document_type="credit_note", state=InvoiceState.APPROVED).select_related(
        "supplier", "corrects", "legal_entity"
    )
    if not _active(user):
        return []
    if not user.is_internal:
        supplier_id = supplier_id_for(user)
        if supplier_id is None:
            return []
        qs = qs.filter(supplier_id=supplier_id)
    return [(cn, credit_note_status(cn)) for cn in qs.order_by("supplier__name", "issue_date", "id")]


def supplier_balances(rows: list[tuple[Invoice, str]]) -> list[dict]:
    """What each supplier owes back (credit notes whose original was paid), per currency."""
    totals: dict[tuple[int, str], dict] = {}
    for credit_note, status in rows:
        if status != CREDIT_NOTE_OWED:
            continue
        key = (credit_note.supplier_id, credit_note.currency or "CNY")
        entry = totals.setdefault(
            key, {"supplier": credit_note.supplier, "currency": key[1], "amount": Decimal("0.00")}
        )
        entry["amount"] += abs(credit_note.gross_amount or Decimal("0"))
    return list(totals.values())
