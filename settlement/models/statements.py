"""Settlement models: statements (对账单), invoice plans (开票计划) and payments.

Invariants held by the database (and by row locks in settlement.services):
- an invoice sits in at most one live statement line (partial unique index on
  ``StatementLine.invoice`` where ``is_live``); a line stops being live when its statement is
  cancelled (a removed line is deleted);
- a goods-receipt line sits in at most one live statement line (same, on ``receipt_line``);
- a statement is paid in full at most once (one ``Payment`` with ``is_final`` per statement) and
  never beyond its total (``Statement.paid_amount <= gross_total``); partial payments come from
  payment runs (settlement.models.runs);
- an invoice is paid at most once (``PaymentInvoice.invoice`` is one-to-one).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, transition
from simple_history.models import HistoricalRecords

from core import formatting
from core.fsm import StateField
from core.permissions import is_finance, is_supplier_user

__all__ = [
    "InvoicePlan",
    "InvoicePlanRate",
    "Payment",
    "PaymentInvoice",
    "Statement",
    "StatementKind",
    "StatementLine",
    "StatementLineKind",
    "StatementState",
    "INVOICE_KINDS",
    "STATEMENT_LIVE_STATES",
    "STATEMENT_OPEN_STATES",
    "TOTAL_KINDS",
    "rate_label",
]

AMOUNT = {"max_digits": 18, "decimal_places": 2}


def rate_label(rate: Decimal | None) -> str:
    """13% / 9% / 1.5% / exempt."""
    if rate is None:
        return str(_("exempt"))
    return formatting.rate(rate)


class StatementKind(models.TextChoices):
    INVOICE_FIRST = "invoice_first", _("Invoice first")
    STATEMENT_FIRST = "statement_first", _("Statement first (invoice plan)")


class StatementState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent to supplier")
    CONFIRMED = "confirmed", _("Confirmed by supplier")
    DISPUTED = "disputed", _("Disputed by supplier")
    INVOICED = "invoiced", _("Fully invoiced")
    APPROVED = "approved", _("Approved for payment")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


# Not yet settled: what finance and the supplier still have to act on.
STATEMENT_OPEN_STATES = [
    StatementState.DRAFT,
    StatementState.SENT,
    StatementState.CONFIRMED,
    StatementState.DISPUTED,
    StatementState.INVOICED,
    StatementState.APPROVED,
]
# Statements whose lines hold their invoices / receipt lines (everything but cancelled).
STATEMENT_LIVE_STATES = [*STATEMENT_OPEN_STATES, StatementState.PAID]


def _approvable(statement: Statement) -> bool:
    """Invoice-first statements are approved once confirmed; statement-first ones only once
    their invoice plan is fully invoiced."""
    if statement.kind == StatementKind.STATEMENT_FIRST:
        return statement.state == StatementState.INVOICED
    return statement.state == StatementState.CONFIRMED


def _is_statement_first(statement: Statement) -> bool:
    return statement.kind == StatementKind.STATEMENT_FIRST


class Statement(ConcurrentTransitionMixin, models.Model):
    """A settlement statement between one supplier and one of our legal entities for a period."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=StatementKind.choices)
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="statements")
    legal_entity = models.ForeignKey(
        "procurement.LegalEntity", on_delete=models.PROTECT, related_name="statements"
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    period_from = models.DateField(_("period from"))
    period_to = models.DateField(_("period to"))
    state = StateField(
        default=StatementState.DRAFT, choices=StatementState.choices, protected=True, db_index=True
    )
    net_total = models.DecimalField(_("net"), default=Decimal("0.00"), **AMOUNT)
    tax_total = models.DecimalField(_("tax"), default=Decimal("0.00"), **AMOUNT)
    gross_total = models.DecimalField(_("total"), default=Decimal("0.00"), **AMOUNT)
    dispute_reason = models.TextField(_("dispute reason"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)  # first sent: from then on the supplier sees it
    # When it is due and which terms said so (settlement.services.terms, set when created)
    payment_term = models.ForeignKey(
        "suppliers.PaymentTerm", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    term_source = models.CharField(_("terms from"), max_length=12, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True, db_index=True)
    # Finance stops payment runs from taking it (a dispute with the goods, a missing document)
    on_hold = models.BooleanField(_("payment hold"), default=False)
    hold_reason = models.CharField(_("hold reason"), max_length=300, blank=True)
    paid_amount = models.DecimalField(_("paid"), default=Decimal("0.00"), **AMOUNT)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_from__lte=F("period_to")), name="statement_period_order"
            ),
            models.CheckConstraint(
                # rounded to the cent: SQLite adds its decimals as floats (488.10 + 63.45 = 551.5500000000001)
                condition=Q(gross_total=Round(F("net_total") + F("tax_total"), 2)),
                name="statement_total_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0, paid_amount__lte=F("gross_total")) | Q(paid_amount=0),
                name="statement_paid_within_total",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def open_amount(self) -> Decimal:
        return self.gross_total - self.paid_amount

    @property
    def payment(self):
        """The payment that settled it in full (None while open or partly paid)."""
        return self.payments.filter(is_final=True).first()

    @property
    def is_statement_first(self) -> bool:
        return self.kind == StatementKind.STATEMENT_FIRST

    # Transitions only change state; settlement.services lock, check and save.
    @transition(field=state, source=StatementState.DRAFT, target=StatementState.SENT, permission=is_finance)
    def send(self, *, by=None, reason=""):
        pass

    @transition(
        field=state, source=StatementState.SENT, target=StatementState.CONFIRMED, permission=is_supplier_user
    )
    def confirm(self, *, by=None, reason=""):
        pass

    @transition(
        field=state, source=StatementState.SENT, target=StatementState.DISPUTED, permission=is_supplier_user
    )
    def dispute(self, *, by=None, reason=""):
        pass

    @transition(
        field=state, source=StatementState.DISPUTED, target=StatementState.DRAFT, permission=is_finance
    )
    def revise(self, *, by=None, reason=""):
        """Finance takes a disputed statement back to draft to correct it."""

    @transition(
        field=state,
        source=StatementState.CONFIRMED,
        target=StatementState.INVOICED,
        conditions=[_is_statement_first],
    )
    def mark_invoiced(self, *, by=None, reason=""):
        """System step: the invoice plan is fully invoiced."""

    @transition(
        field=state,
        source=[StatementState.CONFIRMED, StatementState.INVOICED],
        target=StatementState.APPROVED,
        permission=is_finance,
        conditions=[_approvable],
    )
    def approve(self, *, by=None, reason=""):
        pass

    @transition(
        field=state, source=StatementState.APPROVED, target=StatementState.PAID, permission=is_finance
    )
    def pay(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=[StatementState.DRAFT, StatementState.SENT, StatementState.DISPUTED],
        target=StatementState.CANCELLED,
        permission=is_finance,
    )
    def cancel(self, *, by=None, reason=""):
        pass


class StatementLineKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")
    DEDUCTION = "deduction", _("Deduction")
    RECEIPT = "receipt", _("Goods received")
    PLAN_INVOICE = "plan_invoice", _("Invoice against the plan")


# Lines that make up the statement's amount. Invoices received against a statement-first
# statement's plan (PLAN_INVOICE) settle what the receipt lines already count.
TOTAL_KINDS = [
    StatementLineKind.INVOICE,
    StatementLineKind.CREDIT_NOTE,
    StatementLineKind.DEDUCTION,
    StatementLineKind.RECEIPT,
]
INVOICE_KINDS = [StatementLineKind.INVOICE, StatementLineKind.CREDIT_NOTE, StatementLineKind.PLAN_INVOICE]


class StatementLine(models.Model):
    """One line of a statement. Amounts are signed: credit notes, deductions and returns reduce."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=16, choices=StatementLineKind.choices)
    invoice = models.ForeignKey(
        "invoicing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="statement_lines"
    )
    receipt_line = models.ForeignKey(
        "procurement.GoodsReceiptLine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statement_lines",
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)  # invoice / receipt / PO number
    description = models.CharField(_("description"), max_length=300, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=6, null=True, blank=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=6, null=True, blank=True)
    tax_rate = models.DecimalField(_("tax rate"), max_digits=6, decimal_places=4, null=True, blank=True)
    net = models.DecimalField(_("net"), **AMOUNT)
    tax = models.DecimalField(_("tax"), **AMOUNT)
    gross = models.DecimalField(_("total"), **AMOUNT)
    reason = models.TextField(_("reason"), blank=True)
    is_live = models.BooleanField(default=True)  # False once the statement is cancelled
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["statement", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice"],
                condition=Q(is_live=True, invoice__isnull=False),
                name="invoice_in_one_live_statement",
            ),
            models.UniqueConstraint(
                fields=["receipt_line"],
                condition=Q(is_live=True, receipt_line__isnull=False),
                name="receipt_line_in_one_live_statement",
            ),
            models.CheckConstraint(  # rounded to the cent: SQLite adds decimals as floats
                condition=Q(gross=Round(F("net") + F("tax"), 2)), name="statement_line_adds_up"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=INVOICE_KINDS, invoice__isnull=False, receipt_line__isnull=True)
                    | Q(kind=StatementLineKind.RECEIPT, receipt_line__isnull=False, invoice__isnull=True)
                    | Q(
                        kind=StatementLineKind.DEDUCTION,
                        invoice__isnull=True,
                        receipt_line__isnull=True,
                        gross__lt=0,
                    )
                ),
                name="statement_line_kind_matches_link",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.statement_id} {self.kind} {self.reference} {self.gross}"

    @property
    def rate_label(self) -> str:
        return rate_label(self.tax_rate)


class InvoicePlan(models.Model):
    """开票计划: issued when the supplier confirms a statement-first statement. Tells the supplier
    whom to bill and how much per tax rate; uploaded invoices that fit it are claimed by it."""

    statement = models.OneToOneField(Statement, on_delete=models.CASCADE, related_name="invoice_plan")
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="invoice_plans")
    legal_entity = models.ForeignKey("procurement.LegalEntity", on_delete=models.PROTECT, related_name="+")
    buyer_name = models.CharField(_("bill to"), max_length=200)
    buyer_tax_id = models.CharField(_("buyer tax id"), max_length=32, db_index=True)
    currency = models.CharField(max_length=3)
    allowance = models.DecimalField(
        _("tax-rounding allowance per rate"), max_digits=8, decimal_places=2, default=Decimal("0.05")
    )
    issued_at = models.DateTimeField(auto_now_add=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"invoice plan of {self.statement_id}"

    @property
    def is_fulfilled(self) -> bool:
        return self.fulfilled_at is not None


class InvoicePlanRate(models.Model):
    """Per tax rate of a plan: what to invoice and what has been invoiced so far."""

    plan = models.ForeignKey(InvoicePlan, on_delete=models.CASCADE, related_name="rates")
    tax_rate = models.DecimalField(max_digits=6, decimal_places=4, null=True, blank=True)  # None: exempt
    net = models.DecimalField(**AMOUNT)
    tax = models.DecimalField(**AMOUNT)
    invoiced_net = models.DecimalField(default=Decimal("0.00"), **AMOUNT)
    invoiced_tax = models.DecimalField(default=Decimal("0.00"), **AMOUNT)

    class Meta:
        ordering = ["plan", "-tax_rate"]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.label}: {self.net} + {self.tax}"

    @property
    def label(self) -> str:
        return rate_label(self.tax_rate)

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax

    @property
    def remaining_net(self) -> Decimal:
        return self.net - self.invoiced_net

    @property
    def remaining_tax(self) -> Decimal:
        return self.tax - self.invoiced_tax


class Payment(models.Model):
    """A payment of an approved statement, to the supplier account approved at that moment: the
    whole open amount (``is_final``) or a part of it (from a payment run)."""

    # none for a run line of loose invoices (``invoices`` names them)
    statement = models.ForeignKey(
        Statement, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    is_final = models.BooleanField(default=True)  # settles the statement: its invoices are paid
    run_line = models.OneToOneField(
        "settlement.PaymentRunLine", null=True, blank=True, on_delete=models.PROTECT, related_name="payment"
    )
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(_("amount"), **AMOUNT)
    # the early-payment discount taken: settled without being transferred
    discount_amount = models.DecimalField(_("discount"), default=Decimal("0.00"), **AMOUNT)
    currency = models.CharField(_("currency"), max_length=3)
    paid_on = models.DateField(_("paid on"))
    bank_reference = models.CharField(_("bank reference"), max_length=100)
    bank_account = models.ForeignKey(
        "suppliers.BankAccount", on_delete=models.PROTECT, related_name="payments"
    )
    # What the account was when paid (the account row may be retired later).
    bank_name = models.CharField(_("bank"), max_length=200)
    account_name = models.CharField(_("account holder"), max_length=200)
    account_last4 = models.CharField(max_length=4)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(discount_amount__gte=0), name="payment_discount_sane"),
            models.CheckConstraint(
                condition=Q(statement__isnull=False) | Q(run_line__isnull=False),
                name="payment_of_statement_or_run_line",
            ),
            models.UniqueConstraint(
                fields=["statement"], condition=Q(is_final=True), name="one_final_payment_per_statement"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.statement_id}: {self.amount} {self.currency} on {self.paid_on}"


class PaymentInvoice(models.Model):
    """Which invoices (and credit notes) a payment settled; one row per invoice, ever."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="invoices")
    invoice = models.OneToOneField("invoicing.Invoice", on_delete=models.PROTECT, related_name="payment_link")
    amount = models.DecimalField(**AMOUNT)

    def __str__(self) -> str:
        return f"{self.payment_id} ← {self.invoice_id}"
