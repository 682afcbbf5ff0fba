"""Admin for procurement. Documents are read-only here (services change them); quote prices
are sealed: no admin screen lists or opens a quote line before its RFQ is closed."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    RFQ,
    RFQ_OPENED,
    ApprovalRule,
    GoodsReceipt,
    GoodsReceiptLine,
    Item,
    LegalEntity,
    PurchaseOrder,
    PurchaseOrderLine,
    QuoteAttachment,
    QuoteLine,
    QuoteVersion,
    RFQInvitation,
    RFQLine,
)


@admin.register(LegalEntity)
class LegalEntityAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "tax_id",
        "default_currency",
        "over_receipt_tolerance",
        "xrechnung_rules",
        "early_rfq_close_needs_second_buyer",
    )
    search_fields = ("name", "tax_id")
    list_filter = ("xrechnung_rules",)


@admin.register(Item)
class ItemAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "unit", "default_tax_rate", "category", "is_service")
    search_fields = ("code", "name")
    list_filter = ("category", "is_service")


@admin.register(ApprovalRule)
class ApprovalRuleAdmin(admin.ModelAdmin):
    list_display = ("legal_entity", "min_amount", "role", "approvers_required")
    list_filter = ("legal_entity", "role")


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PurchaseOrderLineInline(ReadOnlyMixin, admin.TabularInline):
    model = PurchaseOrderLine
    extra = 0
    fields = (
        "line_no",
        "item",
        "quantity",
        "unit",
        "unit_price",
        "tax_rate",
        "contract_price",
        "received_qty",
    )
    readonly_fields = fields


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ("number", "supplier", "legal_entity", "state", "revision", "created_at")
    list_filter = ("state",)
    search_fields = ("number", "supplier__name")
    inlines = [PurchaseOrderLineInline]


class GoodsReceiptLineInline(ReadOnlyMixin, admin.TabularInline):
    model = GoodsReceiptLine
    extra = 0


@admin.register(GoodsReceipt)
class GoodsReceiptAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("number", "po", "kind", "receipt_date")
    search_fields = ("number", "po__number")
    inlines = [GoodsReceiptLineInline]


class RFQLineInline(ReadOnlyMixin, admin.TabularInline):
    model = RFQLine
    extra = 0


class RFQInvitationInline(ReadOnlyMixin, admin.TabularInline):
    model = RFQInvitation
    extra = 0


@admin.register(RFQ)
class RFQAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("number", "title", "state", "deadline")
    list_filter = ("state",)
    inlines = [RFQLineInline, RFQInvitationInline]


@admin.register(QuoteVersion)
class QuoteVersionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Quote headers only (no prices): who, which version, when, hash and its check."""

    list_display = ("quote", "version", "submitted_at", "sha256", "integrity")
    fields = ("quote", "version", "submitted_by", "submitted_at", "sha256", "integrity")


class SealedQuerysetMixin:
    """Only rows whose RFQ is closed (quotes opened) exist for the admin."""

    rfq_path = "version__quote__rfq__state__in"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(**{self.rfq_path: RFQ_OPENED})


@admin.register(QuoteLine)
class QuoteLineAdmin(SealedQuerysetMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("version", "rfq_line", "unit_price")


@admin.register(QuoteAttachment)
class QuoteAttachmentAdmin(SealedQuerysetMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("version", "name", "content_type", "size", "sha256")
