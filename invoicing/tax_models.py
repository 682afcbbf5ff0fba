"""China tax steps of an invoice (issue 21 item 4), imported by ``invoicing.models``:

* the authenticity check (发票查验) and its recorded result, on :class:`InvoiceTax`;
* the input-VAT deduction status of a special VAT invoice (进项税抵扣), also on :class:`InvoiceTax`;
* red-letter requests (红字确认单) finance asks a supplier for: :class:`RedLetterRequest`.

Every change of these is also a row in the invoice's history (core.TransitionLog), written by
``invoicing.tax_checks`` / ``invoicing.vat`` / ``invoicing.red_letter``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Verification(models.TextChoices):
    PENDING = "pending", _("Not checked yet")
    VERIFIED = "verified", _("Verified")
    FAILED = "failed", _("Failed")
    NOT_CHECKABLE = "not_checkable", _("Not checkable")


class Deduction(models.TextChoices):
    PENDING = "pending", _("Pending selection")
    DEDUCTED = "deducted", _("Selected for deduction")
    NOT_DEDUCTIBLE = "not_deductible", _("Not deducted")
    TRANSFERRED_OUT = "transferred_out", _("Input VAT transferred out")


# what finance sets on the list; transferred out is reached only by a transfer-out (vat.vat_transfer_out)
SETTABLE_DEDUCTIONS = [Deduction.PENDING, Deduction.DEDUCTED, Deduction.NOT_DEDUCTIBLE]


class InvoiceTax(models.Model):
    """The China tax facts and steps of one invoice (only Chinese invoices have a row)."""

    invoice = models.OneToOneField(
        "invoicing.Invoice", on_delete=models.CASCADE, primary_key=True, related_name="tax"
    )
    # facts read from the file at validation
    special_vat = models.BooleanField(default=False)  # 增值税专用发票 / 数电专票
    invoice_kind = models.CharField(max_length=40, blank=True)  # as printed, e.g. 增值税专用发票
    check_code = models.CharField(max_length=32, blank=True)  # 校验码 (OFD), else ""
    red_confirmation_number = models.CharField(max_length=40, blank=True)  # a red invoice's 确认单编号

    # authenticity check (发票查验)
    verification = models.CharField(
        max_length=16, choices=Verification.choices, default=Verification.PENDING, db_index=True
    )
    verification_code = models.CharField(max_length=40, blank=True)  # reason code of the result
    verification_params = models.JSONField(default=dict, blank=True)
    verification_checker = models.CharField(max_length=100, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)

    # input VAT (进项税抵扣): only special VAT invoices that are not red
    deduction = models.CharField(max_length=16, choices=Deduction.choices, blank=True, db_index=True)
    deduction_period = models.CharField(max_length=7, blank=True, db_index=True)  # YYYY-MM
    deduction_reason = models.CharField(max_length=500, blank=True)
    deduction_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deduction_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(deduction="deducted") | ~Q(deduction_period=""),
                name="invoicetax_deducted_has_period",
            ),
            models.CheckConstraint(
                condition=~Q(deduction="not_deductible") | ~Q(deduction_reason=""),
                name="invoicetax_not_deductible_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"tax of invoice {self.invoice_id}: {self.verification}"

    @property
    def failed(self) -> bool:
        return self.verification == Verification.FAILED

    @property
    def verification_reason(self) -> str:
        from core.texts import render

        if not self.verification_code:
            return ""
        return render(f"tax.check.{self.verification_code}", self.verification_params, fallback="")


class RedLetterReason(models.TextChoices):
    """The four reasons a 红字发票信息确认单 names."""

    INVOICING_ERROR = "invoicing_error", _("Invoicing error (开票有误)")
    GOODS_RETURNED = "goods_returned", _("Goods returned (销货退回)")
    SERVICE_STOPPED = "service_stopped", _("Service stopped (服务中止)")
    SALES_ALLOWANCE = "sales_allowance", _("Sales allowance (销售折让)")


class RedLetterState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    CONFIRMED = "confirmed", _("Confirmed by the supplier")
    FULFILLED = "fulfilled", _("Red invoice received")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_RED_LETTER_STATES = (RedLetterState.REQUESTED, RedLetterState.CONFIRMED)


class RedLetterRequest(models.Model):
    """Finance asks the supplier to raise a red-letter invoice against a 数电 invoice: what the
    supplier enters on the tax platform's 红字确认单 (original number, reason, amounts)."""

    original = models.ForeignKey(
        "invoicing.Invoice", on_delete=models.PROTECT, related_name="red_letter_requests"
    )
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=20, unique=True, null=True, blank=True)  # 确认单编号
    reason = models.CharField(max_length=20, choices=RedLetterReason.choices)
    note = models.CharField(max_length=500, blank=True)
    net_amount = models.DecimalField(max_digits=18, decimal_places=2)  # positive: what is reversed
    tax_amount = models.DecimalField(max_digits=18, decimal_places=2)
    state = models.CharField(
        max_length=12, choices=RedLetterState.choices, default=RedLetterState.REQUESTED, db_index=True
    )
    red_invoice = models.OneToOneField(
        "invoicing.Invoice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="red_letter_request",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(net_amount__gte=0)
                & Q(tax_amount__gte=0)
                & (Q(net_amount__gt=0) | Q(tax_amount__gt=0)),
                name="redletter_positive_amounts",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"red-letter request #{self.pk}"

    @property
    def gross_amount(self) -> Decimal:
        return self.net_amount + self.tax_amount

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_RED_LETTER_STATES


class TransferReason(models.TextChoices):
    """Why deducted input VAT is transferred out (进项税额转出)."""

    RED_INVOICE = "red_invoice", _("Red-letter invoice received (红字发票)")
    NON_TAXABLE_USE = "non_taxable_use", _("Used for non-taxable or tax-exempt purposes (免税/简易计税项目)")
    COLLECTIVE_WELFARE = (
        "collective_welfare",
        _("Collective welfare or personal consumption (集体福利/个人消费)"),
    )
    ABNORMAL_LOSS = "abnormal_loss", _("Abnormal loss (非正常损失)")
    OTHER = "other", _("Other")


class InputVatTransfer(models.Model):
    """Input VAT of a deducted special VAT invoice transferred out (进项税额转出) in a tax period:
    the whole tax, or the tax of a red-letter invoice that reverses part of it. The invoices
    together never transfer out more than the invoice's tax."""

    invoice = models.ForeignKey("invoicing.Invoice", on_delete=models.PROTECT, related_name="vat_transfers")
    period = models.CharField(max_length=7, db_index=True)  # YYYY-MM
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    reason = models.CharField(max_length=24, choices=TransferReason.choices)
    note = models.CharField(max_length=500, blank=True)
    red_invoice = models.OneToOneField(
        "invoicing.Invoice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="vat_transfer_of_red",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period", "invoice_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="inputvattransfer_positive"),
            models.CheckConstraint(
                condition=~Q(reason="other") | ~Q(note=""), name="inputvattransfer_other_has_note"
            ),
        ]

    def __str__(self) -> str:
        return f"input VAT transfer-out {self.amount} of invoice {self.invoice_id} in {self.period}"
