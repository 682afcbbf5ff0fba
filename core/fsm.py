"""The one state field every document uses: django-fsm-2's ``FSMField`` that migrations see as the
plain ``CharField`` it is in the database.

Why: each ``FSMField`` instance connects a receiver to ``class_prepared`` (to collect its model's
transitions), and migrations build every model state again and again; with ``FSMField`` in the
migration files, every historical model rendered while migrating added receivers that every later
rendered model then called, so ``migrate`` spent most of its time in the signal dispatcher (about
two thirds of a fresh database's migrate, measured with cProfile). A migration needs no
transitions: to it the column is a ``CharField`` (data migrations write states directly anyway).
"""

from __future__ import annotations

from django_fsm import FSMField


class StateField(FSMField):
    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        kwargs.pop("protected", None)
        return name, "django.db.models.CharField", args, kwargs
