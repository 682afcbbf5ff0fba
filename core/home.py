"""Home-page panels: each app registers what needs a person's action now (apps.py ready()).

Keeps `core` free of imports from the apps that build on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    title: str
    template: str
    context: dict


PanelFn = Callable[[object], Panel | None]
_PANELS: list[PanelFn] = []


def register(fn: PanelFn) -> PanelFn:
    if fn not in _PANELS:
        _PANELS.append(fn)
    return fn


def panels_for(user) -> list[Panel]:
    return [p for p in (fn(user) for fn in _PANELS) if p is not None]
