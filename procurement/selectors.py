"""Reads of master data. Legal entities and items are shared reference data: every
authenticated user may read them (suppliers need the buyer's tax ids and item codes)."""

from __future__ import annotations

from django.db.models import QuerySet

from core.errors import NotFound

from .models import Item, LegalEntity


def legal_entity_list(user) -> QuerySet[LegalEntity]:
    return (
        LegalEntity.objects.all() if user.is_authenticated and user.is_active else LegalEntity.objects.none()
    )


def item_list(user) -> QuerySet[Item]:
    return Item.objects.all() if user.is_authenticated and user.is_active else Item.objects.none()


def item_get(user, item_id: int) -> Item:
    item = item_list(user).filter(pk=item_id).first()
    if item is None:
        raise NotFound(f"Item {item_id} not found.")
    return item
