from django.urls import path

from . import views, views_due

urlpatterns = [
    path("", views.dashboard, name="reports"),
    path("due/", views_due.due_reports, name="reports-due"),
]
