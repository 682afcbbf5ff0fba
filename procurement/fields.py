"""A DecimalField that reads back whatever number the database holds.

Django's SQLite backend rounds every decimal it reads in a context of ``max_digits`` digits and
raises ``InvalidOperation`` when the stored number has more (SQLite keeps any number, whatever
the column says): one such row, written by a script, an older release or the admin, made every
page that reads it answer 500. This field reads in a 60-digit context instead, so the page shows
the odd number and the services refuse to work with it. It writes and migrates exactly like
``models.DecimalField`` (``deconstruct`` names the plain field, so no migration is needed).
"""

from __future__ import annotations

import decimal

from django.db import models
from django.utils.functional import cached_property


class StoredDecimalField(models.DecimalField):
    @cached_property
    def context(self):
        return decimal.Context(prec=max(self.max_digits or 0, 60))

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DecimalField", args, kwargs
