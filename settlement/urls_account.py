from django.urls import path

from . import views_account as views

urlpatterns = [
    path("account/", views.my_account, name="my-account"),
    path("account/<int:supplier_id>/", views.supplier_account, name="supplier-account"),
    path("invoices/<int:invoice_id>/hold/", views.invoice_hold, name="invoice-hold"),
    path(
        "payment-terms/<str:kind>/<int:pk>/",
        views.payment_term_set,
        name="payment-term-set",
    ),
]
