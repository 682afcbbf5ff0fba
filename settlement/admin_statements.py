"""Admin of statements, invoice plans and payments: read-only. Every change goes through the
services (portal or API) so that states, locks and the transition log stay right."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import InvoicePlan, InvoicePlanRate, Payment, PaymentInvoice, Statement, StatementLine


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StatementLineInline(ReadOnlyMixin, admin.TabularInline):
    model = StatementLine
    extra = 0
    fields = (
        "kind",
        "reference",
        "date",
        "description",
        "quantity",
        "unit_price",
        "tax_rate",
        "net",
        "tax",
        "gross",
        "is_live",
    )
    readonly_fields = fields


@admin.register(Statement)
class StatementAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = (
        "number",
        "kind",
        "supplier",
        "legal_entity",
        "period_from",
        "period_to",
        "gross_total",
        "state",
    )
    list_filter = ("state", "kind")
    search_fields = ("number", "supplier__name")
    inlines = [StatementLineInline]


class InvoicePlanRateInline(ReadOnlyMixin, admin.TabularInline):
    model = InvoicePlanRate
    extra = 0
    fields = ("tax_rate", "net", "tax", "invoiced_net", "invoiced_tax")
    readonly_fields = fields


@admin.register(InvoicePlan)
class InvoicePlanAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("statement", "supplier", "buyer_name", "buyer_tax_id", "issued_at", "fulfilled_at")
    search_fields = ("statement__number", "buyer_tax_id")
    inlines = [InvoicePlanRateInline]


class PaymentInvoiceInline(ReadOnlyMixin, admin.TabularInline):
    model = PaymentInvoice
    extra = 0
    fields = ("invoice", "amount")
    readonly_fields = fields


@admin.register(Payment)
class PaymentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "statement",
        "supplier",
        "amount",
        "currency",
        "paid_on",
        "bank_reference",
        "account_last4",
    )
    search_fields = ("statement__number", "bank_reference")
    inlines = [PaymentInvoiceInline]
