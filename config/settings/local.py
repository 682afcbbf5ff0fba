"""Laptop settings for `make run`: SQLite, in-process tasks, console e-mail, DEBUG on."""

from .base import *  # noqa: F403
from .base import BASE_DIR, CELERY_BEAT_SCHEDULE, FIELD_ENCRYPTION_KEYS, SECRET_KEY

DEBUG = True
SECRET_KEY = SECRET_KEY or "local-dev-only-not-secret"  # noqa: S105

# Tasks run in-process here; one that failed (its invoice stays visibly pending) is run again by
# the sweepers, which the demo (`manage.py rundemo`) runs every 20 s: within a minute.
INVOICE_REQUEUE_AFTER_MINUTES = 0.5
CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,
    "invoicing-requeue-stuck": {"task": "invoicing.requeue_stuck_invoices", "schedule": 20.0},
    "settlement-requeue-unmatched": {"task": "settlement.requeue_unmatched_invoices", "schedule": 20.0},
    "core-outbox-sweep": {"task": "core.outbox_sweep", "schedule": 20.0},
}
OUTBOX_GRACE_SECONDS = 10

if not FIELD_ENCRYPTION_KEYS:
    # Bank account numbers are stored encrypted. Without FIELD_ENCRYPTION_KEY a key of this
    # laptop is made once in var/ (gitignored) and reused on every later start. Production
    # refuses to start without its own key (config/settings/production.py).
    from suppliers.crypto import local_key

    FIELD_ENCRYPTION_KEYS = [local_key(BASE_DIR / "var" / "field-encryption.key")]
INTEGRATIONS_ALLOW_PRIVATE_URLS = True  # a receiver on this laptop may be tried out
