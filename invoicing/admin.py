from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Invoice, InvoiceLine, StoredFile, UploadRefusal, ValidationIssue


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False
    readonly_fields = ("line_no", "name", "quantity", "unit", "unit_price", "net", "tax_rate", "tax")


class ValidationIssueInline(admin.TabularInline):
    model = ValidationIssue
    extra = 0
    can_delete = False
    readonly_fields = ("code", "severity", "message")


@admin.register(Invoice)
class InvoiceAdmin(SimpleHistoryAdmin):
    list_display = ("invoice_number", "supplier", "format", "state", "gross_amount", "currency", "created_at")
    list_filter = ("state", "format", "document_type")
    search_fields = ("invoice_number", "seller_tax_id", "buyer_tax_id")
    readonly_fields = ("state", "file", "duplicate_key")
    inlines = [InvoiceLineInline, ValidationIssueInline]


@admin.register(StoredFile)
class StoredFileAdmin(admin.ModelAdmin):
    list_display = ("sha256", "size", "original_name", "uploaded_at")
    readonly_fields = ("sha256", "size", "path", "original_name", "uploaded_by", "uploaded_at")


@admin.register(UploadRefusal)
class UploadRefusalAdmin(admin.ModelAdmin):
    list_display = ("at", "supplier", "original_name", "code", "size")
    list_filter = ("code",)
