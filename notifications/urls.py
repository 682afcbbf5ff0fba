from django.urls import path

from . import views

urlpatterns = [
    path("", views.inbox, name="notification-inbox"),
    path("read-all/", views.mark_all_read, name="notification-read-all"),
    path("preferences/", views.preferences, name="notification-preferences"),
    path("<int:notification_id>/open/", views.open_notification, name="notification-open"),
]
