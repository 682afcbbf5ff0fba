"""Stored files on S3-compatible object storage (STORAGE_BACKEND=s3), against a real S3 server
started here (moto's server mode on a free port): invoice originals, quote attachments and
qualification documents go to the bucket and come back through the pages and the API;
`invoice_files_verify` catches a changed or missing object; readiness checks the bucket;
`files_backup` / `files_restore` copy the bucket out and back (docs/operations.md)."""

from __future__ import annotations

import hashlib
import threading
import uuid

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from moto.server import ThreadedMotoServer

from config.settings.env import file_storage
from core.services import api_token_create
from core.tasks import scheduler_heartbeat
from invoicing.models import Invoice
from suppliers.models import QualificationDocument
from tests.invoicing.cn_xml_builder import build_cn_xml
from tests.reliability.conftest import free_port

KEY_ID, SECRET = "portal-test-key", "portal-test-secret"  # moto accepts any pair
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def s3_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_server, settings, monkeypatch):
    """A new bucket, and the portal's default storage pointed at it as production would be."""
    name = f"portal-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=name)
    for var, value in {
        "STORAGE_BACKEND": "s3",
        "AWS_STORAGE_BUCKET_NAME": name,
        "AWS_S3_ENDPOINT_URL": s3_server,
        "AWS_ACCESS_KEY_ID": KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_S3_REGION_NAME": "us-east-1",
    }.items():
        monkeypatch.setenv(var, value)
    settings.STORAGES = {**settings.STORAGES, "default": file_storage()}
    client.name = name
    return client


def objects(bucket) -> dict[str, bytes]:
    listed = bucket.list_objects_v2(Bucket=bucket.name).get("Contents", [])
    return {o["Key"]: bucket.get_object(Bucket=bucket.name, Key=o["Key"])["Body"].read() for o in listed}


@pytest.fixture
def auth(seller_user):
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=seller_user, name='erp')[1]}"}


def upload(client, auth, data):
    response = client.post("/api/invoices/", {"file": SimpleUploadedFile("inv.xml", data)}, **auth)
    assert response.status_code == 201, response.content
    return Invoice.objects.get(pk=response.json()["id"])


@pytest.mark.django_db
def test_an_invoice_uploaded_through_the_api_is_stored_in_the_bucket_validated_and_downloadable(
    client, bucket, auth, seller_user, our_entity, django_capture_on_commit_callbacks
):
    data = build_cn_xml()
    with django_capture_on_commit_callbacks(execute=True):
        invoice = upload(client, auth, data)
    key = f"invoices/{hashlib.sha256(data).hexdigest()[:2]}/"
    stored = objects(bucket)
    assert [k for k in stored if k.startswith(key)] == [invoice.file.path]
    assert stored[invoice.file.path] == data
    invoice.refresh_from_db()
    assert invoice.state not in ("received", "validating", "rejected")  # validated from the bucket
    assert invoice.invoice_number == "26352000000012345678"

    download = client.get(f"/api/invoices/{invoice.pk}/file", **auth)
    assert download.status_code == 200 and download.content == data
    client.force_login(seller_user)
    page = client.get(f"/invoices/{invoice.pk}/file/")
    assert page.status_code == 200 and page.getvalue() == data


@pytest.mark.django_db
def test_invoice_files_verify_reads_the_bucket_and_finds_a_changed_and_a_missing_object(
    client, bucket, auth, our_entity, capsys
):
    first = upload(client, auth, build_cn_xml())
    second = upload(client, auth, build_cn_xml(number="26352000000011111111"))
    call_command("invoice_files_verify")
    assert "Checked 2 stored invoice files: 2 intact, 0 changed, 0 missing." in capsys.readouterr().out

    bucket.put_object(Bucket=bucket.name, Key=first.file.path, Body=build_cn_xml() + b" ")
    bucket.delete_object(Bucket=bucket.name, Key=second.file.path)
    with pytest.raises(CommandError) as failed:
        call_command("invoice_files_verify")
    assert failed.value.returncode == 1
    out = capsys.readouterr().out
    assert f"MISMATCH: {first.file.path} (invoice {first.pk})" in out
    assert f"MISSING: {second.file.path} (invoice {second.pk})" in out
    # A tampered object is never handed out either: the download re-checks the hash.
    assert client.get(f"/api/invoices/{first.pk}/file", **auth).status_code != 200


