"""Pausing Python's cyclic garbage collector while a large document is matched.

Matching a document of many thousand lines creates several objects per line and keeps them all
alive until the end. Each time enough objects have been created the cyclic collector walks every
live object, so its cost grows with the size of the document and the whole match grows faster than
the number of lines (about a third of the time at 30,000 lines, more beyond). The engine builds no
reference cycles, so reference counting frees everything on its own and the pause loses nothing.

The collector is one switch for the whole process: pauses are counted under a lock, the first one
turns it off (if it was on) and the last one puts it back, so threads matching at the same time
cannot leave it off.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: Documents with at least this many lines are matched with the collector paused.
LARGE_DOCUMENT = 2000

_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextmanager
def collector_paused(lines: int) -> Iterator[None]:
    """Pause the cyclic collector for a document of ``lines`` lines, when it is large."""
    if lines < LARGE_DOCUMENT:
        yield
        return
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
