"""Settlement models: statements."""

from django.db import models  # noqa: F401

__all__: list[str] = []
