from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "read_at", "emailed_at")
    list_filter = ("kind",)
    readonly_fields = ("user", "kind", "params", "url", "created_at", "read_at", "emailed_at")
