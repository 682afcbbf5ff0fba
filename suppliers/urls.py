from django.urls import path

from . import views

urlpatterns = [
    path("", views.supplier_list, name="supplier-list"),
    path("invite/", views.supplier_invite, name="supplier-invite"),
    path("invitations/<str:invitation_token>/", views.invitation_accept, name="invitation-accept"),
    path("bank-accounts/", views.bank_account_list, name="bank-account-list"),
    path("bank-accounts/<int:bank_account_id>/", views.bank_account_detail, name="bank-account-detail"),
    path(
        "bank-accounts/<int:bank_account_id>/reveal/", views.bank_account_reveal, name="bank-account-reveal"
    ),
    path("bank-accounts/<int:bank_account_id>/proof/", views.bank_account_proof, name="bank-account-proof"),
    path(
        "bank-accounts/<int:bank_account_id>/<str:action>/",
        views.bank_account_action,
        name="bank-account-action",
    ),
    path(
        "changes/<int:change_id>/<str:action>/", views.supplier_change_action, name="supplier-change-action"
    ),
    path("documents/<int:document_id>/file/", views.document_file, name="document-file"),
    path("<int:supplier_id>/", views.supplier_detail, name="supplier-detail"),
    path("<int:supplier_id>/edit/", views.supplier_edit, name="supplier-edit"),
    path("<int:supplier_id>/documents/", views.document_upload, name="document-upload"),
    path("<int:supplier_id>/bank-accounts/", views.bank_account_add, name="bank-account-add"),
    path("<int:supplier_id>/<str:action>/", views.supplier_action, name="supplier-action"),
]
