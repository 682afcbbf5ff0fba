"""Eleven invoices uploaded at once through the upload view on a file-based SQLite database (as
`make run` serves them: one thread and connection per request, tasks run in-process after
commit) are all validated and matched: none is left "received" by "database is locked"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_eleven_concurrent_uploads_on_sqlite_all_reach_a_result_and_none_is_lost(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    env.pop("CELERY_BROKER_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "tests.invoicing.sqlite_upload_probe", "11"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,  # it migrates a fresh database first: minutes on a loaded 2-core machine
    )
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["lost"] == [], done.stderr[-3000:]
    assert outcome["statuses"] == [201] * 11
    assert len(outcome["states"]) == 11
    assert not {"received", "validating", "validated"} & set(outcome["states"]), outcome["states"]
