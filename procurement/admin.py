from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Item, LegalEntity


@admin.register(LegalEntity)
class LegalEntityAdmin(admin.ModelAdmin):
    list_display = ("name", "tax_id", "default_currency")
    search_fields = ("name", "tax_id")


@admin.register(Item)
class ItemAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "unit", "default_tax_rate", "category", "is_service")
    search_fields = ("code", "name")
    list_filter = ("category", "is_service")
