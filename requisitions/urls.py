from django.urls import path

from . import views, views_rules

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
    path("rules/", views_rules.rules, name="requisition-rules"),
    path("rules/po/", views_rules.po_rule_add, name="po-rule-add"),
    path("rules/po/<int:po_rule_id>/", views_rules.po_rule_edit, name="po-rule-edit"),
    path("rules/requisition/", views_rules.requisition_rule_add, name="requisition-rule-add"),
    path(
        "rules/requisition/<int:req_rule_id>/",
        views_rules.requisition_rule_edit,
        name="requisition-rule-edit",
    ),
    path("<int:requisition_id>/", views.requisition_detail, name="requisition-detail"),
    path("<int:requisition_id>/do/<str:action>/", views.requisition_action, name="requisition-action"),
]
