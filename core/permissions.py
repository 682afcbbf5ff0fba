"""Role checks used as django-fsm transition permissions: ``permission=is_buyer``."""

from __future__ import annotations

from .models import Role


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_buyer(instance, user) -> bool:
    return _active(user) and (user.role == Role.BUYER or user.is_superuser)


def is_finance(instance, user) -> bool:
    return _active(user) and (user.role == Role.FINANCE or user.is_superuser)


def is_internal(instance, user) -> bool:
    return _active(user) and user.is_internal


def is_supplier_user(instance, user) -> bool:
    return _active(user) and user.role == Role.SUPPLIER
