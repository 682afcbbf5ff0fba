"""Settings shared by every environment. Everything configurable comes from the environment."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab

from .env import broker_url, database_url, encryption_keys, env, file_storage

BASE_DIR = Path(__file__).resolve().parents[2]

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")  # required in production (see production.py)
DEBUG = False
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_prometheus",
    "health_check",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # backup codes (core.services.mfa_backup_codes_generate)
    "simple_history",
    "core",
    "suppliers",
    "contracts",
    "procurement",
    "requisitions",
    "invoicing",
    "settlement",
    "reports",
    "notifications",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.sessions.IdleSessionMiddleware",  # Django's, writing a session at most once a minute
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "core.mfa.MfaMiddleware",
    "core.observability.RequestIdMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "core.middleware.DomainErrorMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "notifications.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {"default": database_url(f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# PostgreSQL connections (docs/operations.md, measured by bench_connections): persistent by
# default, kept DB_CONN_MAX_AGE seconds between requests (and tasks) and checked before reuse;
# DB_POOL=1 uses psycopg's pool instead (per process, DB_POOL_MIN_SIZE..DB_POOL_MAX_SIZE
# connections, each checked when taken; needs psycopg-pool); DB_CONN_MAX_AGE=0 without a pool opens one per request.
DB_POOL = env.bool("DB_POOL", default=False)
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DB_POOL:
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections (Django refuses both)
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": env.int("DB_POOL_MIN_SIZE", default=2),
            "max_size": env.int("DB_POOL_MAX_SIZE", default=8),  # at least the threads of a process
            "timeout": env.int("DB_POOL_TIMEOUT", default=10),  # seconds a request waits for one
            "max_idle": 300,
        }  # CONN_HEALTH_CHECKS makes Django give the pool its check (each connection tested when taken)
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 0)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # `make run` serves requests from several threads and runs tasks in-process after commit, so
    # several connections write at once. A deferred transaction that reads and then writes cannot
    # wait for the write lock (SQLite answers "database is locked" at once, to avoid a deadlock);
    # BEGIN IMMEDIATE takes the write lock up front and waits for it (up to `timeout` seconds).
    # WAL lets readers go on while one connection writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # login throttling first
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes): lock a username+IP pair after 5 failures for 15 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Behind reverse proxies: their addresses (TRUSTED_PROXIES) make the client's address come from
# X-Forwarded-For (core.clientip); without them every user would share the proxy's address.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
AXES_CLIENT_IP_CALLABLE = "core.clientip.client_ip"

# API rate limits (django-ninja throttling, counted in the cache below): per API token (or portal
# session user) and per client address (core.clientip, so behind TRUSTED_PROXIES the client's).
# "number/period" with period s, m, h or d. An exceeded limit answers 429 with Retry-After.
API_RATE_LIMIT_PER_TOKEN = os.environ.get("API_RATE_LIMIT_PER_TOKEN", "300/m")
API_RATE_LIMIT_PER_IP = os.environ.get("API_RATE_LIMIT_PER_IP", "600/m")
# The cache (rate-limit counters): Redis shared by every web process when REDIS_CACHE_URL (or
# CACHE_URL) is set, e.g. redis://127.0.0.1:6379/1; otherwise this process's memory.
REDIS_CACHE_URL = (os.environ.get("REDIS_CACHE_URL") or os.environ.get("CACHE_URL") or "").strip()
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_CACHE_URL}
        if REDIS_CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal"}
    )
}
# The reports page's figures (every supplier, the same for every internal user) are kept this
# many seconds in the cache above (reports.selectors.dashboard_figures); 0 computes them each view.
REPORTS_CACHE_SECONDS = env.int("REPORTS_CACHE_SECONDS", default=120)
# Two-factor authentication (TOTP, django-otp): required for these roles, for Django staff and
# superusers, and for every approver named in an approval rule (core.mfa); optional for others.
# MFA_REQUIRED=0 lifts the requirement (never in production: config/settings/production.py).
# A user with a confirmed authenticator is asked for its code at every login.
MFA_REQUIRED = env.bool("MFA_REQUIRED", default=True)
MFA_REQUIRED_ROLES = env.list("MFA_REQUIRED_ROLES", default=["finance", "staff", "buyer"])
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Procurement portal")

# API tokens expire this many days after they are made (0: never); an expired token gets 401.
API_TOKEN_LIFETIME_DAYS = env.int("API_TOKEN_LIFETIME_DAYS", default=365)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
# Stored files (invoice originals, quote attachments, qualification documents): STORAGE_BACKEND=local
# keeps them under MEDIA_ROOT, STORAGE_BACKEND=s3 in a bucket all hosts share (config/settings/env.py).
STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "").strip().lower() or "local"
STORAGES = {
    "default": file_storage(),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
# A session ends after this many minutes without a request; requests push the end on, writing the
# session when its end would move by more than SESSION_REFRESH_SECONDS (core.sessions): at most one
# write a minute per session instead of one per request (SESSION_SAVE_EVERY_REQUEST).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_ENGINE = "core.sessions"
SESSION_REFRESH_SECONDS = 60
SESSION_SAVE_EVERY_REQUEST = False
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Upload limits (e-invoice files are small; refuse big bodies before reading them)
INVOICE_MAX_UPLOAD_BYTES = env.int("INVOICE_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Field encryption (bank account numbers). Comma-separated keys, newest first, for rotation.
_raw_keys = os.environ.get("FIELD_ENCRYPTION_KEY", "")
FIELD_ENCRYPTION_KEYS = encryption_keys(_raw_keys) if _raw_keys else []

# Celery: with no broker, tasks run in-process (eager); with a broker, real workers.
CELERY_BROKER_URL = broker_url()
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# The queue tasks go to when enqueued (also from inside a worker: a validated invoice enqueues its match).
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "").strip() or "celery"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "").strip() or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else None
)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {
    # The scheduler's own heartbeat (every 30 s): readiness (core.health) fails when it stops.
    "core-scheduler-heartbeat": {"task": "core.scheduler_heartbeat", "schedule": 30.0},
    "procurement-close-due-rfqs": {"task": "procurement.close_due_rfqs", "schedule": 60.0},
}
# The transactional outbox (core.queue): follow-up tasks recorded with the action that needs them
# are sent after commit; the sweeper sends again what was not sent (after OUTBOX_GRACE_SECONDS,
# then with a doubling pause), what was sent but never finished after OUTBOX_STUCK_MINUTES, up to
# OUTBOX_MAX_ATTEMPTS; then it is listed as failed at /ops/tasks/ for an operator to retry.
OUTBOX_GRACE_SECONDS = env.int("OUTBOX_GRACE_SECONDS", default=30)
OUTBOX_STUCK_MINUTES = env.int("OUTBOX_STUCK_MINUTES", default=15)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=7)
CELERY_BEAT_SCHEDULE["core-outbox-sweep"] = {"task": "core.outbox_sweep", "schedule": 60.0}
# Integrations (docs/integration.md): webhooks and group robots. Failed deliveries are sent
# again by this sweep after a growing pause; a URL on a loopback or private network address is
# refused unless INTEGRATIONS_ALLOW_PRIVATE_URLS (SSRF guard; tests and the laptop demo allow it).
CELERY_BEAT_SCHEDULE["notifications-retry-deliveries"] = {
    "task": "notifications.retry_deliveries",
    "schedule": 60.0,
}
INTEGRATIONS_ALLOW_PRIVATE_URLS = env.bool("INTEGRATIONS_ALLOW_PRIVATE_URLS", default=False)
INTEGRATIONS_TIMEOUT_SECONDS = env.float("INTEGRATIONS_TIMEOUT_SECONDS", default=10.0)
# Accounts of the voucher CSV export: placeholders an ERP import maps (or set the real codes).
VOUCHER_ACCOUNTS = {
    "purchase": os.environ.get("VOUCHER_ACCOUNT_PURCHASE", "{PURCHASE}"),
    "input_vat": os.environ.get("VOUCHER_ACCOUNT_INPUT_VAT", "{INPUT_VAT}"),
    "payable": os.environ.get("VOUCHER_ACCOUNT_PAYABLE", "{ACCOUNTS_PAYABLE}"),
    "bank": os.environ.get("VOUCHER_ACCOUNT_BANK", "{BANK}"),
}
# A task that runs away is stopped: soft limit raises inside the task, hard limit kills the child.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=180)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fixup closes the database connection (and a pool) around every task unless this
# is set; then only every N tasks, and config/celery.py treats connections between tasks as Django
# does between requests (CONN_MAX_AGE, health checks, back to the pool).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "portal@example.com")
# SMTP (EMAIL_BACKEND ...smtp.EmailBackend; production's default, where EMAIL_HOST is required).
# Mail is sent by tasks after the action committed (core.queue), never inside a lock; a server that
# does not answer within EMAIL_TIMEOUT seconds fails the send, and the task tries again later.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=EMAIL_PORT == 587)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=EMAIL_PORT == 465)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# Where links in e-mails point (the portal as users reach it)
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000")

# Logs: LOG_FORMAT=json prints one JSON object per line (time, level, logger, message,
# request_id, user_id; production's default), "text" a readable line (the laptop's default).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "core.observability.ContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
# Error reporting (config/sentry.py): on when SENTRY_DSN is set, off otherwise.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "").strip()
if SENTRY_DSN:
    from config.sentry import init_sentry

    init_sentry(SENTRY_DSN)
# Metrics (core.metrics): when set, /metrics requires "Authorization: Bearer <METRICS_TOKEN>".
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

# E-invoice intake
INVOICE_MAX_AGE_DAYS = env.int("INVOICE_MAX_AGE_DAYS", default=365 * 3)

# Authenticity check of Chinese invoices (发票查验, invoicing.verification): the checker class.
# The offline checker verifies the invoice's own facts and a local list of cancelled numbers;
# "invoicing.verification.HttpVerifier" asks the national service through its HTTP gateway.
INVOICE_VERIFIER = env.str("INVOICE_VERIFIER", default="invoicing.verification.OfflineVerifier")
INVOICE_VERIFIER_HTTP = {
    "URL": env.str("INVOICE_VERIFIER_URL", default=""),
    "APP_KEY": env.str("INVOICE_VERIFIER_APP_KEY", default=""),
    "APP_SECRET": env.str("INVOICE_VERIFIER_APP_SECRET", default=""),
    "TIMEOUT": env.float("INVOICE_VERIFIER_TIMEOUT", default=10.0),
}
# Numbers the offline checker reports as cancelled (作废); the demo's cancelled invoice is one.
INVOICE_VERIFIER_CANCELLED = env.list(
    "INVOICE_VERIFIER_CANCELLED", default=["26312000000099990001", "26352000000099990001"]
)
# Sweepers: invoices left received/validating (validation) or validated (matching) for longer than
# this are run again (a lost message, a dead worker, an in-process task that failed).
INVOICE_REQUEUE_AFTER_MINUTES = 10
CELERY_BEAT_SCHEDULE["invoicing-requeue-stuck"] = {
    "task": "invoicing.requeue_stuck_invoices",
    "schedule": 300.0,
}
# Matching: invoices left validated (a lost message) are matched again.
CELERY_BEAT_SCHEDULE["settlement-requeue-unmatched"] = {
    "task": "settlement.requeue_unmatched_invoices",
    "schedule": 300.0,
}

# Suppliers and contracts: daily expiry checks (idempotent; safe to run more often).
CELERY_BEAT_SCHEDULE["suppliers-qualification-expiry"] = {
    "task": "suppliers.check_qualification_expiry",
    "schedule": crontab(hour=6, minute=0),
}
CELERY_BEAT_SCHEDULE["contracts-expiry"] = {
    "task": "contracts.check_contract_expiry",
    "schedule": crontab(hour=6, minute=15),
}

# Requisitions: a budget overrun is refused or escalated to an extra approval; when a buyer's
# username is given, approved requisitions are turned into purchase orders as that buyer.
REQUISITION_BUDGET_OVERRUN = os.environ.get("REQUISITION_BUDGET_OVERRUN", "refuse")
REQUISITION_AUTO_CONVERT_BUYER = os.environ.get("REQUISITION_AUTO_CONVERT_BUYER", "")

# Statement-first settlement: how far, per tax rate, an invoice may differ from its invoice plan.
INVOICE_PLAN_ROUNDING_ALLOWANCE = os.environ.get("INVOICE_PLAN_ROUNDING_ALLOWANCE", "0.05")

# Payment runs (settlement.services.runs): a run whose total is above this needs a second finance
# approver (the proposer never approves their own run).
PAYMENT_RUN_SECOND_APPROVAL_ABOVE = os.environ.get("PAYMENT_RUN_SECOND_APPROVAL_ABOVE", "100000.00")
