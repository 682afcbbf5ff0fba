from django.urls import path

from . import views

urlpatterns = [
    path("", views.invoice_list, name="invoice-list"),
    path("upload/", views.invoice_upload_page, name="invoice-upload-page"),
    path("upload/file/", views.invoice_upload, name="invoice-upload"),
    path("<int:invoice_id>/", views.invoice_detail, name="invoice-detail"),
    path("<int:invoice_id>/file/", views.invoice_file, name="invoice-file"),
    path("<int:invoice_id>/status/", views.invoice_upload_status, name="invoice-upload-status"),
]
