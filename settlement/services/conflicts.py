"""The loser of a concurrent action gets a 409 with the reason, in every backend.

PostgreSQL serialises the settlement services with row locks (``SELECT … FOR UPDATE``); SQLite has
none and answers the second writer with ``database is locked`` / ``database table is locked``. The
decorator turns that into a :class:`Conflict`: the service's own explanation when it can tell what
the winner did (e.g. *already paid*), else ``concurrent_update``. Everything the loser did is rolled
back with its transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps

from django.db import OperationalError, connection
from django.utils.translation import gettext

from core.errors import Conflict, DomainError

RETRY_PAUSES = (0.05, 0.2, 0.5)


def is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, OperationalError) and ("locked" in text or "busy" in text)


def busy() -> Conflict:
    return Conflict(
        gettext(
            "Someone else changed this at the same moment; nothing was saved. Reload the page and try again."
        ),
        code="concurrent_update",
    )


def conflict_on_lock(explain: Callable[..., DomainError | None] | None = None):
    """Decorate a service: a lock error becomes ``explain(**kwargs)`` (called after the rollback)
    or :func:`busy`."""

    def decorate(service):
        @wraps(service)
        def wrapper(*args, **kwargs):
            # outside any transaction the service is tried again after the winner had time to
            # commit, so the loser's answer is the real one ("already paid"), not a guess
            pauses = () if connection.in_atomic_block else RETRY_PAUSES
            for pause in (*pauses, None):
                try:
                    return service(*args, **kwargs)
                except OperationalError as exc:
                    if not is_lock_error(exc):
                        raise
                    if pause is None:
                        break
                    time.sleep(pause)
            error = None
            if explain is not None:
                try:
                    error = explain(*args, **kwargs)
                except OperationalError:
                    error = None
            raise error or busy()

        return wrapper

    return decorate
