"""Laptop settings for `make run`: SQLite, in-process tasks, console e-mail, DEBUG on."""

from .base import *  # noqa: F403
from .base import SECRET_KEY

DEBUG = True
SECRET_KEY = SECRET_KEY or "local-dev-only-not-secret"  # noqa: S105
