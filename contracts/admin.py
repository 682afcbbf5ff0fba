from django.contrib import admin

from .models import Contract, ContractVersion, PriceLine


class PriceLineInline(admin.TabularInline):
    model = PriceLine
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in PriceLine._meta.fields]


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "supplier", "state", "valid_from", "valid_to")
    list_filter = ("state",)
    search_fields = ("number", "title", "supplier__name")
    readonly_fields = ("state", "current_version", "created_by", "expiry_reminded_at")


@admin.register(ContractVersion)
class ContractVersionAdmin(admin.ModelAdmin):
    list_display = ("contract", "number", "state", "created_by", "approved_by")
    readonly_fields = ("state", "approved_by", "approved_at")
    inlines = [PriceLineInline]
