from django.urls import path

from . import views

urlpatterns = [
    path("", views.requisition_list, name="requisition-list"),
    path("catalog/", views.catalog, name="requisition-catalog"),
    path("cart/", views.cart, name="requisition-cart"),
    path("cart/add/", views.cart_add, name="requisition-cart-add"),
    path("cart/free-text/", views.cart_free_text, name="requisition-cart-free-text"),
    path("cart/lines/<int:req_line_id>/", views.cart_line_update, name="requisition-cart-line"),
    path("cart/lines/<int:req_line_id>/remove/", views.cart_line_remove, name="requisition-cart-line-remove"),
    path("cart/submit/", views.cart_submit, name="requisition-cart-submit"),
    path("approvals/", views.approvals, name="requisition-approvals"),
    path("budgets/", views.budgets, name="requisition-budgets"),
    path("convert/", views.convert, name="requisition-convert"),
    path("convert/run/", views.convert_run, name="requisition-convert-run"),
    path("convert/rfq/", views.rfq_start, name="requisition-rfq-start"),
    path("lines/<int:req_line_id>/source/", views.line_source, name="requisition-line-source"),
    path("<int:requisition_id>/", views.requisition_detail, name="requisition-detail"),
    path("<int:requisition_id>/do/<str:action>/", views.requisition_action, name="requisition-action"),
]
