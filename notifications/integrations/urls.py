from django.urls import path

from . import views

urlpatterns = [
    path("webhooks/", views.webhooks, name="integration-webhooks"),
    path("channels/", views.channels, name="integration-channels"),
    path("endpoints/<int:endpoint_id>/", views.endpoint_edit, name="integration-endpoint"),
    path("deliveries/", views.deliveries, name="integration-deliveries"),
    path("deliveries/<int:delivery_id>/replay/", views.delivery_replay, name="integration-delivery-replay"),
    path("vouchers/", views.voucher_export, name="integration-vouchers"),
]
