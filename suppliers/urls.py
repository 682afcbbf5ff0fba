from django.urls import path

from . import views

urlpatterns = [
    path("", views.supplier_list, name="supplier-list"),
    path("<int:supplier_id>/", views.supplier_detail, name="supplier-detail"),
    path("<int:supplier_id>/<str:action>/", views.supplier_action, name="supplier-action"),
]
