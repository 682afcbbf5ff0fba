"""Admin of matching. Tolerance policies are edited here, but never in place: saving a change
writes the next version (a new row) through ``tolerance_policy_revise``, so match results keep
pointing at the rules they used. Results, allocations and cases are read-only."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext

from .forms_policies import PolicyRulesCheck
from .models import ApprovalRule, ApprovalStep, ExceptionCase, MatchAllocation, MatchResult, TolerancePolicy
from .services.match_policies import (
    RULE_FIELDS,
    SCOPE_FIELDS,
    tolerance_policy_create,
    tolerance_policy_revise,
)


class TolerancePolicyForm(PolicyRulesCheck, forms.ModelForm):
    change_reason = forms.CharField(
        max_length=300, required=True, help_text="Why this version: kept with the version."
    )

    class Meta:
        model = TolerancePolicy
        fields = ("code", *SCOPE_FIELDS, *RULE_FIELDS, "change_reason")

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and TolerancePolicy.objects.filter(code=data.get("code")).exists():
            self.add_error("code", "This policy exists: open it and save a change as its next version.")
        return data


def _may_edit(user) -> bool:
    return user.is_active and user.is_staff and (user.is_superuser or user.role == "finance")


@admin.register(TolerancePolicy)
class TolerancePolicyAdmin(admin.ModelAdmin):
    form = TolerancePolicyForm
    list_display = ("label", "scope_display", "effective_from", "effective_to", "created_at", "created_by")
    list_filter = ("code",)
    search_fields = ("code", "description", "item_category")
    readonly_fields = ("version", "created_by", "created_at")

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "code") if obj else self.readonly_fields

    def has_add_permission(self, request):
        return _may_edit(request.user)

    def has_change_permission(self, request, obj=None):
        return _may_edit(request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # results refer to every version; retire a policy with a version that ends it

    def save_model(self, request, obj, form, change):
        fields = {
            name: form.cleaned_data.get(name)
            for name in (*SCOPE_FIELDS, *RULE_FIELDS)
            if name in form.cleaned_data
        }
        reason = form.cleaned_data["change_reason"]
        if change:
            original = TolerancePolicy.objects.get(pk=obj.pk)
            saved = tolerance_policy_revise(policy=original, actor=request.user, reason=reason, **fields)
            messages.info(
                request,
                gettext("Saved as a new version, %(new)s; %(old)s is unchanged.")
                % {"new": saved.label, "old": original.label},
            )
        else:
            saved = tolerance_policy_create(code=obj.code, actor=request.user, reason=reason, **fields)
        obj.pk, obj.version, obj.created_at = saved.pk, saved.version, saved.created_at


class MatchAllocationInline(admin.TabularInline):
    model = MatchAllocation
    extra = 0
    can_delete = False
    fields = readonly_fields = ("invoice_line", "po_line", "receipt_line", "quantity", "original_invoice")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MatchResult)
class MatchResultAdmin(admin.ModelAdmin):
    list_display = (
        "invoice",
        "verdict",
        "policy_version",
        "engine_version",
        "is_current",
        "is_stale",
        "created_at",
    )
    list_filter = ("verdict", "is_current", "is_stale", "policy_version")
    search_fields = ("invoice__invoice_number", "input_hash")
    inlines = [MatchAllocationInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields] + ["purchase_orders"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExceptionCase)
class ExceptionCaseAdmin(admin.ModelAdmin):
    list_display = ("invoice", "state", "primary_reason", "opened_at", "resolution", "resolved_by")
    list_filter = ("state", "resolution", "primary_reason")
    search_fields = ("invoice__invoice_number",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApprovalRule)
class ApprovalRuleAdmin(admin.ModelAdmin):
    """Approval routing of the exception desk, edited as data by finance or a superuser."""

    list_display = (
        "name",
        "applies_to",
        "legal_entity",
        "cost_centre_code",
        "reason_code",
        "min_amount",
        "second_approver_above",
        "comment_from",
        "active",
    )
    list_filter = ("active", "applies_to", "comment_from")


@admin.register(ApprovalStep)
class ApprovalStepAdmin(admin.ModelAdmin):
    list_display = ("case", "kind", "actor", "addressed_to", "created_at")
    readonly_fields = [f.name for f in ApprovalStep._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
