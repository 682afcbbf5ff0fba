from django.urls import path

from . import views

urlpatterns = [
    path("", views.contract_list, name="contract-list"),
    path("new/", views.contract_create, name="contract-create"),
    path("<int:contract_id>/", views.contract_detail, name="contract-detail"),
    path("<int:contract_id>/lines/", views.price_line_add, name="price-line-add"),
    path("<int:contract_id>/lines/import/", views.price_line_import, name="price-line-import"),
    path("<int:contract_id>/lines/<int:line_id>/remove/", views.price_line_remove, name="price-line-remove"),
    path("<int:contract_id>/diff/", views.contract_diff, name="contract-diff"),
    path("<int:contract_id>/pdf/", views.contract_pdf, name="contract-pdf"),
    path("<int:contract_id>/<str:action>/", views.contract_action, name="contract-action"),
]
