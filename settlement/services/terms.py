"""Due dates and payment holds.

Which terms apply to an invoice (the first that names one): its purchase order's, the contract
its PO lines were ordered under, the supplier's; none = due on the invoice date. A statement
takes the terms its invoices share (else the supplier's), counted from the end of its period.
The due date and the terms it came from are stored when an invoice is approved (a receiver of
the ``approve`` transition, so every way to approval gets one) and when a statement is created.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext

from contracts.models import PriceLine
from core.errors import DomainError, PermissionDenied
from core.services import document_event_log
from invoicing.models import Invoice
from procurement.models import PurchaseOrder
from suppliers.models import PaymentTerm
from suppliers.payment_terms import Terms, due

from ..models import InvoiceDue, Statement, TermSource
from .statements import live_invoice_lines, lock_statement, require_finance, require_reason


def _terms(term: PaymentTerm | None) -> Terms | None:
    if term is None:
        return None
    return Terms(term.basis, term.days, term.discount_percent, term.discount_days)


def _purchase_orders(invoice: Invoice) -> list[PurchaseOrder]:
    numbers = {str(n).strip() for n in (invoice.po_references or []) if str(n).strip()}
    numbers |= {ref.split("/")[0].split("#")[0].split(":")[0].strip() for ref in _line_references(invoice)}
    if not numbers:
        return []
    return list(
        PurchaseOrder.objects.filter(number__in=numbers, supplier_id=invoice.supplier_id)
        .select_related("payment_term")
        .order_by("id")
    )


def _line_references(invoice: Invoice) -> list[str]:
    """The PO references of the invoice's lines; from the lines in hand when matching has read them."""
    read = getattr(invoice, "_prefetched_objects_cache", {}).get("lines")
    if read is not None:
        return [line.po_reference for line in read if line.po_reference]
    return list(invoice.lines.exclude(po_reference="").values_list("po_reference", flat=True))


def term_for_invoice(invoice: Invoice) -> tuple[PaymentTerm | None, str]:
    pos = _purchase_orders(invoice)
    for po in pos:
        if po.payment_term_id:
            return po.payment_term, TermSource.PO
    refs = [
        int(r)
        for po in pos
        for r in po.lines.exclude(contract_line_ref="").values_list("contract_line_ref", flat=True)
        if str(r).isdigit()
    ]
    if refs:
        line = (
            PriceLine.objects.filter(pk__in=refs, version__contract__payment_term__isnull=False)
            .select_related("version__contract__payment_term")
            .order_by("pk")
            .first()
        )
        if line is not None:
            return line.version.contract.payment_term, TermSource.CONTRACT
    supplier = invoice.supplier
    if supplier.payment_term_id:
        return supplier.payment_term, TermSource.SUPPLIER
    return None, TermSource.NONE


def invoice_due_assign(invoice: Invoice) -> None:
    """Compute and store when ``invoice`` is due (called as it is approved; again on a later
    approval, e.g. after matching again). A payment hold set earlier stays."""
    term, source = term_for_invoice(invoice)
    base = invoice.issue_date or invoice.created_at.date()
    terms = _terms(term)
    if terms is None:
        due_date, until, percent = base, None, 0
    else:
        result = due(terms, base)
        due_date, until, percent = result.due_date, result.discount_until, result.discount_percent
    values = {
        "payment_term": term,
        "term_source": source,
        "base_date": base,
        "due_date": due_date,
        "discount_until": until,
        "discount_percent": percent,
    }
    # one upsert statement (every approval; update_or_create costs six): the hold fields are kept
    InvoiceDue.objects.bulk_create(
        [InvoiceDue(invoice=invoice, **values)],
        update_conflicts=True,
        unique_fields=["invoice"],
        update_fields=[*values, "computed_at"],
    )


