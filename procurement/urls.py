from django.urls import include, path

from . import views, views_po, views_rfq

urlpatterns = [
    path("items/", include("procurement.urls_items")),
    path("pos/", views.po_list, name="po-list"),
    path("pos/new/", views.po_create, name="po-create"),
    path("pos/<int:po_id>/", views.po_detail, name="po-detail"),
    path("pos/<int:po_id>/lines/", views.po_line_add, name="po-line-add"),
    path("pos/<int:po_id>/lines/<int:po_line_id>/", views.po_line_edit, name="po-line-edit"),
    path("pos/<int:po_id>/lines/<int:po_line_id>/remove/", views.po_line_remove, name="po-line-remove"),
    path("pos/<int:po_id>/acknowledge/", views.po_acknowledge, name="po-acknowledge"),
    path("pos/<int:po_id>/shipping-notice/", views.po_shipping_notice, name="po-shipping-notice"),
    path("pos/<int:po_id>/receipts/", views.po_receipt, name="po-receipt"),
    path("pos/<int:po_id>/returns/", views.po_return, name="po-return"),
    path("pos/<int:po_id>/revise/", views.po_revise, name="po-revise"),
    path("pos/<int:po_id>/pdf/", views.po_pdf, name="po-pdf"),
    path("pos/<int:po_id>/changes/", views_po.po_change_propose, name="po-change-propose"),
    path(
        "pos/<int:po_id>/changes/<int:proposal_id>/accept/",
        views_po.po_change_accept,
        name="po-change-accept",
    ),
    path(
        "pos/<int:po_id>/changes/<int:proposal_id>/decline/",
        views_po.po_change_decline,
        name="po-change-decline",
    ),
    path("pos/<int:po_id>/do/<str:action>/", views.po_action, name="po-action"),
    path("receipts/", views.receipt_list, name="receipt-list"),
    path("rfqs/", views_rfq.rfq_list, name="rfq-list"),
    path("rfqs/new/", views_rfq.rfq_create, name="rfq-create"),
    path("rfqs/<int:rfq_id>/", views_rfq.rfq_detail, name="rfq-detail"),
    path("rfqs/<int:rfq_id>/lines/", views_rfq.rfq_line_add, name="rfq-line-add"),
    path("rfqs/<int:rfq_id>/invite/", views_rfq.rfq_invite, name="rfq-invite"),
    path("rfqs/<int:rfq_id>/quote/", views_rfq.quote_submit, name="rfq-quote"),
    path("rfqs/<int:rfq_id>/comparison/", views_rfq.rfq_comparison, name="rfq-comparison"),
    path("rfqs/<int:rfq_id>/comparison.csv", views_rfq.rfq_comparison_csv, name="rfq-comparison-csv"),
    path("rfqs/<int:rfq_id>/questions/", views_rfq.rfq_question_ask, name="rfq-question-ask"),
    path(
        "rfqs/<int:rfq_id>/questions/<int:question_id>/answer/",
        views_rfq.rfq_question_answer,
        name="rfq-question-answer",
    ),
    path("rfqs/<int:rfq_id>/award/", views_rfq.rfq_award, name="rfq-award"),
    path("rfqs/<int:rfq_id>/do/<str:action>/", views_rfq.rfq_action, name="rfq-action"),
    path("quote-attachments/<int:attachment_id>/", views_rfq.quote_attachment, name="quote-attachment"),
]
