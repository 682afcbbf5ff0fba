from django.urls import path

from . import views_runs as views

urlpatterns = [
    path("payment-runs/", views.payment_run_list_view, name="payment-run-list"),
    path("payment-runs/new/", views.payment_run_new, name="payment-run-new"),
    path("payment-runs/<int:run_id>/", views.payment_run_detail, name="payment-run-detail"),
    path(
        "payment-runs/<int:run_id>/lines/<int:run_line_id>/amount/",
        views.payment_run_line_amount,
        name="payment-run-line-amount",
    ),
    path(
        "payment-runs/<int:run_id>/lines/<int:run_line_id>/discount/",
        views.payment_run_line_discount,
        name="payment-run-line-discount",
    ),
    path(
        "payment-runs/<int:run_id>/lines/<int:run_line_id>/remove/",
        views.payment_run_line_remove,
        name="payment-run-line-remove",
    ),
    path("payment-runs/<int:run_id>/approve/", views.payment_run_approve, name="payment-run-approve"),
    path("payment-runs/<int:run_id>/cancel/", views.payment_run_cancel, name="payment-run-cancel"),
    path("payment-runs/<int:run_id>/confirm/", views.payment_run_confirm, name="payment-run-confirm"),
    path(
        "payment-runs/<int:run_id>/export.xml",
        views.payment_run_export,
        {"kind": "xml"},
        name="payment-run-export-xml",
    ),
    path(
        "payment-runs/<int:run_id>/export.csv",
        views.payment_run_export,
        {"kind": "csv"},
        name="payment-run-export-csv",
    ),
]
