"""Reading the environment: one clear error line naming the setting that is wrong."""

from __future__ import annotations

import base64
import binascii
import os

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()


class SettingError(ImproperlyConfigured):
    """A required setting is missing or malformed (message names the variable)."""


def required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise SettingError(f"{name} is required but not set.")
    return value


def database_url(default: str) -> dict:
    raw = os.environ.get("DATABASE_URL", "").strip() or default
    scheme = raw.split("://", 1)[0] if "://" in raw else ""
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql", "psql"}:
        raise SettingError(
            f"DATABASE_URL is malformed: expected sqlite:///path or postgres://user@host:port/name, got {raw!r}."
        )
    try:
        config = environ.Env.db_url_config(raw)
    except Exception as exc:  # django-environ raises several types
        raise SettingError(f"DATABASE_URL is malformed: {exc}.") from None
    if config["ENGINE"].endswith("postgresql"):
        config.setdefault("OPTIONS", {})
        if not config.get("NAME"):
            raise SettingError("DATABASE_URL is malformed: it names no database.")
    return config


def broker_url() -> str:
    raw = os.environ.get("CELERY_BROKER_URL", "").strip()
    if raw and raw.split("://", 1)[0] not in {"redis", "rediss", "amqp", "amqps", "pyamqp", "memory"}:
        raise SettingError(f"CELERY_BROKER_URL is malformed: unsupported scheme in {raw!r}.")
    return raw


def encryption_keys(raw: str) -> list[bytes]:
    """FIELD_ENCRYPTION_KEY: comma-separated urlsafe-base64 32-byte keys, newest first."""
    keys = []
    for part in [p.strip() for p in raw.split(",") if p.strip()]:
        try:
            key = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != 32:
            raise SettingError(
                "FIELD_ENCRYPTION_KEY is malformed: each key must be 32 bytes, urlsafe-base64 encoded."
            )
        keys.append(key)
    if not keys:
        raise SettingError("FIELD_ENCRYPTION_KEY is required but not set.")
    return keys
