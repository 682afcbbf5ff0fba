from django.contrib import admin
from django.urls import include, path

from core import health, metrics

from .api import api

urlpatterns = [
    path("health/live/", health.liveness, name="health-live"),
    path("health/ready/", health.readiness, name="health-ready"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("suppliers/", include("suppliers.urls")),
    path("contracts/", include("contracts.urls")),
    path("procurement/", include("procurement.urls")),
    path("requisitions/", include("requisitions.urls")),
    path("invoices/", include("invoicing.urls")),
    path("notifications/", include("notifications.urls")),
    path("integrations/", include("notifications.integrations.urls")),
    path("reports/", include("reports.urls")),
    path("settlement/", include("settlement.urls")),
    path("", include("core.urls")),
]

# Error pages inside the portal's layout, in the reader's language (core/error_pages.py).
handler400 = "core.error_pages.bad_request"
handler403 = "core.error_pages.permission_denied"
handler404 = "core.error_pages.page_not_found"
handler500 = "core.error_pages.server_error"