def statement_due_assign(statement: Statement) -> None:
    """The statement's terms and due date (the caller holds its lock and saves nothing else)."""
    dues = list(
        InvoiceDue.objects.filter(invoice_id__in=live_invoice_lines(statement).values("invoice_id"))
        .exclude(term_source=TermSource.NONE)
        .values_list("payment_term_id", flat=True)
        .distinct()
    )
    if len(dues) == 1:
        term, source = PaymentTerm.objects.get(pk=dues[0]), TermSource.INVOICES
    elif statement.supplier.payment_term_id:
        term, source = statement.supplier.payment_term, TermSource.SUPPLIER
    else:
        term, source = None, TermSource.NONE
    terms = _terms(term)
    statement.payment_term = term
    statement.term_source = source
    statement.due_date = statement.period_to if terms is None else due(terms, statement.period_to).due_date
    statement.save(update_fields=["payment_term", "term_source", "due_date"])


def _hold_reason(on_hold: bool, reason: str) -> str:
    if on_hold:
        return require_reason(reason, gettext("put a payment on hold"))[:300]
    return (reason or "").strip()[:300]


def statement_hold_set(*, statement: Statement, on_hold: bool, reason: str, actor) -> Statement:
    """Finance holds (or releases) the payment of a statement: payment runs leave it out."""
    require_finance(actor, gettext("hold payments"))
    reason = _hold_reason(on_hold, reason)
    with transaction.atomic():
        statement = lock_statement(statement)
        if statement.on_hold == on_hold:
            message = (
                gettext("The payment of %(number)s is already on hold.")
                if on_hold
                else gettext("The payment of %(number)s is not on hold.")
            )
            raise DomainError(message % {"number": statement.number}, code="hold_unchanged")
        statement.on_hold = on_hold
        statement.hold_reason = reason if on_hold else ""
        statement.save(update_fields=["on_hold", "hold_reason"])
        document_event_log(
            statement, "payment_hold" if on_hold else "payment_release", actor=actor, reason=reason
        )
    return statement


def invoice_hold_set(*, invoice: Invoice, on_hold: bool, reason: str, actor) -> InvoiceDue:
    """Finance holds (or releases) an invoice: a statement holding it is left out of payment runs."""
    require_finance(actor, gettext("hold payments"))
    reason = _hold_reason(on_hold, reason)
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        row = InvoiceDue.objects.select_for_update().filter(invoice=invoice).first()
        if row is None:
            raise DomainError(
                gettext("Invoice %(invoice)s is not approved for payment yet; nothing to hold.")
                % {"invoice": invoice},
                code="invoice_not_payable",
            )
        if row.on_hold == on_hold:
            raise DomainError(
                gettext("Nothing changed: the invoice's payment hold is already so."), code="hold_unchanged"
            )
        row.on_hold = on_hold
        row.hold_reason = reason if on_hold else ""
        row.save(update_fields=["on_hold", "hold_reason"])
        document_event_log(
            invoice, "payment_hold" if on_hold else "payment_release", actor=actor, reason=reason
        )
    return row


def days_until(day: date | None, today: date) -> int | None:
    return None if day is None else (day - today).days


def payment_term_assign(*, document, term: PaymentTerm | None, actor) -> None:
    """Set (or clear) the payment terms of a supplier, a contract or a purchase order: buyers and
    finance only; a history row names the terms. Invoices approved from then on are due by them
    (already approved ones keep the due date they were given)."""
    if not (actor and actor.is_authenticated and actor.is_active and actor.is_internal):
        raise PermissionDenied(gettext("Only buyers and finance set payment terms."))
    if term is not None and not term.is_active:
        raise DomainError(gettext("These payment terms are no longer in use."), code="payment_term_inactive")
    model = type(document)
    with transaction.atomic():
        locked = model._default_manager.select_for_update().get(pk=document.pk)
        if locked.payment_term_id == (term.pk if term else None):
            raise DomainError(
                gettext("Nothing changed: these are already its payment terms."), code="unchanged"
            )
        model._default_manager.filter(pk=document.pk).update(payment_term=term)
        document_event_log(
            locked,
            "payment_term_set",
            actor=actor,
            reason=f"{term.name_zh} / {term.name_en}" if term else "—",
        )
