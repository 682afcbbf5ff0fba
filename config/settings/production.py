"""Production: every secret from the environment, HTTPS only, and nothing half-configured.

Production refuses to start on SQLite or with in-process tasks (a web process would run the
tasks inside requests, and the scheduler would have no workers), without an SMTP host, and
without shared file storage (STORAGE_BACKEND=s3 with its bucket, or an explicit MEDIA_ROOT). ``PORTAL_SINGLE_HOST_TRIAL=1`` lifts
the first two for a trial on one machine; it is named in the README and never meant for real use.
"""

import os

from .base import *  # noqa: F403
from .base import CELERY_BROKER_URL, DATABASES, FIELD_ENCRYPTION_KEYS, REDIS_CACHE_URL
from .env import SettingError, env, file_storage, required

SINGLE_HOST_TRIAL = env.bool("PORTAL_SINGLE_HOST_TRIAL", default=False)
if not SINGLE_HOST_TRIAL:
    required("DATABASE_URL")
    if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
        raise SettingError(
            "DATABASE_URL must name PostgreSQL in production (postgres://user@host:5432/name)."
        )
    if not CELERY_BROKER_URL:
        required("CELERY_BROKER_URL")
STORAGES = {
    "default": file_storage(require_media_root=True),
    # whitenoise serves them compressed and with hashed names (run collectstatic first)
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECRET_KEY = required("DJANGO_SECRET_KEY")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    from .env import SettingError

    raise SettingError("DJANGO_SECRET_KEY is malformed: use at least 50 random characters.")
if not FIELD_ENCRYPTION_KEYS:
    required("FIELD_ENCRYPTION_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    required("DJANGO_ALLOWED_HOSTS")

DEBUG = False
# Rate-limit counters must be shared by every web process: without REDIS_CACHE_URL the broker's
# Redis is used (database 1 when the broker URL names none or database 0).
if not REDIS_CACHE_URL and CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    _base = (
        CELERY_BROKER_URL.rsplit("/", 1)[0]
        if CELERY_BROKER_URL.rstrip("/").rsplit("/", 1)[-1].isdigit()
        else CELERY_BROKER_URL.rstrip("/")
    )
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": f"{_base}/1"}}
if not env.bool("MFA_REQUIRED", default=True):
    raise SettingError(
        "MFA_REQUIRED cannot be off in production: finance, approvers and staff use two factors."
    )
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
if EMAIL_BACKEND.endswith("smtp.EmailBackend"):
    EMAIL_HOST = required("EMAIL_HOST")  # port, user, password, TLS/SSL and timeout: base.py

# Static files: whitenoise right after the security middleware (STORAGES above).
MIDDLEWARE = list(MIDDLEWARE)  # noqa: F405
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)

# One JSON object per log line unless LOG_FORMAT says otherwise.
if "LOG_FORMAT" not in os.environ:
    LOGGING["handlers"]["console"]["formatter"] = "json"  # noqa: F405
