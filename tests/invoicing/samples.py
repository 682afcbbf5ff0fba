"""Where the shared sample files live (``../shared`` beside the checkout), for every test.

``sample("einvoice-cn/x.ofd")`` is ``../shared/samples/einvoice-cn/x.ofd``; a path that already
starts with ``samples/`` works too. When the file is absent the calling test is skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# SHARED_DIR points elsewhere when the checkout is not beside ../shared (e.g. a git worktree).
SHARED = Path(os.environ.get("SHARED_DIR") or Path(__file__).resolve().parents[2].parent / "shared")
SAMPLES = SHARED / "samples"


def sample(rel: str) -> Path:
    """The path of a shared sample file; skips the test when it is not available."""
    rel = rel.removeprefix("samples/")
    path = SAMPLES / rel
    if not path.is_file():
        pytest.skip(f"sample {rel} is not available ({SAMPLES} is absent or incomplete)")
    return path


def shared_sample(rel: str) -> Path:
    """Alias of :func:`sample`."""
    return sample(rel)
