"""Load benchmarks (benchmarks/bench_load.py): production settings without HTTPS, fixed bench secrets.

What production does is kept: DEBUG off, real (PBKDF2) password hashing, the database settings
from DATABASE_URL with the connection settings of base.py (DB_CONN_MAX_AGE, DB_POOL), the broker from
CELERY_BROKER_URL. What differs: plain HTTP on 127.0.0.1 (no SSL redirect, no secure-only
cookies: a TLS terminator's job), fixed not-secret keys, uploaded files under var/bench-media,
e-mail kept in memory. Never use these settings for anything but the benchmark.
"""

import os
from pathlib import Path

from .base import *  # noqa: F403
from .base import BASE_DIR

SECRET_KEY = "bench-only-not-secret-" + "x" * 40  # noqa: S105
FIELD_ENCRYPTION_KEYS = [b"b" * 32]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", "") or BASE_DIR / "var" / "bench-media")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The load driver is one client sending as fast as it can: the rate limits would measure themselves.
API_RATE_LIMIT_PER_TOKEN = os.environ.get("API_RATE_LIMIT_PER_TOKEN", "1000000/m")
API_RATE_LIMIT_PER_IP = os.environ.get("API_RATE_LIMIT_PER_IP", "1000000/m")
# The portal's URLs plus the two floor views the load rows compare the pages with
# (benchmarks/load/urls.py); production's ROOT_URLCONF never has them.
ROOT_URLCONF = "benchmarks.load.urls"
