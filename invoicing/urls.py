from django.urls import path

from . import tax_views, views

urlpatterns = [
    path("", views.invoice_list, name="invoice-list"),
    path("upload/", views.invoice_upload_page, name="invoice-upload-page"),
    path("upload/file/", views.invoice_upload, name="invoice-upload"),
    path("<int:invoice_id>/", views.invoice_detail, name="invoice-detail"),
    path("<int:invoice_id>/file/", views.invoice_file, name="invoice-file"),
    path("<int:invoice_id>/status/", views.invoice_upload_status, name="invoice-upload-status"),
    # China tax steps (issue 21): authenticity check, red-letter requests, input VAT
    path("<int:invoice_id>/tax/verify/", tax_views.invoice_tax_verify_view, name="invoice-tax-verify"),
    path("<int:invoice_id>/red-letter/", tax_views.red_letter_request_view, name="red-letter-request"),
    path(
        "red-letter/<int:request_id>/confirm/", tax_views.red_letter_confirm_view, name="red-letter-confirm"
    ),
    path("red-letter/<int:request_id>/cancel/", tax_views.red_letter_cancel_view, name="red-letter-cancel"),
    path(
        "<int:invoice_id>/vat-transfer-out/", tax_views.vat_transfer_out_view, name="invoice-vat-transfer-out"
    ),
    path("input-vat/", tax_views.input_vat_page, name="input-vat"),
]
