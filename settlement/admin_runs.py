from django.contrib import admin

from .admin_statements import ReadOnlyMixin
from .models import HouseBankAccount, PaymentRun, PaymentRunLine


@admin.register(HouseBankAccount)
class HouseBankAccountAdmin(admin.ModelAdmin):
    list_display = ("legal_entity", "currency", "bank_name", "bic", "is_active")


class PaymentRunLineInline(ReadOnlyMixin, admin.TabularInline):
    model = PaymentRunLine


@admin.register(PaymentRun)
class PaymentRunAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("number", "legal_entity", "currency", "total", "state", "execution_date")
    list_filter = ("state",)
    inlines = [PaymentRunLineInline]
