"""The Celery app. Without CELERY_BROKER_URL tasks run in-process (see settings)."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def release_database_connections(sender=None, **kwargs):
    """Between two tasks as between two requests: a connection older than CONN_MAX_AGE or unusable
    is closed (CONN_MAX_AGE=0: every time), a pooled one goes back to the pool, a kept one is
    checked before its next use. Celery's own closing waits for CELERY_DB_REUSE_MAX tasks."""
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return  # in-process (make run, tests): the request's own connection
    from django.db import close_old_connections

    close_old_connections()
