"""Admin: cost centres, requesters, budgets, approval rules and lead times are master data
(edited here by staff); requisitions are read-only (services change them)."""

from django.contrib import admin

from .models import (
    ApprovalStep,
    Budget,
    CatalogLeadTime,
    CostCentre,
    RequesterProfile,
    Requisition,
    RequisitionApprovalRule,
    RequisitionLine,
)


@admin.register(CostCentre)
class CostCentreAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "legal_entity", "budget_owner")
    search_fields = ("code", "name")


@admin.register(RequesterProfile)
class RequesterProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "cost_centre")
    search_fields = ("user__username", "cost_centre__code")


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ("cost_centre", "starts_on", "ends_on", "amount", "currency")
    list_filter = ("cost_centre",)


@admin.register(RequisitionApprovalRule)
class RequisitionApprovalRuleAdmin(admin.ModelAdmin):
    list_display = ("legal_entity", "min_amount", "approver", "over_budget_only")


@admin.register(CatalogLeadTime)
class CatalogLeadTimeAdmin(admin.ModelAdmin):
    list_display = ("supplier", "item_code", "days")


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LineInline(ReadOnly, admin.TabularInline):
    model = RequisitionLine
    extra = 0
    fields = ("line_no", "kind", "description", "quantity", "unit_price", "supplier", "item", "po_line")


class StepInline(ReadOnly, admin.TabularInline):
    model = ApprovalStep
    extra = 0
    fields = ("step_no", "kind", "min_amount", "approver", "role", "escalation", "approved_by", "approved_at")


@admin.register(Requisition)
class RequisitionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("number", "requester", "cost_centre", "state", "needed_by", "submitted_at")
    list_filter = ("state", "cost_centre")
    search_fields = ("number", "requester__username")
    inlines = [LineInline, StepInline]
