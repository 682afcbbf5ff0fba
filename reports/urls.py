from django.urls import path

from . import views, views_ap, views_due

urlpatterns = [
    path("", views.dashboard, name="reports"),
    path("received-not-invoiced/", views_ap.received_not_invoiced, name="report-grir"),
    path("exceptions-by-cause/", views_ap.exceptions_by_cause, name="report-exceptions"),
    path("tolerance-near-misses/", views_ap.near_misses, name="report-near-misses"),
    path("due/", views_due.due_reports, name="reports-due"),
]
