from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    BankAccount,
    PaymentTerm,
    QualificationDocument,
    Supplier,
    SupplierChange,
    SupplierInvitation,
    SupplierMembership,
)


@admin.register(Supplier)
class SupplierAdmin(SimpleHistoryAdmin):
    list_display = ("name", "tax_id", "state", "created_at")
    list_filter = ("state",)
    search_fields = ("name", "tax_id")
    readonly_fields = ("state",)


@admin.register(SupplierMembership)
class SupplierMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "supplier", "created_at")


@admin.register(SupplierInvitation)
class SupplierInvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "created_by", "created_at", "expires_at", "used_at", "supplier")
    readonly_fields = ("token_hash", "used_at", "used_by", "supplier")


@admin.register(QualificationDocument)
class QualificationDocumentAdmin(admin.ModelAdmin):
    list_display = ("supplier", "doc_type", "original_name", "expires_on", "uploaded_at")
    list_filter = ("doc_type",)
    readonly_fields = ("file", "sha256", "size", "content_type", "uploaded_by", "expiry_warned_at")


@admin.register(BankAccount)
class BankAccountAdmin(admin.ModelAdmin):
    """Read-only state; the number is shown masked only. Approve in the portal (finance)."""

    list_display = ("supplier", "bank_name", "masked_number", "currency", "state", "created_at")
    list_filter = ("state",)
    exclude = ("account_number_encrypted",)
    readonly_fields = ("state", "last4", "created_by", "replaces", "masked_number")


@admin.register(SupplierChange)
class SupplierChangeAdmin(admin.ModelAdmin):
    """Read-only: changes are requested and decided in the portal (a second person approves)."""

    list_display = ("supplier", "kind", "state", "requested_by", "requested_at", "decided_by", "decided_at")
    list_filter = ("kind", "state")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PaymentTerm)
class PaymentTermAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name_zh",
        "name_en",
        "basis",
        "days",
        "discount_percent",
        "discount_days",
        "is_active",
    )
    list_filter = ("basis", "is_active")
