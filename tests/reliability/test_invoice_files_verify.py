"""`manage.py invoice_files_verify`: re-checks every stored invoice file against its SHA-256,
names each missing or changed file, and exits non-zero when there is any."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from invoicing.services import invoice_upload
from tests.invoicing.cn_xml_builder import build_cn_xml

pytestmark = pytest.mark.django_db


def verify(*args):
    out = io.StringIO()
    try:
        call_command("invoice_files_verify", *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), str(exc)
    return 0, out.getvalue(), ""


@pytest.fixture
def two_invoices(seller_user, our_entity, media_root):
    supplier = seller_user.membership.supplier
    return [
        invoice_upload(
            supplier=supplier,
            data=build_cn_xml(number=f"263520000000123400{n}1"),
            filename=f"{n}.xml",
            actor=seller_user,
        )[0]
        for n in range(2)
    ]


def test_intact_files_pass_with_exit_status_zero(two_invoices):
    status, out, _ = verify()
    assert status == 0
    assert out.strip().splitlines() == ["Checked 2 stored invoice files: 2 intact, 0 changed, 0 missing."]


def test_no_files_at_all_is_not_an_error(db):
    assert verify() == (0, "Checked 0 stored invoice files: 0 intact, 0 changed, 0 missing.\n", "")


def test_a_changed_file_is_named_and_the_exit_status_is_one(two_invoices, media_root):
    changed = two_invoices[1]
    path = media_root / changed.file.path
    path.write_bytes(path.read_bytes().replace(b"1000", b"9000"))
    status, out, error = verify()
    assert status == 1
    lines = out.strip().splitlines()
    assert lines[0].startswith(f"MISMATCH: {changed.file.path} (invoice {changed.pk}): its SHA-256 is now ")
    assert lines[-1] == "Checked 2 stored invoice files: 1 intact, 1 changed, 0 missing."
    assert error == lines[-1]


def test_a_file_of_the_same_size_with_one_flipped_byte_is_caught(two_invoices, media_root):
    path = media_root / two_invoices[0].file.path
    data = bytearray(path.read_bytes())
    data[-5] ^= 1
    path.write_bytes(bytes(data))
    status, out, _ = verify()
    assert status == 1 and "MISMATCH" in out


def test_a_missing_file_is_named_and_the_exit_status_is_one(two_invoices, media_root):
    missing = two_invoices[0]
    (media_root / missing.file.path).unlink()
    status, out, _ = verify()
    assert status == 1
    assert f"MISSING: {missing.file.path} (invoice {missing.pk}): the file is not in storage" in out
    assert out.strip().splitlines()[-1] == "Checked 2 stored invoice files: 1 intact, 0 changed, 1 missing."


def test_json_output_lists_every_problem(two_invoices, media_root):
    (media_root / two_invoices[0].file.path).unlink()
    (media_root / two_invoices[1].file.path).write_bytes(b"<EInvoice/>")
    status, out, _ = verify("--json")
    assert status == 1
    report = json.loads(out)
    assert report["checked"] == 2 and report["intact"] == 0
    assert {(p["invoice_id"], p["problem"]) for p in report["problems"]} == {
        (two_invoices[0].pk, "missing"),
        (two_invoices[1].pk, "mismatch"),
    }


def test_the_check_changes_nothing(two_invoices, media_root):
    before = {p: p.read_bytes() for p in media_root.rglob("*") if p.is_file()}
    verify()
    assert {p: p.read_bytes() for p in media_root.rglob("*") if p.is_file()} == before
