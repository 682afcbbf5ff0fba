"""Panels on a document's page contributed by higher apps (e.g. settlement's match explanation
on invoicing's invoice page), so the lower app never imports the higher one.

    register_panel("invoicing.Invoice", fn)   # in the higher app's ready()
    panels_for_document(user, obj)            # in the lower app's view

``fn(user, obj)`` returns a :class:`core.home.Panel` (title, template, context) or None; the
template receives the context as ``ctx``. It must only show what ``user`` may see of ``obj``.
"""

from __future__ import annotations

from collections.abc import Callable

from .home import Panel

DocumentPanelFn = Callable[[object, object], Panel | None]
_PANELS: dict[str, list[DocumentPanelFn]] = {}


def register_panel(model_label: str, fn: DocumentPanelFn) -> DocumentPanelFn:
    fns = _PANELS.setdefault(model_label.lower(), [])
    if fn not in fns:
        fns.append(fn)
    return fn


def panels_for_document(user, obj) -> list[Panel]:
    label = obj._meta.label_lower
    return [p for p in (fn(user, obj) for fn in _PANELS.get(label, ())) if p is not None]