@pytest.mark.django_db
def test_quote_attachments_and_qualification_documents_live_in_the_bucket(
    client_as, bucket, buyer, supplier_a, supplier_user_a
):
    from procurement import services
    from tests.factories import make_rfq

    client = client_as(supplier_user_a)
    response = client.post(
        f"/api/suppliers/{supplier_a.pk}/documents",
        {
            "doc_type": "business_licence",
            "expires_on": "2099-01-01",
            "file": SimpleUploadedFile("l.pdf", PDF),
        },
    )
    assert response.status_code == 201, response.content
    document = QualificationDocument.objects.get()
    assert objects(bucket)[document.file.name] == PDF
    download = client.get(f"/suppliers/documents/{document.pk}/file/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF

    rfq = make_rfq(buyer=buyer, suppliers=[supplier_a], lines=((5,),))
    from datetime import timedelta

    from django.utils import timezone

    response = client.post(
        f"/procurement/rfqs/{rfq.pk}/quote/",
        {
            f"price_{rfq.lines.get().pk}": "10",
            "lead_time_days": "3",
            "valid_until": (timezone.localdate() + timedelta(days=30)).isoformat(),
            "attachments": [SimpleUploadedFile("terms.txt", b"net 30 days")],
        },
    )
    assert response.status_code == 302
    attachment = rfq.quotes.get().versions.get().attachments.get()
    assert objects(bucket)[attachment.file.name] == b"net 30 days"
    download = client.get(f"/procurement/quote-attachments/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"net 30 days"
    services.rfq_close(rfq=rfq, actor=buyer, reason="closed early for the test")


def _ready(client):
    result = {}
    thread = threading.Thread(
        target=lambda: result.update(r=client.get("/health/ready/", HTTP_ACCEPT="application/json"))
    )
    thread.start()
    thread.join(60)
    return result["r"]


@pytest.mark.django_db(transaction=True)  # the library runs the checks in another thread
def test_readiness_writes_reads_and_deletes_in_the_bucket_and_fails_without_it(client, bucket, settings):
    scheduler_heartbeat.apply()
    response = _ready(client)
    assert response.status_code == 200, response.json()
    assert response.json()["Storage(alias='default')"] == "OK"
    assert objects(bucket) == {}  # the probe file is gone again

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {**settings.STORAGES["default"]["OPTIONS"], "bucket_name": "portal-no-such-bucket"},
        },
    }
    response = _ready(client)
    assert response.status_code == 503
    assert response.json()["Storage(alias='default')"] != "OK"


@pytest.mark.django_db
def test_the_bucket_is_backed_up_to_a_folder_and_restored_into_an_empty_bucket(
    client, bucket, auth, our_entity, tmp_path, s3_server, settings, monkeypatch, capsys
):
    invoices = [upload(client, auth, build_cn_xml(number=f"263520000000123450{n}0")) for n in range(3)]
    call_command("files_backup", str(tmp_path / "backup"))
    assert "Copied 3 files" in capsys.readouterr().out
    for invoice in invoices:
        assert (tmp_path / "backup" / invoice.file.path).read_bytes() == objects(bucket)[invoice.file.path]

    # The bucket is lost; a new, empty one takes its place and the backup is restored into it.
    empty = f"portal-{uuid.uuid4().hex[:12]}"
    bucket.create_bucket(Bucket=empty)
    monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", empty)
    settings.STORAGES = {**settings.STORAGES, "default": file_storage()}
    with pytest.raises(CommandError):
        call_command("invoice_files_verify")
    call_command("files_restore", str(tmp_path / "backup"))
    assert "Copied 3 files" in capsys.readouterr().out
    call_command("invoice_files_verify")
    assert "3 intact, 0 changed, 0 missing" in capsys.readouterr().out
    # Restoring again copies nothing: what is there is kept, never overwritten.
    call_command("files_restore", str(tmp_path / "backup"))
    assert "Copied 0 files, 3 already there" in capsys.readouterr().out
