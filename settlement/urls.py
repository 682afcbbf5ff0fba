from django.urls import include, path

urlpatterns = [
    path("", include("settlement.urls_matching")),
    path("", include("settlement.urls_statements")),
    path("", include("settlement.urls_runs")),
    path("", include("settlement.urls_account")),
]
