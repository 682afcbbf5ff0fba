from django.contrib.auth import views as auth_views
from django.urls import path

from . import views, views_mfa

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="core/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tokens/", views.token_list, name="token-list"),
    path("tokens/new/", views.token_create, name="token-create"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token-revoke"),
    path("ops/tasks/", views.outbox_list, name="outbox-list"),
    path("ops/tasks/<int:outbox_id>/retry/", views.outbox_retry, name="outbox-retry"),
    path("mfa/", views_mfa.mfa_manage, name="mfa-manage"),
    path("mfa/verify/", views_mfa.mfa_verify, name="mfa-verify"),
    path("mfa/setup/", views_mfa.mfa_setup, name="mfa-setup"),
    path("mfa/disable/", views_mfa.mfa_disable, name="mfa-disable"),
    path("mfa/backup-codes/", views_mfa.mfa_backup_codes, name="mfa-backup-codes"),
    path("security/events/", views.security_event_list, name="security-event-list"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="core/password_change_done.html"),
        name="password_change_done",
    ),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="core/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="core/password_reset_complete.html"),
        name="password_reset_complete",
    ),
]
