"""Optional error reporting: Sentry's SDK, switched on by SENTRY_DSN and off when it is unset.

Django and Celery integrations; no personal data is sent (send_default_pii False); each event
carries the request id (core.observability) as the tag ``request_id``."""

from __future__ import annotations

import os


def init_sentry(dsn: str) -> bool:
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        release=os.environ.get("SENTRY_RELEASE") or None,
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0") or 0),
    )
    return True


def tag_request_id(request_id: str) -> None:
    """Tag what Sentry reports from here on in this request or task (a no-op when it is off)."""
    if request_id:
        import sentry_sdk

        sentry_sdk.set_tag("request_id", request_id)
