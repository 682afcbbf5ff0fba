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


STORAGE_BACKENDS = ("local", "s3")


def file_storage(*, require_media_root: bool = False) -> dict:
    """STORAGES["default"] from STORAGE_BACKEND: where invoice originals, quote attachments and
    qualification documents live.

    ``local`` (the default): MEDIA_ROOT on this host's disk (``make run``, one host).
    ``s3``: an S3-compatible bucket every web and worker host shares (docs/operations.md):
    AWS_STORAGE_BUCKET_NAME (required), AWS_S3_ENDPOINT_URL (for a server other than AWS:
    MinIO, Ceph, a cloud's S3 API), AWS_S3_REGION_NAME, AWS_LOCATION (a key prefix); credentials
    AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or none of them to use the host's role.
    """
    backend = os.environ.get("STORAGE_BACKEND", "").strip().lower() or "local"
    if backend not in STORAGE_BACKENDS:
        raise SettingError(f"STORAGE_BACKEND is malformed: expected local or s3, got {backend!r}.")
    if backend == "local":
        if require_media_root:
            required("MEDIA_ROOT")
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    options = {
        "bucket_name": required("AWS_STORAGE_BUCKET_NAME"),
        "location": os.environ.get("AWS_LOCATION", "").strip().strip("/"),
        # Stored files are never overwritten: a name taken gets a new one, as on a local disk.
        "file_overwrite": False,
        "default_acl": None,  # the bucket's own policy (private); files are served only through the portal
        "querystring_auth": True,
        "signature_version": "s3v4",
    }
    endpoint = os.environ.get("AWS_S3_ENDPOINT_URL", "").strip()
    if endpoint:
        if not endpoint.startswith(("http://", "https://")):
            raise SettingError(
                f"AWS_S3_ENDPOINT_URL is malformed: expected http(s)://host[:port], got {endpoint!r}."
            )
        options["endpoint_url"] = endpoint
        options["addressing_style"] = "path"  # most S3-compatible servers have no per-bucket host names
    region = os.environ.get("AWS_S3_REGION_NAME", "").strip()
    if region:
        options["region_name"] = region
    key_id = os.environ.get("AWS_ACCESS_KEY_ID", "").strip()
    secret = os.environ.get("AWS_SECRET_ACCESS_KEY", "").strip()
    if bool(key_id) != bool(secret):
        raise SettingError(
            f"{'AWS_SECRET_ACCESS_KEY' if key_id else 'AWS_ACCESS_KEY_ID'} is required when "
            f"{'AWS_ACCESS_KEY_ID' if key_id else 'AWS_SECRET_ACCESS_KEY'} is set."
        )
    if key_id:
        options.update(access_key=key_id, secret_key=secret)
    from botocore.config import Config

    # A storage that does not answer fails a request (and readiness) in seconds, not minutes.
    options["client_config"] = Config(
        connect_timeout=env.int("AWS_S3_CONNECT_TIMEOUT", default=5),
        read_timeout=env.int("AWS_S3_READ_TIMEOUT", default=30),
        retries={"max_attempts": 3, "mode": "standard"},
    )
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
