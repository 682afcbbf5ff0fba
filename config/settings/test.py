"""Settings for the test suite: the same configuration as production, fast hashing."""

import tempfile

from .base import *  # noqa: F403
from .base import FIELD_ENCRYPTION_KEYS, SECRET_KEY

SECRET_KEY = SECRET_KEY or "test-only-not-secret"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="portal-test-media-")
# A fixed test key (never used outside tests) unless the environment gives one.
FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or [b"t" * 32]
# Unit tests run tasks in-process even when CELERY_BROKER_URL is set; the integration tests
# (tests/integration, marker `integration`) switch this off and start a real worker.
CELERY_TASK_ALWAYS_EAGER = True
# The portal defaults to Chinese; tests read English unless they ask for a language
# (tests/core/test_translations.py checks the Chinese side).
LANGUAGE_CODE = "en"
# Rate limits: the suite calls the API far more often than a person; tests/core/test_api_rate_limit.py
# sets small limits of its own.
API_RATE_LIMIT_PER_TOKEN = "100000/m"
API_RATE_LIMIT_PER_IP = "100000/m"
# Unit tests log people in with force_login, which proves no second factor; the two-factor
# tests (tests/core/test_security_mfa.py) switch the production default back on.
MFA_REQUIRED = False
REPORTS_CACHE_SECONDS = 0  # the tests read figures right after writing them (one test turns it on)
INTEGRATIONS_ALLOW_PRIVATE_URLS = True  # the webhook tests run a receiver on 127.0.0.1
