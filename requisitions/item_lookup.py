"""The item master as contracts sees it (registered in apps.ready): contracts sits left of
procurement and must not import it, requisitions may import both."""

from __future__ import annotations

from contracts.items import ItemFacts
from procurement.models import Item


def item_facts_from_master(code: str) -> ItemFacts | None:
    item = Item.objects.filter(code=code).only("code", "name", "unit", "default_tax_rate").first()
    if item is None:
        return None
    return ItemFacts(code=item.code, name=item.name, unit=item.unit, default_tax_rate=item.default_tax_rate)
