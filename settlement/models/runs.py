"""Due dates of invoices, payment holds, our paying bank accounts and payment runs.

A payment run (付款批次) is finance's proposal to pay what is due up to a date for one legal
entity and currency: one line per approved statement, and one line per supplier for its approved
invoices that are on no statement ("loose" invoices, with the credit notes netted against them),
to the supplier's finance-approved bank account. A line may take an early-payment discount. It is reviewed (lines removed, amounts lowered for a partial payment), approved by
someone other than its proposer (two people above ``PAYMENT_RUN_SECOND_APPROVAL_ABOVE``),
exported as an ISO 20022 pain.001 file (and a CSV) and marked paid when the bank confirms.

Database rules: a statement is in at most one live run line (``run_line_statement_once``), an
invoice in at most one live run line (``run_invoice_once``); a line pays more than nothing and at
most what was open when proposed; its discount is less than what was open.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, transition

from core.fsm import StateField
from core.permissions import is_finance

__all__ = [
    "HouseBankAccount",
    "InvoiceDue",
    "PaymentRun",
    "PaymentRunApproval",
    "PaymentRunInvoice",
    "PaymentRunLine",
    "PaymentRunState",
    "TermSource",
    "RUN_LIVE_STATES",
]

AMOUNT = {"max_digits": 18, "decimal_places": 2}


class TermSource(models.TextChoices):
    PO = "po", _("purchase order")
    CONTRACT = "contract", _("contract")
    SUPPLIER = "supplier", _("supplier")
    INVOICES = "invoices", _("its invoices")
    NONE = "none", _("no terms: due on the document date")


class InvoiceDue(models.Model):
    """When an approved invoice is due and which terms said so (settlement.services.terms, set
    when the invoice is approved), and finance's payment hold on it."""

    invoice = models.OneToOneField("invoicing.Invoice", on_delete=models.CASCADE, related_name="due")
    payment_term = models.ForeignKey(
        "suppliers.PaymentTerm", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    term_source = models.CharField(max_length=12, choices=TermSource.choices)
    base_date = models.DateField()
    due_date = models.DateField(_("due date"), db_index=True)
    discount_until = models.DateField(null=True, blank=True)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    on_hold = models.BooleanField(_("payment hold"), default=False)
    hold_reason = models.CharField(_("hold reason"), max_length=300, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.invoice_id} due {self.due_date}"


class HouseBankAccount(models.Model):
    """Our account that pays (the debtor of a pain.001 file): one per legal entity and currency."""

    legal_entity = models.ForeignKey("procurement.LegalEntity", on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    bank_name = models.CharField(_("bank"), max_length=200)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    account_number = models.CharField(_("account number"), max_length=34)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["legal_entity", "currency"],
                condition=Q(is_active=True),
                name="one_house_account_per_entity_currency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.bank_name} ****{self.account_number[-4:]}"


class PaymentRunState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    IN_APPROVAL = "in_approval", _("Approved once, waits for a second person")
    APPROVED = "approved", _("Approved")
    EXPORTED = "exported", _("Sent to the bank")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


RUN_LIVE_STATES = [
    PaymentRunState.PROPOSED,
    PaymentRunState.IN_APPROVAL,
    PaymentRunState.APPROVED,
    PaymentRunState.EXPORTED,
]


class PaymentRun(ConcurrentTransitionMixin, models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True)
    legal_entity = models.ForeignKey("procurement.LegalEntity", on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(_("currency"), max_length=3)
    due_by = models.DateField(_("due up to"))
    execution_date = models.DateField(_("payment date"))
    state = StateField(
        default=PaymentRunState.PROPOSED, choices=PaymentRunState.choices, protected=True, db_index=True
    )
    total = models.DecimalField(_("total"), default=Decimal("0.00"), **AMOUNT)
    approvals_required = models.PositiveSmallIntegerField(default=1)
    # what the proposal left out and why: [{"statement": number, "code": ..., "supplier": name}]
    skipped = models.JSONField(default=list, blank=True)
    house_account = models.ForeignKey(HouseBankAccount, on_delete=models.PROTECT, related_name="+")
    message_id = models.CharField(max_length=35, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    exported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(total__gte=0), name="payment_run_total_sane")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_editable(self) -> bool:
        return self.state == PaymentRunState.PROPOSED

    @transition(
        field=state,
        source=PaymentRunState.PROPOSED,
        target=PaymentRunState.IN_APPROVAL,
        permission=is_finance,
    )
    def approve_first(self, *, by=None, reason=""):
        """The first of two approvals (above the threshold)."""

    @transition(
        field=state,
        source=[PaymentRunState.PROPOSED, PaymentRunState.IN_APPROVAL],
        target=PaymentRunState.APPROVED,
        permission=is_finance,
    )
    def approve(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=[PaymentRunState.APPROVED, PaymentRunState.EXPORTED],
        target=PaymentRunState.EXPORTED,
        permission=is_finance,
    )
    def export(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=[PaymentRunState.APPROVED, PaymentRunState.EXPORTED],
        target=PaymentRunState.PAID,
        permission=is_finance,
    )
    def confirm_paid(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=[PaymentRunState.PROPOSED, PaymentRunState.IN_APPROVAL, PaymentRunState.APPROVED],
        target=PaymentRunState.CANCELLED,
        permission=is_finance,
    )
    def cancel(self, *, by=None, reason=""):
        pass


class PaymentRunLine(models.Model):
    """One statement in a run, or a supplier's loose invoices (``invoices``, no statement): how
    much of what is open it pays, to which approved account, and the early-payment discount its
    terms offer on the run's payment date (``discount_amount``; taken when ``discount_taken``)."""

    run = models.ForeignKey(PaymentRun, on_delete=models.CASCADE, related_name="lines")
    statement = models.ForeignKey(
        "settlement.Statement", null=True, blank=True, on_delete=models.PROTECT, related_name="run_lines"
    )
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="+")
    bank_account = models.ForeignKey("suppliers.BankAccount", on_delete=models.PROTECT, related_name="+")
    open_amount = models.DecimalField(_("open"), **AMOUNT)
    amount = models.DecimalField(_("to pay"), **AMOUNT)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    discount_amount = models.DecimalField(_("discount"), default=Decimal("0.00"), **AMOUNT)
    discount_taken = models.BooleanField(_("discount taken"), default=False)
    discount_until = models.DateField(null=True, blank=True)
    discount_term = models.ForeignKey(
        "suppliers.PaymentTerm", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_live = models.BooleanField(default=True)  # False once its run is paid or cancelled

    class Meta:
        ordering = ["run", "supplier__name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0, amount__lte=F("open_amount")), name="run_line_amount_within_open"
            ),
            models.CheckConstraint(
                condition=Q(discount_amount__gte=0, discount_amount__lt=F("open_amount")),
                name="run_line_discount_within_open",
            ),
            models.UniqueConstraint(
                fields=["statement"], condition=Q(is_live=True), name="run_line_statement_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}: {self.statement_id or 'invoices'} {self.amount}"

    @property
    def is_partial(self) -> bool:
        return self.amount < self.open_amount - self.taken_discount

    @property
    def taken_discount(self) -> Decimal:
        return self.discount_amount if self.discount_taken else Decimal("0.00")


class PaymentRunInvoice(models.Model):
    """A loose invoice (or a credit note netted against it) paid by a run line; ``gross`` signed
    (a credit note negative), ``discount`` what its early payment takes off."""

    line = models.ForeignKey(PaymentRunLine, on_delete=models.CASCADE, related_name="invoice_links")
    invoice = models.ForeignKey("invoicing.Invoice", on_delete=models.PROTECT, related_name="run_links")
    gross = models.DecimalField(**AMOUNT)
    discount = models.DecimalField(default=Decimal("0.00"), **AMOUNT)
    is_live = models.BooleanField(default=True)

    class Meta:
        ordering = ["line", "id"]
        constraints = [
            models.UniqueConstraint(fields=["invoice"], condition=Q(is_live=True), name="run_invoice_once"),
            models.CheckConstraint(condition=Q(discount__gte=0), name="run_invoice_discount_sane"),
        ]

    def __str__(self) -> str:
        return f"{self.line_id} ← {self.invoice_id}"


class PaymentRunApproval(models.Model):
    run = models.ForeignKey(PaymentRun, on_delete=models.CASCADE, related_name="approvals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "user"], name="payment_run_one_approval_each")]

    def __str__(self) -> str:
        return f"{self.run_id} approved by {self.user_id}"
