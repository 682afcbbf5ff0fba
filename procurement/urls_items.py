"""URLs of the item master (under /procurement/items/)."""

from django.urls import path

from . import views_items as views

urlpatterns = [
    path("", views.item_list, name="item-list"),
    path("new/", views.item_create, name="item-create"),
    path("import/", views.item_import, name="item-import"),
    path("<int:item_id>/", views.item_edit, name="item-edit"),
    path("categories/", views.category_list, name="item-category-list"),
    path("categories/<int:category_id>/", views.category_edit, name="item-category-edit"),
    path("units/", views.unit_list, name="unit-list"),
    path("units/<int:unit_id>/", views.unit_edit, name="unit-edit"),
]
