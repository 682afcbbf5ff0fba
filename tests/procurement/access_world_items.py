"""URL parameters of the item master pages for the access walker (shared data: no supplier owns
a category or a unit; supplier users are refused every item-master page)."""

from procurement.models import ItemCategory, Unit


def build(supplier_a, supplier_b, alice, bob, foreign_id, marker):
    category = ItemCategory.objects.create(name=f"{marker} category")
    unit = Unit.objects.get_or_create(code="WLK", defaults={"name": f"{marker} unit"})[0]
    return {"shared": {"category_id": category.pk, "unit_id": unit.pk}}
