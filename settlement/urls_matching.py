from django.urls import path

from . import views_matching as views
from . import views_policies

urlpatterns = [
    path("matching/exceptions/", views.exception_desk, name="match-desk"),
    path("matching/invoices/", views.match_status_list, name="match-status-list"),
    path("matching/invoices/<int:invoice_id>/", views.match_detail, name="match-detail"),
    path("matching/invoices/<int:invoice_id>/accept/", views.match_accept, name="match-accept"),
    path(
        "matching/invoices/<int:invoice_id>/request-credit-note/",
        views.match_request_credit_note,
        name="match-request-credit-note",
    ),
    path("matching/invoices/<int:invoice_id>/reject/", views.match_reject, name="match-reject"),
    path("matching/invoices/<int:invoice_id>/rematch/", views.match_rematch, name="match-rematch"),
    path("matching/invoices/<int:invoice_id>/ask/", views.match_ask_comment, name="match-ask-comment"),
    path("matching/invoices/<int:invoice_id>/comment/", views.match_comment, name="match-comment"),
    path("matching/comments/", views.comment_requests, name="match-comment-requests"),
    path("matching/policies/", views_policies.policy_list, name="policy-list"),
    path(
        "matching/policies/<int:policy_id>/simulate/",
        views_policies.policy_simulate_view,
        name="policy-simulate",
    ),
]
