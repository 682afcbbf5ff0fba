"""Backup and restore as docs/operations.md describes it, for real: pg_dump of the test database
and a tar of MEDIA_ROOT, pg_restore into a fresh database, the files unpacked elsewhere; then
`migrate --check` and `invoice_files_verify` against the restored copy, and the rows compared."""

import os
import shutil
import subprocess
import sys
import uuid

import psycopg
import pytest
from django.db import connection

from core.models import TransitionLog
from invoicing.models import Invoice, StoredFile
from invoicing.services import invoice_upload
from tests.invoicing.cn_xml_builder import build_cn_xml
from tests.reliability.conftest import ROOT, assert_validated_once, missing_service

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def run(*args, env=None, check=True):
    result = subprocess.run(args, capture_output=True, text=True, timeout=180, env=env)  # noqa: S603
    if check:
        assert result.returncode == 0, f"{' '.join(args)}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture
def pg_tools(postgres):
    for tool in ("pg_dump", "pg_restore", "tar"):
        if shutil.which(tool) is None:
            missing_service(f"{tool} is not installed")


@pytest.fixture
def database_uri():
    """A libpq URI for a database on the test server: uri(name)."""
    s = connection.settings_dict
    user, host, port = s["USER"] or "postgres", s["HOST"] or "127.0.0.1", s["PORT"] or 5432
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return lambda name: f"postgresql://{user}{password}@{host}:{port}/{name}"


@pytest.fixture
def fresh_database(database_uri):
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(database_uri("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(database_uri("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(*args, database_url, media_root):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_"))},
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media_root),
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )


def test_a_backup_restores_into_a_fresh_database_with_every_row_and_every_intact_file(
    pg_tools, seller_user, our_entity, media_root, tmp_path, database_uri, fresh_database
):
    supplier = seller_user.membership.supplier
    for n in range(3):
        invoice, _ = invoice_upload(
            supplier=supplier,
            data=build_cn_xml(number=f"263520000000123450{n}0"),
            filename=f"{n}.xml",
            actor=seller_user,
        )
        assert_validated_once(invoice.pk)

    # Backup: the database first, the files second (docs/operations.md).
    dump, archive = tmp_path / "portal.dump", tmp_path / "portal-media.tar.gz"
    source = database_uri(connection.settings_dict["NAME"])
    run("pg_dump", "--format=custom", "--no-owner", f"--file={dump}", source)
    run("tar", "--create", "--gzip", f"--file={archive}", f"--directory={media_root}", ".")
    run("pg_restore", "--list", str(dump))

    # Restore into a fresh database and a new media folder.
    restored_uri, restored_media = database_uri(fresh_database), tmp_path / "restored-media"
    run("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={restored_uri}", str(dump))
    restored_media.mkdir()
    run("tar", "--extract", "--gzip", f"--file={archive}", f"--directory={restored_media}")

    # The same rows, down to the transition log.
    with psycopg.connect(restored_uri) as restored:
        invoices = restored.execute(
            "SELECT id, state, invoice_number, gross_amount FROM invoicing_invoice ORDER BY id"
        ).fetchall()
        files = restored.execute(
            "SELECT sha256, size, path FROM invoicing_storedfile ORDER BY sha256"
        ).fetchall()
        logs = restored.execute(
            "SELECT object_id, transition, source, target FROM core_transitionlog ORDER BY id"
        )
        logs = logs.fetchall()
    assert invoices == list(
        Invoice.objects.order_by("id").values_list("id", "state", "invoice_number", "gross_amount")
    )
    assert files == list(StoredFile.objects.order_by("sha256").values_list("sha256", "size", "path"))
    assert logs == list(
        TransitionLog.objects.order_by("id").values_list("object_id", "transition", "source", "target")
    )

    # The portal accepts the restored copy: schema complete, every file intact.
    db_url = restored_uri.replace("postgresql://", "postgres://", 1)
    check = manage("migrate", "--check", database_url=db_url, media_root=restored_media)
    assert check.returncode == 0, check.stdout + check.stderr
    verify = manage("invoice_files_verify", database_url=db_url, media_root=restored_media)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "Checked 3 stored invoice files: 3 intact, 0 changed, 0 missing." in verify.stdout

    # And the check does catch a damaged restored file.
    damaged = restored_media / files[0][2]
    damaged.write_bytes(damaged.read_bytes() + b" ")
    verify = manage("invoice_files_verify", database_url=db_url, media_root=restored_media)
    assert verify.returncode == 1
    assert f"MISMATCH: {files[0][2]}" in verify.stdout
