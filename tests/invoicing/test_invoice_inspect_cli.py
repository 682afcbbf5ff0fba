import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.invoicing.cn_xml_builder import build_cn_xml
from tests.invoicing.samples import sample

ROOT = Path(__file__).resolve().parents[2]
KEYS = {
    "format",
    "document_type",
    "invoice_number",
    "invoice_code",
    "issue_date",
    "currency",
    "seller",
    "buyer",
    "totals",
    "lines",
    "signature",
    "issues",
}


def inspect(path, *args):
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "invoice_inspect", str(path), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.test"},
    )


def test_json_output_is_one_object_with_the_documented_keys(tmp_path):
    path = tmp_path / "inv.xml"
    path.write_bytes(build_cn_xml())
    result = inspect(path, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) >= KEYS
    assert report["format"] == "cn-xml" and report["document_type"] == "invoice"
    assert report["invoice_code"] is None
    assert report["totals"] == {"net": "1000.00", "tax": "60.00", "gross": "1060.00", "payable": "1060.00"}
    assert report["lines"][0]["tax_rate"] == "0.06"
    assert set(report["signature"]) == {"present", "digests_valid", "signature_valid", "signer"}


def test_signed_ofd_sample_reports_a_valid_signature_and_its_signer():
    result = inspect(sample("einvoice-cn/ofdrw-vat-einvoice-2020-zj-signed-origxml.ofd"), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["format"] == "ofd" and report["invoice_code"] == "033002000211"
    assert report["signature"]["digests_valid"] is True and report["signature"]["signature_valid"] is True
    assert "浙江" in report["signature"]["signer"]


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>', "xml_doctype"),
        (b"PK\x03\x04garbage", "zip"),
        (b"<rss><channel/></rss>", "not_an_invoice"),
    ],
)
def test_refused_file_exits_2_with_one_line_on_stderr(tmp_path, content, code):
    path = tmp_path / "f"
    path.write_bytes(content)
    result = inspect(path, "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and code in result.stderr
