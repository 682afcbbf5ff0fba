from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Supplier, SupplierMembership


@admin.register(Supplier)
class SupplierAdmin(SimpleHistoryAdmin):
    list_display = ("name", "tax_id", "state", "created_at")
    list_filter = ("state",)
    search_fields = ("name", "tax_id")
    readonly_fields = ("state",)


@admin.register(SupplierMembership)
class SupplierMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "supplier", "created_at")
