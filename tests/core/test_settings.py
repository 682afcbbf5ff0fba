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
    "DATABASE_URL": "postgres://portal@db.example.com:5432/portal",
    "CELERY_BROKER_URL": "redis://redis.example.com:6379/0",
    "EMAIL_HOST": "smtp.example.com",
    "MEDIA_ROOT": "/srv/portal/media",
}


def manage(*args, env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            (
                "DJANGO_",
                "DATABASE_URL",
                "CELERY_",
                "FIELD_",
                "EMAIL_",
                "MEDIA_ROOT",
                "PORTAL_",
                "STORAGE_",
                "AWS_",
            )
        )
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
        ({"DATABASE_URL": ""}, "DATABASE_URL is required"),
        ({"DATABASE_URL": "sqlite:////tmp/portal.sqlite3"}, "DATABASE_URL must name PostgreSQL"),
        ({"CELERY_BROKER_URL": ""}, "CELERY_BROKER_URL is required"),
        ({"EMAIL_HOST": ""}, "EMAIL_HOST is required"),
        ({"MEDIA_ROOT": ""}, "MEDIA_ROOT is required"),
        ({"STORAGE_BACKEND": "nfs"}, "STORAGE_BACKEND is malformed"),
        ({"STORAGE_BACKEND": "s3"}, "AWS_STORAGE_BUCKET_NAME is required"),
        (
            {
                "STORAGE_BACKEND": "s3",
                "AWS_STORAGE_BUCKET_NAME": "portal",
                "AWS_S3_ENDPOINT_URL": "minio:9000",
            },
            "AWS_S3_ENDPOINT_URL is malformed",
        ),
        (
            {"STORAGE_BACKEND": "s3", "AWS_STORAGE_BUCKET_NAME": "portal", "AWS_ACCESS_KEY_ID": "AK"},
            "AWS_SECRET_ACCESS_KEY is required",
        ),
        ({"MFA_REQUIRED": "0"}, "MFA_REQUIRED cannot be off in production"),
    ],
)
def test_a_wrong_setting_stops_start_up_with_one_line_naming_it(override, named):
    result = manage("check", env={**GOOD_PRODUCTION, **override})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("configuration error: ") and named in lines[0]


def test_a_single_host_trial_may_run_on_sqlite_with_in_process_tasks_when_it_says_so():
    trial = {
        **GOOD_PRODUCTION,
        "DATABASE_URL": "sqlite:////tmp/portal-trial.sqlite3",
        "CELERY_BROKER_URL": "",
    }
    assert manage("check", env=trial).returncode == 2
    result = manage("check", env={**trial, "PORTAL_SINGLE_HOST_TRIAL": "1"})
    assert result.returncode == 0, result.stderr


def test_production_on_a_shared_bucket_needs_no_media_root():
    on_s3 = {
        **GOOD_PRODUCTION,
        "MEDIA_ROOT": "",
        "STORAGE_BACKEND": "s3",
        "AWS_STORAGE_BUCKET_NAME": "portal-files",
        "AWS_S3_ENDPOINT_URL": "https://s3.example.com",
    }
    result = manage("check", "--deploy", env=on_s3)
    assert result.returncode == 0, result.stderr
    shown = manage(
        "shell", "-c", "from django.conf import settings; print(settings.STORAGES['default'])", env=on_s3
    )
    assert (
        "storages.backends.s3.S3Storage" in shown.stdout and "'bucket_name': 'portal-files'" in shown.stdout
    )
