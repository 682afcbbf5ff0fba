"""Start-up with wrong settings stops with one clear line; production passes check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "k3y-" + "x8Yq2Lm9Pz" * 6,
    "DJANGO_ALLOWED_HOSTS": "portal.example.com",
    "FIELD_ENCRYPTION_KEY": "dGhpcy1pcy1hLTMyLWJ5dGUta2V5LWZvci10ZXN0cyE=",
    "DATABASE_URL": "sqlite:////tmp/portal-deploy-check.sqlite3",
}


def manage(*args, env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "FIELD_"))
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_check_deploy_prints_no_warnings():
    result = manage("check", "--deploy", env=GOOD_PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY is required"),
        ({"DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY is malformed"),
        ({"DATABASE_URL": "mysql2://nowhere"}, "DATABASE_URL is malformed"),
        ({"CELERY_BROKER_URL": "ftp://broker"}, "CELERY_BROKER_URL is malformed"),
        ({"FIELD_ENCRYPTION_KEY": "not-a-key"}, "FIELD_ENCRYPTION_KEY is malformed"),
        ({"FIELD_ENCRYPTION_KEY": ""}, "FIELD_ENCRYPTION_KEY is required"),
        ({"DJANGO_ALLOWED_HOSTS": ""}, "DJANGO_ALLOWED_HOSTS is required"),
    ],
)
def test_a_wrong_setting_stops_start_up_with_one_line_naming_it(override, named):
    result = manage("check", env={**GOOD_PRODUCTION, **override})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("configuration error: ") and named in lines[0]
