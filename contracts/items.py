"""What contracts know of the item master (procurement's ``Item``) without importing it.

contracts sits left of procurement, so a higher app registers a lookup at start-up
(``requisitions.apps`` does: it may import procurement). ``item_facts(code)`` answers the name,
unit and default tax rate of a known item, or None for a code the item master does not have.
With no lookup registered (a stripped-down project) every code counts as known.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ItemFacts:
    code: str
    name: str
    unit: str
    default_tax_rate: str  # "0.13" … or "exempt"


ItemLookup = Callable[[str], ItemFacts | None]
_lookup: list[ItemLookup] = []


def register_item_lookup(fn: ItemLookup) -> None:
    _lookup[:] = [fn]


def item_master_active() -> bool:
    return bool(_lookup)


def item_facts(code: str) -> ItemFacts | None:
    if not _lookup:
        return ItemFacts(code=code, name="", unit="", default_tax_rate="")
    return _lookup[0](code)
